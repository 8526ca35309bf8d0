"""Demo data of the business service: the programmes' officer of the Seoul Business Agency
(assigned to every programme) and a reader of the city's evaluation; the demo citizen's business
(한강분식, from their guarantee files) profiled with consent and placed in the growth stage, with
an application to the online marketing programme waiting for the officer's score; and three other
shops of the guarantee demo through the business clinic — scored, selected, one completed a year
and a month ago — so the officer's pages and the evaluation have something to show. Passwords are
kept with the other demo accounts' and printed with them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from seoul.business import actions
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication, ProgrammeOfficer
from seoul.core.demo import DemoAccount, ensure_accounts, printed
from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.guarantee import interfaces as guarantee

ACCOUNTS = [
    DemoAccount(
        "business.officer",
        "Seoul Business Agency programme officer: scores, selects, records completion",
        institution="SBA",
        roles={Service.BUSINESS: Role.OPERATOR},
    ),
    DemoAccount(
        "business.evaluator",
        "City small-business policy staff: reads the programme outcomes",
        institution="CITY_HALL",
        roles={Service.BUSINESS: Role.VIEWER},
    ),
]


def _profile(user: User) -> BusinessProfile | None:
    existing = BusinessProfile.objects.own(user).first()
    if existing is not None:
        return existing
    businesses = guarantee.businesses_of(user)
    if not businesses:
        return None
    return actions.build_profile(businesses[-1].brn, consent=True, actor=user)


def load() -> dict[str, int]:
    users = ensure_accounts(ACCOUNTS)
    officer = users["business.officer"]
    for programme in Programme.objects.filter(institution__code="SBA"):
        if not ProgrammeOfficer.objects.filter(user=officer, programme=programme).exists():
            actions.set_officer(officer, programme, officer=True, actor=None)
    if ProgrammeApplication.objects.exists():
        return {"profiles": BusinessProfile.objects.count(), "applications": ProgrammeApplication.objects.count()}
    citizen = User.objects.filter(username="citizen").first()
    marketing = Programme.objects.filter(code="online_marketing").first()
    clinic = Programme.objects.filter(code="growth_clinic").first()
    if citizen is not None and marketing is not None:
        mine = _profile(citizen)
        if mine is not None:
            actions.apply(mine, marketing, note="지도 검색에 가게가 잘 나오지 않습니다. (demo)", actor=citizen)
    shops = list(User.objects.filter(username__startswith="demo.shop").order_by("username"))
    if clinic is not None and shops:
        made = []
        restart = Programme.objects.filter(code="restart_education").first()
        for shop in shops:
            profile = _profile(shop)
            if profile is None:
                continue
            if profile.stage == "restart":  # the shop whose guaranteed loan went into default
                if restart is not None:
                    actions.apply(profile, restart, note="업종 전환을 준비하고 있습니다. (demo)", actor=shop)
                continue
            made.append(actions.apply(profile, clinic, note="원가 관리가 어렵습니다. (demo)", actor=shop))
        for i, app in enumerate(made):
            actions.score(app, {"need": 40 - 5 * i}, actor=officer)
        if made:
            actions.select(clinic, actor=officer)
            first = ProgrammeApplication.objects.get(pk=made[0].pk)
            actions.record_completion(first, completed=True, on=timezone.localdate(), actor=officer)
            # the demo's history: completed 13 months ago, seen open since
            ago = timezone.localdate() - timedelta(days=395)
            ProgrammeApplication.objects.filter(pk=first.pk).update(completed_on=ago)
            if first.profile is not None:
                first.profile.observations.update(as_of=timezone.localdate())
    return {"profiles": BusinessProfile.objects.count(), "applications": ProgrammeApplication.objects.count()}


def demo_accounts() -> list[dict[str, str]]:
    return printed(ACCOUNTS)
