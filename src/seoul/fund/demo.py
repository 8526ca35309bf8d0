"""Demo data of the start-up fund: fund staff and a fund administrator of the Seoul Credit
Guarantee Foundation, a reader of the dashboard at City Hall, an investment committee of seven
(``fund.committee1..7``, with their seats) and three start-up founders (``fund.startup1..3``,
citizens); two calls for proposals (last year's medical
and bio call, closed, and this year's post-corona call, open); an investee of last year's call
(메디브릿지: decided with six members present, one conflicted; its first tranche paid, the
second's milestone evidence waiting for staff; three quarters of KPIs, one corrected; a
valuation), an application with the committee at next week's meeting (declarations and some
scores given), one not taken forward at screening and the demo citizen's waiting to be screened.
Passwords are kept with the other demo accounts' and printed with them."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.utils import timezone

from seoul.core.demo import DemoAccount, ensure_accounts, printed
from seoul.core.engine import brn
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.fund import actions
from seoul.fund.engine import quarters
from seoul.fund.engine.terms import Terms
from seoul.fund.models import Application, Call, Decision, Tranche, Transition

COMMITTEE = 7
ACCOUNTS = [
    DemoAccount(
        "fund.staff",
        "Fund staff: screens, sets up meetings, verifies milestones, pays tranches",
        institution="SEOULSHINBO",
        roles={Service.FUND: Role.OPERATOR},
    ),
    DemoAccount(
        "fund.admin",
        "Fund administrator: what fund staff do, plus the investment committee's membership",
        institution="SEOULSHINBO",
        roles={Service.FUND: Role.ADMIN},
    ),
    DemoAccount(
        "fund.viewer",
        "City start-up policy staff: reads the fund dashboard",
        institution="CITY_HALL",
        roles={Service.FUND: Role.VIEWER},
    ),
    *[
        DemoAccount(
            f"fund.committee{i}",
            f"Investment committee member {i}: declares, scores, decides",
            institution="SEOULSHINBO",
            roles={Service.FUND: Role.APPROVER},
        )
        for i in range(1, COMMITTEE + 1)
    ],
    *[
        DemoAccount(
            f"fund.startup{i}",
            f"Start-up founder {i} (citizen): applies, sends milestone evidence and KPIs",
            kind=User.Kind.CITIZEN,
        )
        for i in range(1, 4)
    ],
]
DECK = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _proposal(name: str, first_nine: str, sector: str, stage: str, amount: int, instrument: str) -> actions.Proposal:
    return actions.Proposal(
        startup_name=name,
        brn=brn.formatted(brn.make(first_nine)),
        sector=sector,
        stage=stage,
        amount=amount,
        instrument=instrument,
        summary="비대면 시대에 필요한 서비스를 만듭니다. 투자금은 제품 개발과 인력 채용에 씁니다. (demo)",
        team=[("김대표", "대표이사"), ("이개발", "CTO")],
        revenue_12m=120_000_000,
        employees=6,
        users=3_500,
        follow_on=200_000_000,
    )


def _apply(call: Call, proposal: actions.Proposal, user: User, today: date) -> Application:
    return actions.apply(call, proposal, io.BytesIO(DECK), len(DECK), actor=user, today=today)


CHECKS = dict.fromkeys(("seoul_based", "sector_fit", "deck_complete", "good_standing"), True)


def _investee(users: dict[str, User], call: Call, today: date) -> None:
    staff = users["fund.staff"]
    members = [users[f"fund.committee{i}"] for i in range(1, COMMITTEE + 1)]
    held = today - timedelta(days=340)
    # set as the staff did ahead of that meeting
    meeting = actions.set_meeting(held, "2025년 제3차 투자심의위원회", members[:6], actor=staff, today=held)
    app = _apply(
        call,
        _proposal("메디브릿지", "101815678", "medical_bio", "seed", 300_000_000, "equity"),
        users["fund.startup1"],
        call.opens_on,
    )
    actions.screen(app, checks=CHECKS, outcome="committee", note="서류 완비 (demo)", meeting=meeting, actor=staff)
    actions.declare(app, conflicted=True, reason="해당 기업의 자문위원으로 활동 (demo)", actor=members[5])
    for i, m in enumerate(members[:5]):
        actions.declare(app, conflicted=False, actor=m)
        actions.score(app, {"team": 8, "market": 8 - i % 2, "technology": 7, "traction": 7, "policy_fit": 9}, actor=m)
    actions.decide(
        app,
        outcome="invest",
        terms=Terms("equity", 300_000_000, equity_percent=10.0),
        tranches=[
            actions.PlannedTranche(150_000_000, "임상 1상 승인(IND) 획득", today - timedelta(days=300)),
            actions.PlannedTranche(150_000_000, "첫 병원 공급 계약 체결", today + timedelta(days=30)),
        ],
        reason="원격 진료 수요 증가에 부합하고 팀 역량이 우수함 (demo)",
        actor=members[0],
    )
    decided = timezone.now() - timedelta(days=340)
    Application.objects.filter(pk=app.pk).update(decided_at=decided)
    Decision.objects.filter(application=app).update(decided_at=decided)
    Transition.objects.filter(application=app).update(at=decided)  # the demo's history: last year
    app.refresh_from_db()
    first, second = list(app.tranches.order_by("number"))
    actions.send_evidence(first, "식약처 IND 승인서 (demo)", actor=users["fund.startup1"])
    actions.verify(first, accepted=True, actor=staff)
    actions.pay(first, paid_on=held + timedelta(days=45), actor=staff)
    actions.send_evidence(second, "○○병원과 공급 계약 체결 (계약서 사본 제출) (demo)", actor=users["fund.startup1"])
    ended = quarters.reportable(today, held)[:3][::-1]
    for n, (y, q) in enumerate(ended):
        actions.report_kpis(
            app,
            year=y,
            quarter=q,
            revenue=40_000_000 * (n + 1),
            employees=6 + n,
            follow_on=0,
            actor=users["fund.startup1"],
            today=today,
        )
    if ended:
        y, q = ended[-1]
        actions.report_kpis(
            app,
            year=y,
            quarter=q,
            revenue=130_000_000,
            employees=8,
            follow_on=500_000_000,
            note="후속 투자 유치 반영 정정 (demo)",
            actor=users["fund.startup1"],
            today=today,
        )
    actions.record_valuation(
        app, on=today - timedelta(days=60), value=210_000_000, note="후속 투자 라운드 기준 (demo)", actor=staff
    )


def load() -> dict[str, int]:
    users = ensure_accounts(ACCOUNTS)
    for i in range(1, COMMITTEE + 1):
        seat = "위원장" if i == 1 else ("외부 전문위원" if i > 4 else "위원")
        actions.set_member(users[f"fund.committee{i}"], active=True, seat=seat, actor=None)
    if Application.objects.exists():
        return {"calls": Call.objects.count(), "applications": Application.objects.count()}
    today = timezone.localdate()
    staff = users["fund.staff"]
    last = actions.open_call(
        code="2025-medical-bio",
        title_ko="2025 의료·바이오 스타트업 공모",
        title_en="2025 medical and bio start-ups",
        summary_ko="포스트코로나 의료·바이오 분야 초기 스타트업을 찾습니다.",
        summary_en="For early start-ups in post-corona medicine and bio.",
        sectors=["medical_bio"],
        stages=["seed", "early"],
        opens_on=today - timedelta(days=400),
        closes_on=today - timedelta(days=370),
        budget=5_000_000_000,
        actor=None,
    )
    now = actions.open_call(
        code="2026-post-corona",
        title_ko="2026 포스트코로나 유망분야 스타트업 공모",
        title_en="2026 post-corona start-ups",
        summary_ko="의료·바이오, 비대면·디지털, 그린 분야 스타트업에 투자하거나 융자합니다.",
        summary_en="Investment or loans for start-ups in medicine and bio, untact and digital, and green.",
        sectors=["medical_bio", "untact_digital", "green", "other_post_corona"],
        stages=["seed", "early", "growth"],
        opens_on=today - timedelta(days=20),
        closes_on=today + timedelta(days=40),
        budget=10_000_000_000,
        actor=None,
    )
    _investee(users, last, today)
    members = [users[f"fund.committee{i}"] for i in range(1, COMMITTEE + 1)]
    upcoming = actions.set_meeting(today + timedelta(days=7), "2026년 제1차 투자심의위원회", members, actor=staff)
    green = _apply(
        now,
        _proposal("그린루프", "215872345", "green", "early", 500_000_000, "convertible"),
        users["fund.startup2"],
        today,
    )
    actions.screen(green, checks=CHECKS, outcome="committee", meeting=upcoming, actor=staff)
    for m in members[:3]:
        actions.declare(green, conflicted=False, actor=m)
    for m in members[:2]:
        actions.score(green, {"team": 7, "market": 6, "technology": 8, "traction": 5, "policy_fit": 9}, actor=m)
    out = _apply(
        now,
        _proposal("언택트랩", "317053456", "untact_digital", "seed", 100_000_000, "loan"),
        users["fund.startup3"],
        today,
    )
    actions.screen(
        out,
        checks=CHECKS | {"good_standing": False},
        outcome="screened_out",
        reason="국세 체납이 확인되어 지원 요건에 맞지 않음 (demo)",
        actor=staff,
    )
    citizen = User.objects.filter(username="citizen", kind=User.Kind.CITIZEN).first()
    if citizen is not None:
        _apply(
            now, _proposal("한강헬스케어", "420881234", "medical_bio", "seed", 200_000_000, "equity"), citizen, today
        )
    return {
        "calls": Call.objects.count(),
        "applications": Application.objects.count(),
        "tranches": Tranche.objects.count(),
    }


def demo_accounts() -> list[dict[str, str]]:
    return printed(ACCOUNTS)
