"""Test builders of the fund: a call, an application with its deck, a meeting with members
present, the declarations and scores that make a quorum, a decision to invest."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from django.utils import timezone

from seoul.core.models import User
from seoul.fund import actions
from seoul.fund.engine.terms import Terms
from seoul.fund.models import Application, Call, Meeting

PDF = b"%PDF-1.4\n% a tiny deck\n%%EOF\n"
BRN = "220-81-62517"
OTHER_BRN = "124-81-00998"
GOOD = {"team": 8, "market": 8, "technology": 8, "traction": 8, "policy_fit": 8}  # 80 of 100


def call(code: str = "2026-post-corona", **changes: Any) -> Call:
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "code": code,
        "title_ko": "2026 포스트코로나 스타트업 공모",
        "title_en": "2026 post-corona start-ups",
        "sectors": ["medical_bio", "untact_digital", "green"],
        "stages": ["seed", "early"],
        "opens_on": today - timedelta(days=10),
        "closes_on": today + timedelta(days=20),
        "budget": 5_000_000_000,
        "actor": None,
    }
    return actions.open_call(**(fields | changes))


def proposal(**changes: Any) -> actions.Proposal:
    fields: dict[str, Any] = {
        "startup_name": "메디브릿지",
        "brn": BRN,
        "sector": "medical_bio",
        "stage": "seed",
        "amount": 300_000_000,
        "instrument": "equity",
        "summary": "원격 진료 플랫폼",
        "team": [("김대표", "대표이사")],
        "revenue_12m": 100_000_000,
        "employees": 5,
        "users": 1000,
        "follow_on": 0,
    }
    return actions.Proposal(**(fields | changes))


def applied(user: User, found: Call, deck: bytes = PDF, **changes: Any) -> Application:
    return actions.apply(found, proposal(**changes), io.BytesIO(deck), len(deck), actor=user)


def meeting(staff: User, present: list[User], days: int = 7) -> Meeting:
    return actions.set_meeting(
        timezone.localdate() + timedelta(days=days), "제1차 투자심의위원회", present, actor=staff
    )


CHECKS = dict.fromkeys(("seoul_based", "sector_fit", "deck_complete", "good_standing"), True)


def to_committee(application: Application, staff: User, at: Meeting) -> Application:
    actions.screen(application, checks=CHECKS, outcome="committee", meeting=at, actor=staff)
    return Application.objects.get(pk=application.pk)


def scored(
    application: Application, members: list[User], *, conflicted: list[User] = (), points: dict[str, float] = GOOD
) -> None:  # type: ignore[assignment]
    for m in members:
        if m in conflicted:
            actions.declare(application, conflicted=True, reason="자문 계약", actor=m)
        else:
            actions.declare(application, conflicted=False, actor=m)
            actions.score(application, points, actor=m)


def tranches(amount: int = 300_000_000) -> list[actions.PlannedTranche]:
    today = timezone.localdate()
    half = amount // 2
    return [
        actions.PlannedTranche(half, "시제품 완성", today + timedelta(days=30)),
        actions.PlannedTranche(amount - half, "첫 매출", today + timedelta(days=120)),
    ]


def invest(application: Application, by: User, amount: int = 300_000_000) -> Application:
    actions.decide(
        application,
        outcome="invest",
        terms=Terms("equity", amount, equity_percent=10),
        tranches=tranches(amount),
        reason="",
        actor=by,
    )
    return Application.objects.get(pk=application.pk)


def investee(founder: User, staff: User, members: list[User], found: Call | None = None) -> Application:
    """An application decided for investment (six members present, one conflicted), with two tranches."""
    app = applied(founder, found or call())
    app = to_committee(app, staff, meeting(staff, members[:6]))
    scored(app, members[:6], conflicted=[members[5]])
    return invest(app, members[0])
