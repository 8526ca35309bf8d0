"""Demo data of the business service: the programmes' officer of the Seoul Business Agency
(assigned to every programme) and a reader of the city's evaluation; the demo citizen's business
(한강분식, from their guarantee files) profiled with consent and placed in the growth stage, with
an application to the online marketing programme waiting for the officer's score; and three other
shops of the guarantee demo through the business clinic — scored, selected, one completed a year
and a month ago — so the officer's pages and the evaluation have something to show. Passwords are
kept with the other demo accounts' and printed with them."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from seoul.business import actions
from seoul.business.models import BusinessProfile, Programme, ProgrammeApplication, ProgrammeOfficer
from seoul.core.models import Institution, ServiceRole, User
from seoul.core.roles import Role, Service
from seoul.guarantee import interfaces as guarantee

ACCOUNTS = [
    # username, institution, role in the business service, description
    (
        "business.officer",
        "SBA",
        Role.OPERATOR,
        "Seoul Business Agency programme officer: scores, selects, records completion",
    ),
    ("business.evaluator", "CITY_HALL", Role.VIEWER, "City small-business policy staff: reads the programme outcomes"),
]


def _known() -> dict[str, str]:
    from seoul.core import demo as core_demo

    path = core_demo.accounts_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _accounts() -> dict[str, User]:
    from seoul.core import demo as core_demo

    known = _known()
    users: dict[str, User] = {}
    with transaction.atomic():
        for username, institution, role, _description in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "kind": User.Kind.STAFF,
                    "display_name": username,
                    "institution": Institution.objects.get(code=institution),
                },
            )
            if created or username not in known:
                known[username] = known.get(username) or secrets.token_urlsafe(12)
                user.set_password(known[username])
                user.save()
            ServiceRole.objects.update_or_create(user=user, service=Service.BUSINESS, defaults={"role": role})
            users[username] = user
    fd = os.open(core_demo.accounts_file(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(known, fh, indent=2)
    return users


def _profile(user: User) -> BusinessProfile | None:
    existing = BusinessProfile.objects.own(user).first()
    if existing is not None:
        return existing
    businesses = guarantee.businesses_of(user)
    if not businesses:
        return None
    return actions.build_profile(businesses[-1].brn, consent=True, actor=user)


def load() -> dict[str, int]:
    users = _accounts()
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
    known = _known()
    return [
        {"username": username, "password": known[username], "role": description}
        for username, _institution, _role, description in ACCOUNTS
        if username in known
    ]
