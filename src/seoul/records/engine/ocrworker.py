"""A warm OCRmyPDF: a process that imports OCRmyPDF once and forks one child per run.

``python -m ocrmypdf`` spends about a second of one core on every run before and after the
pages: starting Python, importing OCRmyPDF, pikepdf, Pillow and pydantic, and starting a fork
server whose workers import them again. For a short document that is a tenth of the work. This
process pays it once: it imports everything a run needs, then waits for requests, and for each
one forks a child that runs OCRmyPDF's own command line (``ocrmypdf.__main__.run``) with the
arguments, environment and working folder of the request. The child is what ``python -m
ocrmypdf`` would have been, with the imports already done: its own session (so the caller can
kill it with its Tesseracts as one process group), standard output and error on the descriptors
the caller passed, ``os.nice(5)`` and OCRmyPDF's handling of standard output applied to the
child alone, and its exit code the command's. Page workers are forked from the child (the
``fork`` start method, where the command line uses a fork server), so they start warm too.

Protocol (a ``SOCK_SEQPACKET`` Unix socket; the arguments are its descriptor number and the
seconds idle after which the process exits): a request
is one JSON message ``{"argv": [...], "env": {...}, "cwd": "..."}`` carrying two descriptors,
the run's standard output and standard error; the answers are ``{"pid": N}`` once the child
is started and ``{"exit": CODE, "cpu": SECONDS}`` when it has ended (CODE as
:attr:`subprocess.Popen.returncode`: minus the signal number if it was killed; SECONDS the CPU
time of the child and everything it waited for). One run at a time; the process exits when the
socket closes. ``seoul.records.engine.ocr`` starts and keeps these processes.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

MAX_MESSAGE = 1 << 20
CRASHED = 15  # OCRmyPDF's own code for "an unexpected error"
KEEP = 2  # idle workers kept: the page-by-page fallback runs two pages at a time
IDLE_EXIT_S = 600.0
"""A worker with no request for this long exits (about 70 MB each); the next run starts another."""
ENABLED = os.environ.get("SEOUL_OCR_WARM", "1") != "0"
"""``SEOUL_OCR_WARM=0`` runs every OCRmyPDF as ``python -m ocrmypdf`` (to compare, or to rule
the worker out when something goes wrong)."""
_SOURCE_ROOT = Path(__file__).resolve().parents[3]  # the folder that holds the seoul package


def warm_up() -> None:
    """Import what a run of OCRmyPDF with our options and plugin imports."""
    import ocrmypdf.__main__  # the command line, which each run calls
    import ocrmypdf._pipelines.ocr
    import ocrmypdf.builtin_plugins.concurrency
    import ocrmypdf.builtin_plugins.ghostscript
    import ocrmypdf.builtin_plugins.tesseract_ocr  # noqa: F401
    import pikepdf  # noqa: F401
    import PIL.Image  # noqa: F401

    import seoul.records.engine.scanpage  # noqa: F401


def serve(channel: socket.socket, idle_exit: float = IDLE_EXIT_S) -> None:
    """Answer requests until the caller closes the socket or sends none for ``idle_exit`` s."""
    channel.settimeout(idle_exit)
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(channel, MAX_MESSAGE, 2)
        except OSError:  # TimeoutError included
            return
        if not message:
            return
        try:
            request = json.loads(message)
            if len(fds) != 2:
                raise ValueError(f"a request carries two descriptors, not {len(fds)}")
        except ValueError as exc:
            for fd in fds:
                os.close(fd)
            channel.send(json.dumps({"error": str(exc)}).encode())
            continue
        pid = os.fork()
        if pid == 0:
            _run_child(request, fds, channel)
        for fd in fds:
            os.close(fd)
        channel.send(json.dumps({"pid": pid}).encode())
        _pid, status, usage = os.wait4(pid, 0)
        ended = {"exit": os.waitstatus_to_exitcode(status), "cpu": usage.ru_utime + usage.ru_stime}
        channel.send(json.dumps(ended).encode())


def _run_child(request: dict[str, Any], fds: list[int], channel: socket.socket) -> None:
    """In the forked child: become ``python -m ocrmypdf ARGV`` and exit with its code."""
    code = CRASHED
    try:
        channel.close()
        os.setsid()
        stdin = os.open(os.devnull, os.O_RDONLY)
        os.dup2(stdin, 0)
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in (stdin, *fds):
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        tempfile.tempdir = None  # read TMPDIR again from the run's environment
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        from ocrmypdf.__main__ import run  # imported by warm_up already

        code = int(run(request["argv"]))  # type: ignore[no-untyped-call]
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else CRASHED
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)


class Started(Protocol):
    """A running OCRmyPDF: its process id (also its process group's) and a wait for its exit code."""

    @property
    def pid(self) -> int: ...

    def wait(self) -> int: ...


class WorkerGone(Exception):
    """The worker process is not there to answer (it did not start, or it ended)."""


class Worker:
    """The caller's end of one warm process; used by one run at a time."""

    def __init__(self, idle_exit: float = IDLE_EXIT_S) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        path = os.environ.get("PYTHONPATH")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_SOURCE_ROOT), *([path] if path else [])])}
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-m", __name__, str(theirs.fileno()), f"{idle_exit:g}"],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a Ctrl-C meant for the caller does not kill a run half-way
            )
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        self.channel = ours
        self.pid = 0
        self.cpu = 0.0
        self.usable = True
        self._returncode = CRASHED
        self._watcher: threading.Thread | None = None

    def start(self, argv: Sequence[str], env: Mapping[str, str], stdout: int, stderr: int) -> Worker:
        """Start ``ocrmypdf ARGV`` with these descriptors as its standard output and error."""
        request = {"argv": list(argv), "env": dict(env), "cwd": os.getcwd()}
        try:
            socket.send_fds(self.channel, [json.dumps(request).encode()], [stdout, stderr])
            answer = self._answer()
        except (OSError, ValueError, WorkerGone) as exc:
            self.usable = False
            raise WorkerGone(str(exc)) from exc
        if "pid" not in answer:
            self.usable = False
            raise WorkerGone(str(answer.get("error", answer)))
        self.pid = int(answer["pid"])
        self._watcher = threading.Thread(target=self._watch, name="ocr-worker-watch", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        """Wait for the worker to say the run ended. Should the worker end first, kill the run:
        its output would be read to the end for nothing, and nobody would be left to reap it."""
        try:
            answer = self._answer()
            self.cpu = float(answer.get("cpu", 0.0))
            self._returncode = int(answer["exit"])
        except (OSError, ValueError, KeyError, WorkerGone) as exc:
            self.usable = False
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
            log.warning("the OCR worker process ended during a run (%s); the run was stopped", exc)
            self._returncode = CRASHED

    def wait(self) -> int:
        """The run's exit code (minus the signal number if it was killed); :data:`CRASHED` if the
        worker ended before it could say."""
        if self._watcher is not None:
            self._watcher.join()
        return self._returncode

    def forget_run(self) -> None:
        """Ready for the next run."""
        self.pid, self.cpu, self._returncode, self._watcher = 0, 0.0, CRASHED, None

    def _answer(self) -> dict[str, Any]:
        message = self.channel.recv(MAX_MESSAGE)
        if not message:
            raise WorkerGone("the worker closed its socket")
        answer: dict[str, Any] = json.loads(message)
        return answer

    def close(self) -> None:
        self.usable = False
        self.channel.close()  # the worker reads the end of the socket and exits
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Workers:
    """Warm processes for this process's runs: an idle one is lent to a run, or a new one started."""

    def __init__(self, idle_exit: float = IDLE_EXIT_S) -> None:
        self.idle_exit = idle_exit
        self._lock = threading.Lock()
        self._idle: list[Worker] = []
        self._owner = os.getpid()
        self.cpu = 0.0
        """CPU seconds of every run that ended in a worker (they are not this process's children)."""

    @contextlib.contextmanager
    def lend(self) -> Iterator[Worker | None]:
        """A worker for one run, or None when none can be started (then run OCRmyPDF directly)."""
        with self._lock:
            if self._owner != os.getpid():  # a forked copy of us: those workers answer our parent
                self._idle, self._owner, self.cpu = [], os.getpid(), 0.0
            worker = self._idle.pop() if self._idle else None
        if worker is not None and worker.process.poll() is not None:
            worker.close()
            worker = None
        if worker is None:
            try:
                worker = Worker(self.idle_exit)
            except OSError:
                log.exception("could not start an OCR worker process; running OCRmyPDF directly")
                yield None
                return
        try:
            yield worker
        finally:
            with self._lock:
                self.cpu += worker.cpu
                keep = worker.usable and len(self._idle) < KEEP and self._owner == os.getpid()
                if keep:
                    worker.forget_run()
                    self._idle.append(worker)
            if not keep:
                worker.close()

    @property
    def idle(self) -> tuple[int, ...]:
        """The process ids of the idle workers."""
        with self._lock:
            return tuple(w.process.pid for w in self._idle)

    def close(self) -> None:
        """End the idle workers (a forked copy of this process leaves its parent's alone)."""
        with self._lock:
            idle, self._idle = self._idle, []
            ours = self._owner == os.getpid()
        for worker in idle if ours else ():
            worker.close()


WORKERS = Workers()
atexit.register(lambda: WORKERS.close())  # the one in use at exit (tests replace it)


def main(argv: list[str]) -> int:
    channel = socket.socket(fileno=int(argv[1]))
    warm_up()
    try:
        serve(channel, float(argv[2]))
    finally:
        channel.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
