"""Lab results, release from isolation and outcome: a case's laboratory tests, the day its
fever ended, its release by the criteria of the period, how it ended (recovered, died) (``seoul.tracing.release``; docs/tracing-release.md).

The earliest release day is always computed from what is on record, never typed: the tracer
records results and the end of the fever, the page shows the day and the rule, and a release
before that day is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.tracing.actions._checks import case_for, choice
from seoul.tracing.actions.cases import _check_moment
from seoul.tracing.actions.classification import apply_classification
from seoul.tracing.engine.classification import confirms
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, Contact, LabResult
from seoul.tracing.release import release_of, waiting_words


@dataclass(frozen=True)
class LabInput:
    test: str
    specimen: str
    lab: str
    result: str
    collected_at: datetime
    resulted_at: datetime


def record_lab_result(case: Case, data: LabInput, *, actor: User | None) -> LabResult:
    """Keep one laboratory result of ``case``. A result that confirms by the rule of its day
    (``engine/classification.confirms``) confirms a case not yet confirmed, from the day the
    result was reported."""
    for field, value, choices in (
        ("test", data.test, LabResult.Test),
        ("specimen", data.specimen, LabResult.Specimen),
        ("result", data.result, LabResult.Result),
    ):
        if value not in choices.values:
            raise TracingError.CHOICE.error(field)
    lab = check_text(data.lab, "lab", max_length=100)
    _check_moment(data.collected_at, "collected_at")
    _check_moment(data.resulted_at, "resulted_at")
    if data.resulted_at < data.collected_at:
        raise TracingError.RESULT_BEFORE_SPECIMEN.error("resulted_at")
    with transaction.atomic():
        case = case_for(actor, case)
        result = LabResult.objects.create(
            case=case,
            test=data.test,
            specimen=data.specimen,
            lab=lab,
            result=data.result,
            collected_at=data.collected_at,
            resulted_at=data.resulted_at,
            recorded_by=actor,
        )
        audit.record(
            TracingEvent.LAB_RESULT_RECORDED,
            actor=actor,
            target=case,
            new={"lab_result": result.pk, "test": data.test, "result": data.result},
        )
        collected_on = data.collected_at.astimezone(SEOUL).date()
        if not case.is_confirmed and confirms(data.test, data.result, collected_on):
            apply_classification(
                case,
                Case.Classification.CONFIRMED,
                data.resulted_at.astimezone(SEOUL).date(),
                lab_result=result,
                actor=actor,
            )
    return result


def record_fever_end(case: Case, since: datetime | None, *, actor: User | None) -> Case:
    """Record since when the case has had no fever without antipyretics and improving symptoms
    (``None``: the fever came back, or the earlier entry was wrong)."""
    if since is not None:
        _check_moment(since, "afebrile_since")
    with transaction.atomic():
        case = case_for(actor, case)
        if since is not None and case.onset_on is not None and since.astimezone(SEOUL).date() < case.onset_on:
            raise TracingError.AFEBRILE_BEFORE_ONSET.error("afebrile_since")
        old = case.afebrile_since
        case.afebrile_since = since
        case.save(update_fields=["afebrile_since"])
        audit.record(
            TracingEvent.CASE_UPDATED,
            actor=actor,
            target=case,
            old={"afebrile_since": old.isoformat() if old else None},
            new={"afebrile_since": since.isoformat() if since else None},
        )
    return case


def record_vaccination(case: Case, complete: bool | None, *, actor: User | None) -> Case:
    """Record whether the case's vaccination was complete by the definition of the time (the
    release rules of 2022-01-26 shorten isolation for them); ``None``: not known."""
    with transaction.atomic():
        case = case_for(actor, case)
        old = case.vaccination_complete
        case.vaccination_complete = complete
        case.save(update_fields=["vaccination_complete"])
        audit.record(
            TracingEvent.CASE_UPDATED,
            actor=actor,
            target=case,
            old={"vaccination_complete": old},
            new={"vaccination_complete": complete},
        )
    return case


def release(case: Case, *, actor: User | None, today: date | None = None) -> Case:
    """Release ``case`` from isolation ``today`` (Seoul), if the criteria of the period allow it."""
    today = today or timezone.localdate(timezone.now(), SEOUL)
    with transaction.atomic():
        case = case_for(actor, case)
        if case.outcome == Case.Outcome.DIED:
            raise TracingError.CASE_DIED.error()
        if not case.is_confirmed:
            raise TracingError.NOT_CONFIRMED.error()
        if case.status != Case.Status.ISOLATED:
            raise TracingError.NOT_ISOLATED.error()
        due = release_of(case, today)
        if due.on is None:
            raise TracingError.RELEASE_WAITING.error(missing=waiting_words(due))
        if due.on > today:
            raise TracingError.RELEASE_NOT_DUE.error(date=date_format(due.on, "Y-m-d"))
        case.status = Case.Status.RELEASED
        case.released_on = today
        case.release_rule = f"{due.version} {due.rule}"
        case.save(update_fields=["status", "released_on", "release_rule"])
        audit.record(
            TracingEvent.CASE_RELEASED,
            actor=actor,
            target=case,
            old={"status": Case.Status.ISOLATED},
            new={"status": case.status, "released_on": str(today), "rule": case.release_rule},
        )
        end_continuous_exposure(case, today, actor=actor)
    return case


def end_continuous_exposure(case: Case, day: date, *, actor: User | None) -> int:
    """The case's isolation ended on ``day``: its household contacts' exposure ended then, and
    their monitoring runs the outbreak's days from it. Returns how many were moved."""
    moved = 0
    household = Contact.objects.select_for_update().filter(
        source_case=case, continuous_exposure=True, status=Contact.Status.MONITORING, last_exposure_on__lt=day
    )
    for contact in household:
        old = contact.last_exposure_on
        contact.last_exposure_on = day
        contact.save(update_fields=["last_exposure_on"])
        audit.record(
            TracingEvent.CONTACT_RESTARTED,
            actor=actor,
            target=contact,
            old={"last_exposure_on": str(old)},
            new={"last_exposure_on": str(day), "case": case.pk, "case_released": True},
        )
        moved += 1
    return moved


def record_outcome(case: Case, outcome: str, on: date, *, actor: User | None) -> Case:
    """Record how the case ended (recovered, died) and on which day; recorded once (audited)."""
    choice(outcome, Case.Outcome.values, "outcome")
    PANDEMIC_ERA.check(on, "outcome_on")
    with transaction.atomic():
        case = case_for(actor, case)
        if case.outcome:
            raise TracingError.OUTCOME_RECORDED.error("outcome")
        if on < case.known_on:
            raise TracingError.OUTCOME_BEFORE_CONFIRMATION.error("outcome_on")
        case.outcome, case.outcome_on = outcome, on
        case.save(update_fields=["outcome", "outcome_on"])
        audit.record(
            TracingEvent.CASE_UPDATED,
            actor=actor,
            target=case,
            old={"outcome": ""},
            new={"outcome": outcome, "on": str(on)},
        )
    return case
