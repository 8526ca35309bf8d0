"""Test builders of the care pages: a signed-in client, the example centre's model as an
upload (changed if asked), a facility added through the page."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from seoul.care.engine import facility as engine_facility
from seoul.core.models import User


def client_of(user: User, lang: str = "en") -> Client:
    c = Client(headers={"accept-language": lang})
    c.force_login(user)
    return c


def example_model() -> dict[str, Any]:
    return dict(json.loads(engine_facility.example_path().read_text(encoding="utf-8")))


def example_file(change: Callable[[dict[str, Any]], None] | None = None, name: str = "centre.json") -> Any:
    model = example_model()
    if change:
        change(model)
    return SimpleUploadedFile(name, json.dumps(model, ensure_ascii=False).encode(), "application/json")


def add(c: Client, **extra: Any) -> Any:
    """POST the new-facility form (해오름 어린이집 in district 13 unless told)."""
    data = {"name": "해오름 어린이집", "kind": "daycare", "district": 13, **extra}
    return c.post("/care/new/", data)
