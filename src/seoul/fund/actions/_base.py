"""What every action of the fund shares: references, the kept transition, the permission checks."""

from __future__ import annotations

import secrets
from datetime import date

from seoul.core import history
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.fund.errors import FundError
from seoul.fund.events import FundEvent
from seoul.fund.models import Application, CommitteeMember, Transition

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I


def new_reference(today: date) -> str:
    while True:
        ref = f"FD-{today:%y%m}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        if not Application.objects.filter(reference=ref).exists():
            return ref


def check_staff(actor: User) -> None:
    if not actor.has_role(Service.FUND, Role.OPERATOR):
        raise FundError.NEEDS_STAFF.denied()


def check_member(actor: User) -> None:
    """An approver of the fund who is an active member of the investment committee."""
    if (
        not actor.has_role(Service.FUND, Role.APPROVER)
        or not CommitteeMember.objects.filter(user=actor, active=True).exists()
    ):
        raise FundError.NOT_MEMBER.denied()


def wrong_state(application: Application) -> Exception:
    return FundError.WRONG_STATE.error(state=str(application.get_state_display()).lower())


def move(application: Application, to: str, *, event: FundEvent | None, actor: User | None, note: str = "") -> None:
    """Change the state (inside the caller's transaction), keep the transition, audit it (unless
    ``event`` is None: the caller records a fuller event, a decision with its terms)."""
    history.move(Transition, application, to, event=event, actor=actor, note=note)
