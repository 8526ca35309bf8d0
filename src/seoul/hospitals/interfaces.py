"""What the hospital network publishes to other services (DESIGN.md §1: a service reads or writes
another's data only through the owner's interface).

``request_bed``: contact tracing hands over a case it classified as needing hospital care. The
case's reference links the two (asked twice while the request is open, the same request comes
back). Tiers are Korea's four-level triage: mild, moderate, severe, critical."""

from __future__ import annotations

from dataclasses import dataclass

from seoul.core.models import User
from seoul.hospitals.actions import NewPatient, handover_from_tracing
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import Tier
from seoul.hospitals.models import Patient

TIERS = tuple(t.value for t in Tier)
NEEDS = tuple(n.value for n in Need)


@dataclass(frozen=True)
class BedRequest:
    reference: str  # the hospitals service's reference of the request (H-YYYYMMDD-XXXXXX)
    status: str  # waiting, offered, admitted, discharged, cancelled
    status_label: str  # the status in the page's language
    hospital: str  # the hospital's name once a bed is offered, else ""


def _answer(patient: Patient) -> BedRequest:
    return BedRequest(
        patient.reference,
        patient.status,
        str(patient.get_status_display()),
        patient.hospital.name if patient.hospital else "",
    )


def bed_request(reference: str) -> BedRequest | None:
    """Where a request handed over earlier stands (None if there is no such request)."""
    patient = Patient.objects.select_related("hospital").filter(reference=reference).first()
    return _answer(patient) if patient else None


def request_bed(
    *,
    case_reference: str,
    name: str,
    phone: str,
    birth_year: int | None,
    district: int,
    tier: str,
    needs: tuple[str, ...] = (),
    actor: User | None,
) -> BedRequest:
    """Put the case on the waiting list for a bed (ValueError for an unknown tier or need)."""
    patient = handover_from_tracing(
        NewPatient(
            name=name,
            district=district,
            tier=Tier(tier),
            needs=frozenset(Need(n) for n in needs),
            phone=phone,
            birth_year=birth_year,
        ),
        case_reference=case_reference,
        actor=actor,
    )
    return _answer(patient)
