"""Test builders of the business service: the guarantee service's records as its published
interface would give them, a profile built with consent, applications at each state."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from seoul.business import actions
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication
from seoul.core.models import User
from seoul.guarantee.interfaces import BusinessRecord, BusinessRef, GuaranteeFile

BRN = "220-81-62517"
OTHER_BRN = "120-86-45674"


def record(brn: str = BRN, **changes: Any) -> BusinessRecord:
    """A sound retail shop in 중구, six years old, sales down 4 %, a guaranteed loan paid out."""
    today = date.today()
    fields: dict[str, Any] = {
        "brn": brn,
        "business_name": "한강분식",
        "opened_on": today - timedelta(days=6 * 365),
        "industry": "retail",
        "industry_name_ko": "소매업",
        "industry_name_en": "Retail",
        "district": "중구",
        "in_seoul": True,
        "closed": False,
        "prior_closure": False,
        "registration_issued_on": today,
        "sales_by_year": {today.year - 2: 240_000_000, today.year - 1: 230_000_000},
        "sales_issued_on": today,
        "tax_arrears": False,
        "files": (
            GuaranteeFile(
                "GT-1", "paid_out", "loan_executed", "emergency_covid", 15_000_000, today, today, 15_000_000, today
            ),
        ),
    }
    return BusinessRecord(**(fields | changes))


class Records:
    """A stand-in of ``seoul.guarantee.interfaces``: answers only the representative."""

    def __init__(self) -> None:
        self.known: dict[tuple[int, str], BusinessRecord] = {}

    def add(self, user: User, brn: str = BRN, **changes: Any) -> BusinessRecord:
        found = record(brn, **changes)
        self.known[user.pk, found.brn] = found
        return found

    def business_record(self, user: User, brn: str, *, today: date | None = None) -> BusinessRecord | None:
        return self.known.get((user.pk, brn))

    def businesses_of(self, user: User) -> list[BusinessRef]:
        return [BusinessRef(r.brn, r.business_name) for (pk, _b), r in self.known.items() if pk == user.pk]


def profile(user: User, records: Records, brn: str = BRN, **changes: Any) -> BusinessProfile:
    records.add(user, brn, **changes)
    return actions.build_profile(brn, consent=True, actor=user)


def applied(
    user: User, records: Records, code: str = "online_marketing", brn: str = BRN, **changes: Any
) -> ProgrammeApplication:
    existing = BusinessProfile.objects.own(user).first()
    found = existing or profile(user, records, brn, **changes)
    return actions.apply(found, Programme.objects.get(code=code), note="도와주세요", actor=user)


def replace(found: BusinessRecord, **changes: Any) -> BusinessRecord:
    return dataclasses.replace(found, **changes)
