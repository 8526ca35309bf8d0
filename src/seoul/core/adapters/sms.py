"""Text messages to people, behind a small adapter shared by every service (ADR 14).

The city's SMS gateway is outside this machine, so the platform speaks to an interface,
:class:`SmsSender`, and ships a local stand-in, :class:`FileOutbox`, that appends each message
as one JSON line to ``SEOUL_SMS_OUTBOX`` (default ``var/sms-outbox.jsonl``, mode 0600): the
file plays the phone network, so tests and demos read what a phone would receive. Swapping in
the real gateway is configuration (``SEOUL_SMS_SENDER``, a dotted path to a class with the same
``send``), not code.

:class:`HttpGateway` speaks a small HTTP protocol (``POST {"to", "text"}`` → ``202 {"id"}``) to
``SEOUL_SMS_URL``; :class:`SmsStandIn` (and :func:`standin_server`) serves that protocol on
loopback, with an optional delay and failure rate, writing to the same outbox file
(``seoul manage tracing_sms_standin``).

Each setting also answers to its older name from when only contact tracing texted
(``SEOUL_TRACING_SMS_OUTBOX``, ``..._SENDER``, ``..._URL``); the new name wins when both are set.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from seoul.core.adapters.config import setting
from seoul.core.adapters.standin import Answer, Request, StandIn, error, json_answer

log = logging.getLogger("seoul.core.adapters.sms")

DEFAULT_URL = "http://127.0.0.1:8025/messages"


def sms_setting(suffix: str, default: Any = None) -> Any:
    """``SEOUL_SMS_<suffix>``, else the older ``SEOUL_TRACING_SMS_<suffix>``, else ``default``."""
    return setting(f"SEOUL_SMS_{suffix}", default, fallbacks=(f"SEOUL_TRACING_SMS_{suffix}",))


class SmsError(Exception):
    """The message was not accepted by the gateway."""


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> str:
        """Send ``text`` to the phone number ``to``; returns the gateway's message id."""
        ...


def outbox_path() -> Path:
    return Path(sms_setting("OUTBOX", Path(settings.VAR_DIR) / "sms-outbox.jsonl"))


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
    dotted = str(sms_setting("SENDER", "seoul.core.adapters.sms.FileOutbox"))
    sender_class = import_string(dotted)
    instance: SmsSender = sender_class()
    return instance


class HttpGateway:
    """An SMS gateway over HTTP: one retry on a timeout or a 5xx answer."""

    def __init__(self, url: str | None = None, timeout: float = 5.0) -> None:
        self.url = url or str(sms_setting("URL", DEFAULT_URL))
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


class SmsStandIn(StandIn):
    """The gateway's stand-in: ``POST /messages`` with ``{"to", "text"}`` is written to the
    outbox and answered ``202 {"id"}``. The common fault knobs apply (``delay``,
    ``failure_rate`` and ``fail_next`` answer 503 as a busy gateway would)."""

    FAULTY = ("/messages",)

    def respond(self, request: Request) -> Answer:
        if request.method != "POST" or request.path != "/messages":
            return error(404, "not_found", "not found")
        item = request.json()
        to, text = item.get("to"), item.get("text")
        if not isinstance(to, str) or not isinstance(text, str):
            return error(400, "invalid_request", "expected JSON {to, text}")
        return json_answer(202, {"id": FileOutbox().send(to, text)})


def standin_server(
    host: str = "127.0.0.1", port: int = 8025, *, delay: float = 0.0, failure_rate: float = 0.0, seed: int | None = None
) -> ThreadingHTTPServer:
    """The stand-in's server, not yet serving: call ``serve_forever()`` on it (after ``delay``
    seconds each answer comes; a share ``failure_rate`` of requests is answered 503)."""
    standin = SmsStandIn(host=host, port=port, start=False, seed=seed)
    standin.delay, standin.failure_rate = delay, failure_rate
    return standin.server
