"""Daily capacity reports: accepted, corrected or refused, each kept and audited.

A refused report is stored (with what it said and why it was refused) and the refusal raised
afterwards, so the last good report stays the one the board shows and nothing is lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA
from seoul.hospitals.engine import report as engine
from seoul.hospitals.errors import HospitalsError, describe
from seoul.hospitals.events import HospitalsEvent
from seoul.hospitals.labels import field_label, reason_words
from seoul.hospitals.models import BedCount, CapacityReport, Hospital, reporting_hospitals


def form_field(problem_field: str) -> str:
    """The form field an engine problem concerns ("critical.occupied" → "critical_occupied")."""
    return problem_field.replace(".", "_")


def problem_error(problem: engine.Problem) -> ValidationError:
    return ValidationError(
        {
            form_field(problem.field): [
                ValidationError(describe(problem.fault, problem.limit), code=f"hospitals.{problem.fault}")
            ]
        }
    )


def refusal(problems: Sequence[engine.Problem]) -> ValidationError:
    errors: dict[str, list[ValidationError]] = {}
    for p in problems:
        for field, errs in problem_error(p).error_dict.items():
            errors.setdefault(field, []).extend(errs)
    return ValidationError(errors)


def check_may_report(hospital: Hospital, actor: User) -> None:
    if not reporting_hospitals(actor).filter(pk=hospital.pk).exists():
        raise HospitalsError.NOT_YOUR_HOSPITAL.denied()


@dataclass(frozen=True)
class Outcome:
    report: CapacityReport
    problems: tuple[engine.Problem, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.problems


def _record(hospital: Hospital, data: engine.DailyReport, channel: str, actor: User) -> Outcome:
    """Store ``data`` as accepted (superseding the day's earlier report) or as refused."""
    if not PANDEMIC_ERA.contains(data.day):
        raise HospitalsError.DAY_OUT_OF_RANGE.error("day")
    problems = tuple(engine.check(data, licensed_beds=hospital.licensed_beds))
    now = timezone.now()
    common: dict[str, Any] = {
        "hospital": hospital,
        "day": data.day,
        "channel": channel,
        "submitted_at": now,
        "submitted_by": actor,
    }
    with transaction.atomic():
        if problems:
            row = CapacityReport.objects.create(
                status=CapacityReport.Status.REFUSED,
                problems=[{"field": p.field, "fault": p.fault.value, "limit": p.limit} for p in problems],
                refused_input=engine.as_json(data),
                **common,
            )
            audit.record(
                HospitalsEvent.REPORT_REFUSED,
                target=row,
                target_label=f"{hospital.code} {data.day}",
                new={"problems": row.problems, "channel": channel},
                actor=actor,
            )
            return Outcome(row, problems)
        earlier = (
            CapacityReport.objects.select_for_update()
            .filter(hospital=hospital, day=data.day, status=CapacityReport.Status.ACCEPTED)
            .first()
        )
        if earlier is not None:
            earlier.status = CapacityReport.Status.SUPERSEDED
            earlier.save(update_fields=["status"])
        row = CapacityReport.objects.create(
            status=CapacityReport.Status.ACCEPTED,
            admissions=data.admissions,
            discharges=data.discharges,
            deaths=data.deaths,
            staff={str(p): {"on_duty": s.on_duty, "short": s.short} for p, s in data.staff.items()},
            supplies={
                str(k): {"on_hand": s.on_hand, "days_of_supply": s.days_of_supply} for k, s in data.supplies.items()
            },
            forecast=list(data.forecast),
            **common,
        )
        BedCount.objects.bulk_create(
            BedCount(
                report=row, kind=str(k), total=b.total, occupied=b.occupied, staffed=b.staffed, available=b.available
            )
            for k, b in data.beds.items()
        )
        audit.record(
            HospitalsEvent.REPORT_CORRECTED if earlier else HospitalsEvent.REPORT_ACCEPTED,
            target=row,
            target_label=f"{hospital.code} {data.day}",
            old={"report": earlier.pk} if earlier else None,
            new={"channel": channel, "beds": engine.as_json(data)["beds"]},
            actor=actor,
        )
    return Outcome(row)


def submit_report(hospital: Hospital, data: engine.DailyReport, *, channel: str, actor: User) -> CapacityReport:
    """Accept ``data`` as ``hospital``'s report for its day, or refuse it field by field (the
    refused report is kept, the day's last good report stays in force)."""
    check_may_report(hospital, actor)
    if data.hospital != hospital.code:
        raise HospitalsError.NOT_YOUR_HOSPITAL.denied()
    outcome = _record(hospital, data, channel, actor)
    if outcome.problems:
        raise refusal(outcome.problems)
    return outcome.report


@dataclass(frozen=True)
class UploadLine:
    line: int
    hospital: str
    day: date | None
    accepted: bool
    errors: tuple[tuple[str, str], ...] = ()  # (field, reason)


def upload_reports(
    rows: Sequence[tuple[int, engine.DailyReport | None, Sequence[tuple[str, str]]]], *, actor: User
) -> list[UploadLine]:
    """Record each parsed CSV row on its own: good rows are kept whatever the others hold.
    ``rows``: (line, report or None when the row could not be read, its reading errors)."""
    allowed = {h.code: h for h in reporting_hospitals(actor)}
    out: list[UploadLine] = []
    for line, data, read_errors in rows:
        if data is None:
            out.append(
                UploadLine(line, "", None, False, tuple((field_label(f), reason_words(r)) for f, r in read_errors))
            )
            continue
        hospital = allowed.get(data.hospital)
        if hospital is None:
            out.append(
                UploadLine(
                    line,
                    data.hospital,
                    data.day,
                    False,
                    ((field_label("hospital"), str(HospitalsError.NOT_YOUR_HOSPITAL.label)),),
                )
            )
            continue
        try:
            outcome = _record(hospital, data, CapacityReport.Channel.CSV, actor)
        except ValidationError as exc:
            out.append(
                UploadLine(
                    line,
                    data.hospital,
                    data.day,
                    False,
                    tuple((field_label(f), m) for f, ms in exc.message_dict.items() for m in ms),
                )
            )
            continue
        errors = tuple((field_label(p.field), problem_error(p).messages[0]) for p in outcome.problems)
        out.append(UploadLine(line, data.hospital, data.day, outcome.accepted, errors))
    audit.record(
        HospitalsEvent.REPORTS_UPLOADED,
        new={"rows": len(out), "accepted": sum(1 for o in out if o.accepted)},
        actor=actor,
    )
    return out
