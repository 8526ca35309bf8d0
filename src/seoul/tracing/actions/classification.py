"""Case classification: suspected, probable, confirmed, not a case, each change with the day it
applies from and its basis; a case confirmed by a laboratory result (``engine/classification.py``).

``confirmed_on`` follows the class: set to the day of the change that confirms the case,
cleared when a confirmed case is found not to be one (the history keeps both). A case found
not to be one leaves isolation that day; release by the criteria is for confirmed cases only.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.validation import PANDEMIC_ERA, check_text
from seoul.tracing.actions._checks import case_for, choice
from seoul.tracing.engine.classification import may_change
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case, ClassificationChange, LabResult


def apply_classification(
    case: Case,
    classification: str,
    on: date,
    *,
    basis: str = "",
    lab_result: LabResult | None = None,
    actor: User | None,
) -> ClassificationChange:
    """Classify ``case`` (locked by the caller, inside its transaction) as ``classification``
    from ``on``, on the ground of ``lab_result`` or of ``basis`` in words."""
    if not may_change(case.classification, classification):
        raise TracingError.SAME_CLASSIFICATION.error("classification")
    PANDEMIC_ERA.check(on, "on")
    today = timezone.localdate(timezone.now(), SEOUL)
    if on > today:
        raise TracingError.IN_FUTURE.error("on")
    basis = check_text(basis, "basis", min_length=0 if lab_result else 5, max_length=300)
    if classification == Case.Classification.CONFIRMED and lab_result is None:
        for value in (case.onset_on, case.test_on):
            if value is not None and value > on:
                raise TracingError.AFTER_CONFIRMATION.error("on")
    old = {"classification": case.classification, "confirmed_on": str(case.confirmed_on or "") or None}
    case.classification = classification
    case.confirmed_on = on if classification == Case.Classification.CONFIRMED else None
    changed = ["classification", "confirmed_on"]
    if classification == Case.Classification.NOT_A_CASE and case.status != Case.Status.RELEASED:
        case.status = Case.Status.RELEASED
        case.released_on = today
        case.release_rule = Case.NOT_A_CASE_RULE
        changed += ["status", "released_on", "release_rule"]
    case.save(update_fields=changed)
    change = ClassificationChange.objects.create(
        case=case, classification=classification, on=on, basis=basis, lab_result=lab_result, recorded_by=actor
    )
    audit.record(
        TracingEvent.CASE_CLASSIFIED,
        actor=actor,
        target=case,
        old=old,
        new={
            "classification": classification,
            "on": str(on),
            **({"lab_result": lab_result.pk} if lab_result else {}),
            **({"status": case.status} if "status" in changed else {}),
        },
    )
    return change


def classify(case: Case, classification: str, on: date, basis: str, *, actor: User | None) -> ClassificationChange:
    """A tracer's or epidemiologist's classification of ``case``, with its basis in words
    ("fever and cough, household contact of C-12"; "PCR negative twice, symptoms explained")."""
    choice(classification, Case.Classification.values, "classification")
    with transaction.atomic():
        case = case_for(actor, case)
        return apply_classification(case, classification, on, basis=basis, actor=actor)
