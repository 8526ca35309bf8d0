"""Text messages to contacts, behind a small adapter.

The city's SMS gateway is outside this machine, so the platform speaks to an interface,
:class:`SmsSender`, and ships a local stand-in, :class:`FileOutbox`, that appends each message
as one JSON line to ``SEOUL_TRACING_SMS_OUTBOX`` (default ``var/sms-outbox.jsonl``, mode
0600): the file plays the phone network, so tests and demos read what a phone would receive.
Swapping in the real gateway is configuration (``SEOUL_TRACING_SMS_SENDER``, a dotted path to
a class with the same ``send``), not code.

:class:`HttpGateway` speaks a small HTTP protocol (``POST {"to", "text"}`` → ``202 {"id"}``) to
``SEOUL_TRACING_SMS_URL``; :func:`standin_server` serves that protocol on loopback, with an
optional delay and failure rate, writing to the same outbox file
(``seoul manage tracing_sms_standin``).
"""

from __future__ import annotations

import json
import logging
import os
import random
import secrets
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("seoul.tracing.sms")


class SmsError(Exception):
    """The message was not accepted by the gateway."""


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> str:
        """Send ``text`` to the phone number ``to``; returns the gateway's message id."""
        ...


def outbox_path() -> Path:
    return Path(getattr(settings, "SEOUL_TRACING_SMS_OUTBOX", Path(settings.VAR_DIR) / "sms-outbox.jsonl"))


class FileOutbox:
    """The local stand-in: one JSON object per line {id, at, to, text}."""

    def send(self, to: str, text: str) -> str:
        path = outbox_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        message_id = "sms-" + secrets.token_hex(8)
        line = json.dumps(
            {"id": message_id, "at": timezone.now().isoformat(), "to": to, "text": text}, ensure_ascii=False
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return message_id


def read_outbox() -> list[dict[str, str]]:
    path = outbox_path()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def sender() -> SmsSender:
    dotted = getattr(settings, "SEOUL_TRACING_SMS_SENDER", "seoul.tracing.sms.FileOutbox")
    sender_class = import_string(dotted)
    instance: SmsSender = sender_class()
    return instance


class HttpGateway:
    """An SMS gateway over HTTP: one retry on a timeout or a 5xx answer."""

    def __init__(self, url: str | None = None, timeout: float = 5.0) -> None:
        self.url = url or str(getattr(settings, "SEOUL_TRACING_SMS_URL", "http://127.0.0.1:8025/messages"))
        if not self.url.startswith(("http://", "https://")):
            raise SmsError(f"not an http(s) URL: {self.url}")
        self.timeout = timeout

    def send(self, to: str, text: str) -> str:
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
        last: Exception | None = None
        for _attempt in range(2):
            request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
                self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    answer: dict[str, Any] = json.loads(response.read() or b"{}")
                    return str(answer["id"])
            except urllib.error.HTTPError as exc:
                last = exc
                if exc.code < 500:
                    break
            except (urllib.error.URLError, TimeoutError, KeyError, ValueError) as exc:
                last = exc
            log.warning("SMS gateway %s refused a message: %s", self.url, last)
        raise SmsError(f"the SMS gateway did not accept the message ({last})")


def standin_server(
    host: str = "127.0.0.1", port: int = 8025, *, delay: float = 0.0, failure_rate: float = 0.0, seed: int | None = None
) -> ThreadingHTTPServer:
    """The gateway's stand-in: ``POST /messages`` with ``{"to", "text"}`` is written to the
    outbox and answered ``202 {"id"}``, after ``delay`` seconds; a share ``failure_rate`` of
    requests is answered 503, as a busy gateway would. Call ``serve_forever()`` on it."""
    rng = random.Random(seed)  # noqa: S311 - simulated failures, not security

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/messages":
                self._answer(404, {"error": "not found"})
                return
            try:
                length = min(int(self.headers.get("Content-Length") or 0), 64 * 1024)
                item = json.loads(self.rfile.read(length))
                to, text = str(item["to"]), str(item["text"])
            except (ValueError, KeyError, TypeError):
                self._answer(400, {"error": "expected JSON {to, text}"})
                return
            if delay:
                time.sleep(delay)
            if rng.random() < failure_rate:
                self._answer(503, {"error": "gateway busy"})
                return
            self._answer(202, {"id": FileOutbox().send(to, text)})

        def _answer(self, status: int, doc: dict[str, str]) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("sms stand-in: " + format, *args)

    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the stand-in listens on loopback only")
    return ThreadingHTTPServer((host, port), Handler)
