"""The warm OCRmyPDF worker: a run in it reads as ``python -m ocrmypdf`` does, the worker is kept
for the next run, an overrunning run is killed with its Tesseracts, and a worker that is gone
or ends during a run costs that run at most, never a hang or a stray process."""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path

import img2pdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from seoul.records.engine import ocr as engine
from seoul.records.engine import ocrworker
from seoul.records.engine.ocr import Run, run_ocrmypdf, split_sidecar

NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
LINES = ("서울특별시 전자문서센터", "기록물 보존 기간은 십 년", "공공데이터 개방 목록")

pytestmark = [
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed"),
    pytest.mark.skipif(not NANUM.exists(), reason=f"the Nanum font is not at {NANUM} (fonts-nanum)"),
]


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[ocrworker.Workers]:
    """This test's own workers, closed after it."""
    mine = ocrworker.Workers()
    monkeypatch.setattr(ocrworker, "WORKERS", mine)
    monkeypatch.setattr(ocrworker, "ENABLED", True)
    yield mine
    mine.close()


def scan(path: Path, pages: int = 1, *, full: bool = False) -> Path:
    """A ``pages``-page scan at 200 dpi, each page the same three Korean lines (``full``: over
    and over down the page, a second or two of Tesseract's time)."""
    font = ImageFont.truetype(str(NANUM), 40)
    images = []
    for n in range(pages):
        image = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(image)
        for k, line in enumerate(LINES * (14 if full else 1)):
            draw.text((150, 200 + 45 * k), line, font=font, fill=0)
        png = path.parent / f"{path.stem}-{n}.png"
        image.save(png, dpi=(200, 200))
        images.append(str(png))
    path.write_bytes(img2pdf.convert(images, layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))
    return path


def read(
    source: Path, work: Path, *, pages: int = 1, timeout: float = 300, on_page: Callable[[int], None] | None = None
) -> tuple[Run, list[str | None]]:
    work.mkdir()
    sidecar = work / "sidecar.txt"
    run = run_ocrmypdf(
        source,
        work / "out.pdf",
        sidecar,
        workdir=work,
        language="kor",
        jobs=2,
        page_timeout=120,
        timeout=timeout,
        output_type="pdf",
        on_page=on_page,
    )
    texts = split_sidecar(sidecar.read_text(encoding="utf-8"), pages) if run.ok else []
    return run, texts


def tesseract_cpu(image: Path) -> float:
    """CPU seconds of bare Tesseract reading ``image`` as OCRmyPDF asks it to."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(  # noqa: S603 - fixed arguments, no shell
        ["tesseract", str(image), "-", "-l", "kor", "--psm", "6"],  # noqa: S607 - found on PATH as OCRmyPDF does
        capture_output=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def gone(group: int, within: float = 10.0) -> bool:
    """Whether no process is left in process group ``group`` (waiting up to ``within`` s)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_a_warm_run_reads_as_a_direct_run_and_its_worker_is_kept(
    tmp_path: Path, workers: ocrworker.Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = scan(tmp_path / "scan.pdf")
    first, warm_texts = read(source, tmp_path / "warm1")
    assert first.ok, first.log
    [kept] = workers.idle
    cpu = workers.cpu
    # Tesseract's work on the page is counted, though it ran in the worker's child's child
    assert cpu >= 0.8 * tesseract_cpu(tmp_path / "scan-0.png")
    again, _ = read(source, tmp_path / "warm2")
    assert again.ok and workers.idle == (kept,)  # the same process ran it
    assert workers.cpu > cpu

    monkeypatch.setattr(ocrworker, "ENABLED", False)
    direct, direct_texts = read(source, tmp_path / "direct")
    assert direct.ok and workers.idle == (kept,)
    assert warm_texts == direct_texts
    assert all(line in (warm_texts[0] or "") for line in LINES[:1])


def test_an_overrunning_warm_run_is_killed_with_its_tesseracts(
    tmp_path: Path, workers: ocrworker.Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    killed: list[int] = []
    real_killpg = os.killpg

    def killpg(group: int, sig: int) -> None:
        if sig == signal.SIGKILL:
            killed.append(group)
        real_killpg(group, sig)

    monkeypatch.setattr(engine.os, "killpg", killpg)
    read(scan(tmp_path / "warm-up.pdf"), tmp_path / "warm-up")  # so the timeout does not count the start
    run, _ = read(scan(tmp_path / "long.pdf", pages=6, full=True), tmp_path / "long", timeout=2.0)
    assert run.timed_out and run.returncode == -signal.SIGKILL
    [group] = killed
    assert gone(group)
    assert len(workers.idle) == 1  # the worker itself lives on
    after, texts = read(scan(tmp_path / "after.pdf"), tmp_path / "after")
    assert after.ok and LINES[0] in (texts[0] or "")


def test_a_worker_that_ends_during_a_run_stops_the_run(
    tmp_path: Path, workers: ocrworker.Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    lent: list[ocrworker.Worker] = []
    real_start = ocrworker.Worker.start

    def start(self: ocrworker.Worker, *args: object) -> ocrworker.Worker:
        lent.append(self)
        return real_start(self, *args)  # type: ignore[arg-type]

    pages: list[int] = []

    def on_page(done: int) -> None:
        pages.append(done)
        if done == 1:
            os.kill(lent[0].process.pid, signal.SIGKILL)

    monkeypatch.setattr(ocrworker.Worker, "start", start)
    run, _ = read(scan(tmp_path / "long.pdf", pages=8, full=True), tmp_path / "long", on_page=on_page)
    assert run.returncode == ocrworker.CRASHED and not run.timed_out
    assert gone(lent[0].pid)
    assert max(pages) < 8  # stopped, not read to the end
    assert workers.idle == ()  # a worker that ended is not lent again
    after, texts = read(scan(tmp_path / "after.pdf"), tmp_path / "after")
    assert after.ok and LINES[0] in (texts[0] or "")
    assert len(workers.idle) == 1 and workers.idle[0] != lent[0].process.pid


def test_without_a_worker_ocrmypdf_runs_directly(
    tmp_path: Path, workers: ocrworker.Workers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot_start(idle_exit: float) -> None:
        raise OSError("no processes left")

    monkeypatch.setattr(ocrworker, "Worker", cannot_start)
    run, texts = read(scan(tmp_path / "scan.pdf"), tmp_path / "work")
    assert run.ok and LINES[0] in (texts[0] or "")
    assert workers.idle == () and workers.cpu == 0.0


@pytest.mark.parametrize("seen", [True, False], ids=["seen-dead", "dies-unseen"])
def test_an_idle_worker_that_died_is_replaced(
    tmp_path: Path, workers: ocrworker.Workers, monkeypatch: pytest.MonkeyPatch, seen: bool
) -> None:
    """Whether the pool sees the death before lending the worker or only when the worker does
    not take the run, the run goes to a new worker."""
    source = scan(tmp_path / "scan.pdf")
    read(source, tmp_path / "first")
    [dead] = workers.idle
    os.kill(dead, signal.SIGKILL)
    while Path(f"/proc/{dead}/stat").read_text(encoding="ascii").split(") ")[1][0] != "Z":
        time.sleep(0.05)  # dead, not yet reaped
    if not seen:
        monkeypatch.setattr(subprocess.Popen, "poll", lambda self: None)
    run, texts = read(source, tmp_path / "second")
    assert run.ok and LINES[0] in (texts[0] or "")
    assert len(workers.idle) == 1 and workers.idle[0] != dead
    assert not Path(f"/proc/{dead}").exists()  # reaped, not left a zombie


def test_a_worker_left_idle_exits_and_the_next_run_starts_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workers = ocrworker.Workers(idle_exit=0.5)
    monkeypatch.setattr(ocrworker, "WORKERS", workers)
    source = scan(tmp_path / "scan.pdf")
    try:
        read(source, tmp_path / "first")
        [idle] = workers.idle
        deadline = time.monotonic() + 10
        while Path(f"/proc/{idle}/stat").read_text(encoding="ascii").split(") ")[1][0] != "Z":
            assert time.monotonic() < deadline, "the idle worker did not exit"
            time.sleep(0.05)
        run, texts = read(source, tmp_path / "second")
        assert run.ok and LINES[0] in (texts[0] or "")
        assert len(workers.idle) == 1 and workers.idle[0] != idle
    finally:
        workers.close()


def test_the_worker_answers_a_request_it_cannot_read_and_goes_on(tmp_path: Path) -> None:
    worker = ocrworker.Worker()
    try:
        with (tmp_path / "out.txt").open("wb") as out:
            socket.send_fds(worker.channel, [b"not json"], [out.fileno(), out.fileno()])
            answer = json.loads(worker.channel.recv(ocrworker.MAX_MESSAGE))
            assert "Expecting value" in answer["error"]
            assert worker.start(["--version"], dict(os.environ), out.fileno(), out.fileno()).wait() == 0
        assert version("ocrmypdf") in (tmp_path / "out.txt").read_text(encoding="utf-8")
    finally:
        worker.close()
    assert worker.process.returncode == 0  # it ended when its socket closed
