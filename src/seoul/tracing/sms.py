"""Text messages to contacts, behind a small adapter.

The city's SMS gateway is outside this machine, so the platform speaks to an interface,
:class:`SmsSender`, and ships a local stand-in, :class:`FileOutbox`, that appends each message
as one JSON line to ``SEOUL_TRACING_SMS_OUTBOX`` (default ``var/sms-outbox.jsonl``, mode
0600): the file plays the phone network, so tests and demos read what a phone would receive.
Swapping in the real gateway is configuration (``SEOUL_TRACING_SMS_SENDER``, a dotted path to
a class with the same ``send``), not code.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


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
