"""What every action of the business service shares: the reference of an application, the
recorded transition, and the facts a profile takes from the guarantee service's record."""

from __future__ import annotations

import secrets
from datetime import date

from seoul.business.engine.facts import Facts
from seoul.business.events import BusinessEvent
from seoul.business.models import ProgrammeApplication, Transition
from seoul.core import history
from seoul.core.models import User
from seoul.guarantee.interfaces import BusinessRecord

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_reference(today: date) -> str:
    while True:
        ref = f"SB-{today:%y%m}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        if not ProgrammeApplication.objects.filter(reference=ref).exists():
            return ref


def facts_of(record: BusinessRecord, programmes_completed: int) -> Facts:
    """Only what the programmes need (data minimisation): no names, no loan references."""
    return Facts(
        opened_on=record.opened_on,
        industry=record.industry,
        district=record.district,
        closed=record.closed,
        prior_closure=record.prior_closure,
        sales_by_year=dict(record.sales_by_year),
        tax_arrears=record.tax_arrears,
        guarantee_files=sum(1 for f in record.files if f.status != "draft"),
        guarantee_loans=sum(1 for f in record.files if f.status == "paid_out"),
        guarantee_declined=sum(1 for f in record.files if f.status == "bank_declined"),
        guarantee_in_arrears=sum(1 for f in record.files if f.loan_status in ("arrears", "defaulted", "subrogated")),
        guarantee_defaulted=sum(1 for f in record.files if f.loan_status in ("defaulted", "subrogated")),
        programmes_completed=programmes_completed,
    )


def move(
    application: ProgrammeApplication, to: str, *, event: BusinessEvent, actor: User | None, note: str = ""
) -> None:
    """Change the state (inside the caller's transaction), keep the transition, audit it."""
    history.move(Transition, application, to, event=event, actor=actor, note=note, programme=application.programme.code)
