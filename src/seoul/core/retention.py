"""Retention of personal data: each app declares how long its records live, and
``seoul retention`` destroys what has expired, writing an audit record of each destruction.

An app declares ``POLICIES`` in ``<app>/retention.py``: a list of :class:`Policy`. A policy's
``purge(cutoff)`` deletes what is older than the cutoff (in its own order, so that related
rows go together) and returns the counts; ``count(cutoff)`` says what would go. Its
``description`` (what is kept) and ``purpose`` (why, and why that long) are translatable: the
privacy policy page (``/privacy/``) lists every policy in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from seoul.core import audit
from seoul.core.registry import app_modules


@dataclass(frozen=True)
class Policy:
    name: str
    description: str | Promise
    days: int
    count: Callable[[datetime], int]
    purge: Callable[[datetime], dict[str, int]]
    purpose: str | Promise = ""


def policies() -> list[tuple[str, Policy]]:
    return [(label, p) for label, module in app_modules("retention") for p in module.POLICIES]


def run(*, now: datetime | None = None, dry_run: bool = False) -> list[dict[str, object]]:
    now = now or timezone.now()
    report = []
    for label, policy in policies():
        cutoff = now - timedelta(days=policy.days)
        if dry_run:
            report.append(
                {
                    "app": label,
                    "policy": policy.name,
                    "cutoff": cutoff.isoformat(),
                    "would_delete": policy.count(cutoff),
                }
            )
            continue
        with transaction.atomic():
            deleted = policy.purge(cutoff)
            if any(deleted.values()):
                with translation.override("en"):  # the audit trail reads the same whoever ran the job
                    why = f"retention period of {policy.days} days: {policy.description}"
                audit.record(
                    audit.CoreEvent.DATA_DESTROYED,
                    actor_label="system (retention)",
                    target_type=f"{label}.{policy.name}",
                    new={"cutoff": cutoff.isoformat(), "deleted": deleted, "days": policy.days},
                    reason=why,
                    service=label,
                )
        report.append({"app": label, "policy": policy.name, "cutoff": cutoff.isoformat(), "deleted": deleted})
    return report
