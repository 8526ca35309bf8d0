"""Registration of a read document (decree §20) and corrections of its registration data.

Registering gives the number ``EDC-{department}-{year}{serial}`` (the serial restarts each year
per department, taken under a lock on the department), the retention period and the disclosure
class. After that, the data changes only by a records officer's correction, which keeps the
old and new values, the date and the reason (decree §20②).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.core.validation import DateRange, check_text
from seoul.records import index
from seoul.records.actions.steps import record_step
from seoul.records.engine import rules
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.errors import RecordsError
from seoul.records.events import RecordsEvent
from seoul.records.models import Correction, Department, DocumentType, Record, Step, departments_of

# Paper in the archive goes back decades: a record may have been produced any day since 1900.
ARCHIVE_ERA = DateRange(date(1900, 1, 1))


@dataclass(frozen=True)
class Registration:
    title: str
    produced_on: date
    department: Department
    completed_year: int
    retention: Retention
    disclosure: Disclosure
    exemptions: tuple[int, ...] = ()
    doc_type: DocumentType | None = None
    device: str = ""
    operator: str = ""


def _check_classification(disclosure: Disclosure, exemptions: tuple[int, ...]) -> None:
    problem = rules.check_disclosure(disclosure, exemptions)
    if problem is None:
        return
    if disclosure is Disclosure.OPEN:
        raise RecordsError.OPEN_WITHOUT_EXEMPTION.error("exemptions")
    raise RecordsError.EXEMPTION_NEEDED.error("exemptions")


def register(record: Record, data: Registration, *, actor: User | None) -> Record:
    """Register a record that has been read. ``actor`` None is the command line (an operator's
    own run of ``seoul records ingest``)."""
    if actor is not None and not departments_of(actor).filter(pk=data.department.pk).exists():
        raise RecordsError.NOT_YOUR_DEPARTMENT.denied()
    title = check_text(data.title, "title", max_length=200)
    ARCHIVE_ERA.check(data.produced_on, "produced_on")
    _check_classification(data.disclosure, data.exemptions)
    if data.completed_year < data.produced_on.year:
        raise RecordsError.COMPLETED_BEFORE_PRODUCED.error("completed_year")
    device = check_text(data.device, "device", max_length=100, min_length=0)
    operator = check_text(data.operator, "operator", max_length=100, min_length=0)
    now = timezone.now()
    with transaction.atomic():
        Department.objects.select_for_update().get(pk=data.department.pk)
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.status == Record.Status.REGISTERED:
            raise RecordsError.ALREADY_REGISTERED.error()
        if locked.status != Record.Status.READY:
            raise RecordsError.NOT_READY.error()
        year = timezone.localdate().year
        last = Record.objects.filter(department=data.department, serial_year=year).aggregate(m=Max("serial"))["m"]
        locked.serial_year, locked.serial = year, (last or 0) + 1
        locked.registration_number = rules.registration_number(data.department.code, year, locked.serial)
        locked.title = title
        locked.produced_on = data.produced_on
        locked.department = data.department
        locked.doc_type = data.doc_type
        locked.completed_year = data.completed_year
        locked.retention = data.retention.value
        locked.disclosure = data.disclosure.value
        locked.exemptions = sorted(set(data.exemptions))
        locked.disclosure_review_on = (
            rules.next_disclosure_review(now.date()) if data.disclosure is not Disclosure.OPEN else None
        )
        locked.device = device or locked.device
        locked.operator = operator or locked.operator or (actor.get_username() if actor else "")
        locked.status = Record.Status.REGISTERED
        locked.registered_at = now
        locked.registered_by = actor
        locked.save()
        record_step(locked, Step.Name.REGISTER, Step.Outcome.DONE, now, detail=locked.registration_number)
        audit.record(
            RecordsEvent.REGISTERED,
            target=locked,
            new={
                "number": locked.registration_number,
                "retention": locked.retention,
                "disclosure": locked.disclosure_label,
            },
            actor=actor,
        )
        transaction.on_commit(lambda: _index(locked.pk), robust=True)
    return locked


def _index(record_id: int) -> None:
    started = timezone.now()
    record = Record.objects.select_related("department", "doc_type").get(pk=record_id)
    index.add([record])
    record_step(record, Step.Name.INDEX, Step.Outcome.DONE, started)


CORRECTABLE = ("title", "produced_on", "doc_type", "completed_year", "retention", "disclosure", "exemptions")


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, DocumentType):
        return value.code
    return value


def correct(record: Record, changes: dict[str, Any], *, reason: str, actor: User) -> Record:
    """A records officer changes registration data; each changed field keeps old, new, when,
    who and why. The number and the department never change."""
    if not actor.has_role(Service.RECORDS, Role.APPROVER):
        raise RecordsError.OFFICERS_ONLY.denied()
    reason = check_text(reason, "reason", max_length=500, min_length=5, multiline=True)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    now = timezone.now()
    with transaction.atomic():
        locked = Record.objects.select_for_update().get(pk=record.pk)
        if locked.status != Record.Status.REGISTERED:
            raise RecordsError.NOT_REGISTERED.error()
        if "title" in changes:
            changes["title"] = check_text(changes["title"], "title", max_length=200)
        if "exemptions" in changes:
            changes["exemptions"] = sorted(set(changes["exemptions"]))
        if changes.get("produced_on") is not None:
            ARCHIVE_ERA.check(changes["produced_on"], "produced_on")
        disclosure = Disclosure(changes.get("disclosure", locked.disclosure))
        _check_classification(disclosure, tuple(changes.get("exemptions", locked.exemptions)))
        produced: date | None = changes.get("produced_on", locked.produced_on)
        completed: int | None = changes.get("completed_year", locked.completed_year)
        if produced is not None and completed is not None and completed < produced.year:
            raise RecordsError.COMPLETED_BEFORE_PRODUCED.error("completed_year")
        changed = {f: v for f, v in changes.items() if _plain(getattr(locked, f)) != _plain(v)}
        if not changed:
            raise RecordsError.NOTHING_CHANGED.error()
        for name, value in changed.items():
            Correction.objects.create(
                record=locked,
                field=name,
                old=_plain(getattr(locked, name)),
                new=_plain(value),
                reason=reason,
                at=now,
                by=actor,
            )
            setattr(locked, name, value)
        if "disclosure" in changed:
            locked.disclosure_review_on = (
                rules.next_disclosure_review(now.date()) if disclosure is not Disclosure.OPEN else None
            )
        locked.save()
        audit.record(
            RecordsEvent.CORRECTED,
            target=locked,
            old={f: _plain(getattr(record, f)) for f in changed},
            new={f: _plain(v) for f, v in changed.items()},
            reason=reason,
            actor=actor,
        )
        transaction.on_commit(
            lambda: index.add([Record.objects.select_related("department", "doc_type").get(pk=locked.pk)]), robust=True
        )
    return locked
