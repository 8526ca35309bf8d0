"""A confirmed case who needs hospital care is handed over to the city hospital network's
patient-management team through its published interface (``hospitals.interfaces``)."""

from __future__ import annotations

from django.db import transaction

from seoul.core import audit
from seoul.core.models import User
from seoul.hospitals import interfaces
from seoul.tracing.actions._checks import case_for
from seoul.tracing.errors import TracingError
from seoul.tracing.events import TracingEvent
from seoul.tracing.models import Case


def request_hospital_bed(case: Case, tier: str, needs: tuple[str, ...], *, actor: User | None) -> Case:
    """Ask the hospital network for a bed for ``case`` at severity ``tier`` (mild, moderate,
    severe, critical) with its special ``needs``; the request's reference is kept on the case.
    Asked again while the request is open, the same request is kept."""
    with transaction.atomic():
        case = case_for(actor, case)
        if not case.is_confirmed or case.status == Case.Status.RELEASED or case.outcome == Case.Outcome.DIED:
            raise TracingError.NOT_FOR_HOSPITAL.error()
        person = case.person
        answer = interfaces.request_bed(
            case_reference=case.reference,
            name=person.name,
            phone=person.phone,
            birth_year=None,
            district=case.district,
            tier=tier,
            needs=needs,
            actor=actor,
        )
        old = case.hospital_request
        case.hospital_request = answer.reference
        case.save(update_fields=["hospital_request"])
        audit.record(
            TracingEvent.CASE_UPDATED,
            actor=actor,
            target=case,
            old={"hospital_request": old},
            new={"hospital_request": answer.reference, "tier": tier},
        )
    return case
