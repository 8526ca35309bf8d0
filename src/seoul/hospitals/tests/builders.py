"""Test builders of the hospital network: a report with given beds, a waiting patient."""

from __future__ import annotations

from datetime import date

from seoul.core.engine.districts import by_name
from seoul.core.models import User
from seoul.hospitals import actions
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import BedKind, Beds, DailyReport, Tier
from seoul.hospitals.models import CapacityReport, Hospital, Patient


def report(code: str, day: date, **beds: tuple[int, int, int, int]) -> DailyReport:
    """A report with ``kind=(total, occupied, staffed, available)`` for each kind given."""
    return DailyReport(code, day, {BedKind(k): Beds(*v) for k, v in beds.items()})


def reported(hospital: Hospital, day: date, actor: User, **beds: tuple[int, int, int, int]) -> CapacityReport:
    return actions.submit_report(hospital, report(hospital.code, day, **beds), channel="web", actor=actor)


def patient(actor: User, district: str, tier: Tier, *needs: Need, name: str = "홍길동") -> Patient:
    return actions.register_patient(
        actions.NewPatient(
            name=name, district=by_name(district).index, tier=tier, needs=frozenset(needs), phone="010-1234-5678"
        ),
        actor=actor,
    )
