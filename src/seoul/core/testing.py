"""Helpers for the tests of every app (never imported by the platform itself)."""

from __future__ import annotations

import html
import re
from typing import Any

from django.test import Client

_TICKET = re.compile(r'name="ticket" value="([^"]+)"')


def reason_ticket(response: Any) -> str:
    """The signed ticket of a reason form the response shows (fails when it shows none)."""
    found = _TICKET.search(response.content.decode())
    assert found, f"no reason form in the response ({response.status_code})"
    return html.unescape(found.group(1))


def state_reason(client: Client, url: str, purpose: str, detail: str = "민원 2026-11 확인") -> Any:
    """Open ``url``, answer its reason form through the real form, and return the page it
    leads back to. The reason then holds for that record for the rest of the session."""
    asked = client.get(url)
    stated = client.post("/reason/", {"ticket": reason_ticket(asked), "reason": purpose, "reason_detail": detail})
    assert stated.status_code == 302, f"reason refused ({stated.status_code}): {stated.content[:500]!r}"
    return client.get(stated["Location"])


class ReasonClient(Client):
    """A test client for a reader who, whenever a page asks why they open a record, states
    ``purpose`` (with ``detail``) through the real reason form and repeats the request, the
    way a person continues after the reason step. Tests about the reason step itself use a
    plain ``Client``."""

    def __init__(self, purpose: str, detail: str = "역학조사 2026-11", **defaults: Any) -> None:
        super().__init__(**defaults)
        self.purpose = purpose
        self.detail = detail

    def generic(self, *args: Any, **kwargs: Any) -> Any:
        response = super().generic(*args, **kwargs)
        if any(getattr(t, "name", "") == "core/reason_form.html" for t in getattr(response, "templates", [])):
            ticket = reason_ticket(response)
            stated = super().post("/reason/", {"ticket": ticket, "reason": self.purpose, "reason_detail": self.detail})
            assert stated.status_code == 302, f"reason refused ({stated.status_code})"
            response = super().generic(*args, **kwargs)
        return response
