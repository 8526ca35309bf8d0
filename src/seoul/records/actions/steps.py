"""Writing one step of a record's pipeline (shared by reading, registering and indexing)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from seoul.records.models import Record, Step


def record_step(record: Record, name: str, outcome: str, started: datetime, *, detail: str = "") -> None:
    Step.objects.create(
        record=record, name=name, outcome=outcome, started_at=started, finished_at=timezone.now(), detail=detail
    )
