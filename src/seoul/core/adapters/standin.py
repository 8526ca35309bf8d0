"""The base of every local stand-in for an outside service: a ``ThreadingHTTPServer`` on
127.0.0.1 (an ephemeral port unless one is asked for) in a daemon thread, speaking JSON, with
the faults a real service shows, so that development and tests never leave the machine.

Fault knobs, the same on every stand-in (attributes, settable from tests or, for browser tests
and other processes, by ``POST /_control`` with a JSON object of knobs; ``GET /_control``
reads them; ``POST /_control/reset`` puts them back):

* ``delay`` — seconds to wait before handling each request (a slow service);
* ``fail_next`` — answer the next *n* requests ``503 unavailable`` without handling them;
* ``failure_rate`` — share of requests answered ``503`` without handling them (seeded);
* ``late_next`` / ``late_by`` — handle the next *n* requests (the work is done) but answer
  only after ``late_by`` seconds: the caller has given up by then (a time-out) and must send
  the same request again, with the same idempotency key, to learn what happened.

The faults apply to the paths under ``FAULTY`` (the API), never to ``/_control``. The control
endpoint answers loopback clients only; the server refuses to listen anywhere but loopback.

:class:`Webhooks` sends signed events to a callback URL, once, twice (``repeat``), late
(``delay``) or held back and then released in another order (``hold`` + :meth:`Webhooks.flush`).
"""

from __future__ import annotations

import json
import logging
import queue
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from seoul.core.adapters import signing

log = logging.getLogger("seoul.core.adapters.standin")

LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_BODY = 256 * 1024


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    late: float = 0.0  # seconds to hold the answer back after the work is done (a time-out)


def json_answer(status: int, payload: Any) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False).encode())


def error(status: int, code: str, message: str) -> Answer:
    return json_answer(status, {"error": code, "message": message})


def html_answer(status: int, text: str) -> Answer:
    return Answer(status, text.encode(), "text/html; charset=utf-8", {"Cache-Control": "no-store"})


def redirect(location: str) -> Answer:
    return Answer(303, b"", "text/plain; charset=utf-8", {"Location": location})


@dataclass
class Request:
    method: str
    target: str  # the path with its query string, as sent
    headers: dict[str, str]
    body: bytes
    client: str

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.target).query))

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body) if self.body else {}
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}

    def form(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def header(self, name: str) -> str:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), "")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self, method: str) -> None:
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        raw = self.rfile.read(length) if method == "POST" and length else b""
        request = Request(method, self.path, dict(self.headers.items()), raw, str(self.client_address[0]))
        owner = self.server.owner
        late = 0.0
        try:
            answer, late = owner.dispatch(request)
        except Exception as exc:  # a stand-in bug must show as a 500, not hang the client
            log.exception("stand-in %s failed on %s %s", type(owner).__name__, method, request.path)
            answer = error(500, "internal", str(exc))
        if late:
            time.sleep(late)
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
            pass

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: StandIn


class StandIn:
    """Subclasses answer in :meth:`respond` (a :class:`Request` → an :class:`Answer`), or in
    :meth:`handle` (method, path, headers, JSON body → status and a JSON payload)."""

    FAULTY: tuple[str, ...] = ("/",)
    KNOBS: dict[str, Callable[[Any], Any]] = {
        "delay": float,
        "fail_next": int,
        "failure_rate": float,
        "late_next": int,
        "late_by": float,
    }

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, start: bool = True, seed: int | None = None) -> None:
        if host not in LOOPBACK:
            raise ValueError("a stand-in listens on loopback only")
        self.lock = threading.RLock()
        self.rng = random.Random(seed)  # noqa: S311 - simulated faults, not security
        self.reset_faults()
        self.server = _Server(("127.0.0.1" if host == "localhost" else host, port), _Handler)
        self.server.owner = self
        self._thread: threading.Thread | None = None
        if start:
            self._thread = threading.Thread(target=self.server.serve_forever, daemon=True, name=type(self).__name__)
            self._thread.start()

    def reset_faults(self) -> None:
        with self.lock:
            self.delay = 0.0
            self.fail_next = 0
            self.failure_rate = 0.0
            self.late_next = 0
            self.late_by = 2.0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        if self._thread is not None:
            self.server.shutdown()
        self.server.server_close()

    # --- answering ---------------------------------------------------------------------------

    def dispatch(self, request: Request) -> tuple[Answer, float]:
        """The answer to ``request`` and how late to send it."""
        if request.path == "/_control" or request.path.startswith("/_control/"):
            if request.client not in LOOPBACK:
                return error(403, "forbidden", "the control endpoint answers loopback clients only"), 0.0
            return self.control_request(request), 0.0
        if not request.path.startswith(self.FAULTY):
            return self.respond(request), 0.0
        with self.lock:
            delay = self.delay
            failing = self.fail_next > 0 or (self.failure_rate > 0 and self.rng.random() < self.failure_rate)
            if self.fail_next > 0:
                self.fail_next -= 1
        if delay:
            time.sleep(delay)
        if failing:
            return error(503, "unavailable", "the service is busy, try again"), 0.0
        answer = self.respond(request)
        with self.lock:
            late = self.late_by if self.late_next > 0 else 0.0
            if self.late_next > 0:
                self.late_next -= 1
        return answer, max(late, answer.late)

    def respond(self, request: Request) -> Answer:
        body = request.json() if request.method == "POST" else {}
        status, payload = self.handle(request.method, request.target, request.headers, body)
        return json_answer(status, payload)

    def handle(self, method: str, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        return 404, {"error": "not_found", "message": path}

    # --- control -----------------------------------------------------------------------------

    def knobs(self) -> dict[str, Any]:
        with self.lock:
            return {name: getattr(self, name) for name in self.KNOBS}

    def set_knobs(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Set the named knobs (unknown names and bad values are refused, nothing half-set)."""
        unknown = sorted(set(changes) - set(self.KNOBS))
        if unknown:
            raise ValueError(f"unknown knobs: {', '.join(unknown)}")
        converted = {name: self.KNOBS[name](value) for name, value in changes.items()}
        with self.lock:
            for name, value in converted.items():
                setattr(self, name, value)
        return self.knobs()

    def reset(self) -> None:
        """Back to how it started (subclasses also forget what they were told)."""
        self.reset_faults()

    def control_request(self, request: Request) -> Answer:
        if request.path == "/_control" and request.method == "GET":
            return json_answer(200, {"standin": type(self).__name__, "knobs": self.knobs()})
        if request.path == "/_control" and request.method == "POST":
            try:
                return json_answer(200, {"knobs": self.set_knobs(request.json())})
            except (ValueError, TypeError) as exc:
                return error(400, "invalid_knobs", str(exc))
        if request.path == "/_control/reset" and request.method == "POST":
            self.reset()
            return json_answer(200, {"knobs": self.knobs()})
        return self.control(request)

    def control(self, request: Request) -> Answer:
        """Further control paths of a subclass (``/_control/...``)."""
        return error(404, "not_found", request.path)


# --- webhooks --------------------------------------------------------------------------------------


def post(url: str, body: bytes, headers: dict[str, str]) -> int | None:
    """POST one webhook; the HTTP status, or None when nothing answered."""
    if not url.startswith(("http://", "https://")):
        return None
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310 - scheme checked
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            resp.read()
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


class Webhooks:
    """Signed deliveries of events to ``url``. Every delivery is recorded in ``deliveries``
    (event id, type, HTTP status or None) so tests see what arrived and how it was answered.

    ``repeat`` sends each event that many times (the same ``event_id``); ``delay`` sends it that
    many seconds late; ``hold`` keeps events back until :meth:`flush` releases them in the order
    asked for (``"reverse"``, ``"shuffle"`` or ``"sent"``), so that a later event arrives first."""

    def __init__(
        self,
        secret: str,
        header: str,
        *,
        url: str = "",
        deliver: Callable[[str, bytes, dict[str, str]], int | None] = post,
        rng: random.Random | None = None,
    ) -> None:
        self.secret = secret
        self.header = header
        self.url = url
        self.deliver = deliver
        self.rng = rng or random.Random()  # noqa: S311 - an order of delivery, not security
        self.repeat = 1
        self.delay = 0.0
        self.hold = False
        self.events: list[dict[str, Any]] = []  # each event once, in the order it happened
        self.deliveries: list[dict[str, Any]] = []
        self.held: list[dict[str, Any]] = []
        self._pending = 0
        self._idle = threading.Condition()
        self._queue: queue.SimpleQueue[tuple[str, list[dict[str, Any]], int, float]] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None

    def emit(self, event: dict[str, Any]) -> None:
        with self._idle:
            self.events.append(event)
            if self.hold:
                self.held.append(event)
                return
        self._schedule([event])

    def flush(self, order: str = "reverse") -> int:
        """Release the held events: in ``order`` ``"reverse"`` (newest first), ``"shuffle"`` or
        ``"sent"``. Returns how many."""
        with self._idle:
            batch, self.held = self.held, []
        if order == "reverse":
            batch.reverse()
        elif order == "shuffle":
            self.rng.shuffle(batch)
        elif order != "sent":
            raise ValueError(f"unknown order {order!r}")
        if batch:
            self._schedule(batch)
        return len(batch)

    def _schedule(self, batch: list[dict[str, Any]]) -> None:
        """Queue a batch for the one delivery thread: events go out in the order they were
        queued (an order is broken only on purpose, by ``hold`` and :meth:`flush`)."""
        with self._idle:
            self._pending += 1
            self._queue.put((self.url, batch, max(1, self.repeat), self.delay))
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, daemon=True, name="webhooks")
                self._worker.start()

    def _work(self) -> None:
        while True:
            url, batch, repeat, delay = self._queue.get()
            self._send(url, batch, repeat, delay)

    def _send(self, url: str, batch: list[dict[str, Any]], repeat: int, delay: float) -> None:
        try:
            if delay:
                time.sleep(delay)
            for event in batch:
                raw = json.dumps(event, ensure_ascii=False).encode()
                for _ in range(repeat):
                    status = (
                        self.deliver(url, raw, signing.signed_headers(self.secret, raw, self.header)) if url else None
                    )
                    with self._idle:
                        self.deliveries.append(
                            {"event_id": event.get("event_id"), "type": event.get("type"), "status": status}
                        )
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until every scheduled delivery was made; False if some are still under way."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def reset(self) -> None:
        self.drain()
        with self._idle:
            self.repeat, self.delay, self.hold = 1, 0.0, False
            self.events.clear()
            self.deliveries.clear()
            self.held.clear()


class SendsWebhooks:
    """For a stand-in that sends signed events through ``self.webhooks``: its webhook knobs
    (``webhook_repeat``, ``webhook_delay``, ``webhook_hold``) are the sender's. Put it before
    :class:`StandIn` among the bases and name the knobs in ``KNOBS``."""

    webhooks: Webhooks

    @property
    def webhook_repeat(self) -> int:
        return self.webhooks.repeat

    @webhook_repeat.setter
    def webhook_repeat(self, value: int) -> None:
        self.webhooks.repeat = value

    @property
    def webhook_delay(self) -> float:
        return self.webhooks.delay

    @webhook_delay.setter
    def webhook_delay(self, value: float) -> None:
        self.webhooks.delay = value

    @property
    def webhook_hold(self) -> bool:
        return self.webhooks.hold

    @webhook_hold.setter
    def webhook_hold(self, value: bool) -> None:
        self.webhooks.hold = value


class Running:
    """The stand-ins of one adapter module, each started on first use (thread-safe).

    On a fixed ``port`` (not 0) the first process to listen there serves every process on the
    machine: when the port is taken, :meth:`url` answers with it, assuming a sibling worker's
    stand-in of the same kind listens there (``seoul run`` starts several worker processes,
    and a stand-in that keeps state must be one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: dict[str, StandIn] = {}
        self._joined: dict[str, str] = {}

    def get(self, kind: str, factory: Callable[[int], StandIn], port: int = 0) -> StandIn:
        """This process's stand-in of ``kind`` (an ``OSError`` if ``port`` is taken)."""
        with self._lock:
            if kind not in self._made:
                self._made[kind] = factory(port)
                log.info("started the %s stand-in on %s", kind, self._made[kind].url)
            return self._made[kind]

    def url(self, kind: str, factory: Callable[[int], StandIn], port: int = 0) -> str:
        with self._lock:
            if kind in self._joined:
                return self._joined[kind]
        try:
            return self.get(kind, factory, port).url
        except OSError:
            if not port:
                raise
            with self._lock:
                self._joined[kind] = f"http://127.0.0.1:{port}"
                log.info("using the %s stand-in another process started on port %s", kind, port)
                return self._joined[kind]
