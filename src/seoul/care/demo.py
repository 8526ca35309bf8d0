"""Demo data of the care service: the example centre (docs/care-facility.md) and an improved
copy of it in another district, added by the demo designer so the list, the comparison and the
facility page have something to show, and two readers with a
narrower view than the city's (docs/care-interventions.md, "Who sees which centre"): the
district childcare officer of 마포구 and the director of the example centre. Their passwords are
kept with the other demo accounts' and printed with them."""

from __future__ import annotations

import json
import os
import secrets

from django.db import transaction

from seoul.care import actions
from seoul.care.models import Facility
from seoul.core.engine.districts import by_name
from seoul.core.models import ServiceRole, User
from seoul.core.roles import Role, Service

CENTRE = "예시 국공립어린이집"
DISTRICT = "마포구"
ACCOUNTS = [
    # username, role in the care service, description (as core.demo.ACCOUNTS)
    ("care.mapo", Role.VIEWER, "District childcare officer of Mapo-gu: sees only Mapo-gu's care centres"),
    ("care.director", Role.VIEWER, f"Director of the demo daycare centre ({CENTRE}): sees only that centre"),
]


def _known() -> dict[str, str]:
    from seoul.core import demo as core_demo

    path = core_demo.accounts_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _accounts() -> dict[str, User]:
    """The care demo readers (staff without a city institution: a district office and a daycare
    centre are not among the platform's institutions), with passwords kept like core.demo's."""
    from seoul.core import demo as core_demo

    known = _known()
    users: dict[str, User] = {}
    with transaction.atomic():
        for username, role, _description in ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"kind": User.Kind.STAFF, "display_name": username}
            )
            if created or username not in known:
                known[username] = known.get(username) or secrets.token_urlsafe(12)
                user.set_password(known[username])
                user.save()
            ServiceRole.objects.update_or_create(user=user, service=Service.CARE, defaults={"role": role})
            users[username] = user
    fd = os.open(core_demo.accounts_file(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(known, fh, indent=2)
    return users


#: A second centre, in another district, built from the same example with the changes that fix
#: its three failed checks and the hourly airing applied on the platform (each a version), so
#: the overview has a failing and a passing centre to compare and the district officer of 마포구
#: has one they do not see.
IMPROVED = ("햇살 국공립어린이집", "강남구")
IMPROVED_CHANGES = (
    "washbasin:entrance",
    "service_door:kitchen+laundry",
    "ventilation_rebalance:laundry",
    "windows:hourly",
)


def _add_centres() -> None:
    designer = User.objects.filter(username="care.designer").first()
    if not Facility.objects.filter(name=CENTRE).exists():
        actions.add_facility(
            CENTRE, Facility.Kind.DAYCARE, by_name(DISTRICT).index, actions.example_model(), actor=designer
        )
    name, district = IMPROVED
    if not Facility.objects.filter(name=name).exists():
        improved = actions.add_facility(
            name, Facility.Kind.DAYCARE, by_name(district).index, actions.example_model(), actor=designer
        )
        for number, change in enumerate(IMPROVED_CHANGES, start=1):
            actions.apply_change(improved, number=number, change=change, actor=designer)


def load() -> dict[str, int]:
    _add_centres()
    users = _accounts()
    actions.set_districts(users["care.mapo"], [by_name(DISTRICT).index], actor=None)
    centre = Facility.objects.filter(name=CENTRE).order_by("pk").first()
    if centre is not None:
        actions.set_director(users["care.director"], centre, directs=True, actor=None)
    return {"facilities": Facility.objects.count(), "readers": len(users)}


def demo_accounts() -> list[dict[str, str]]:
    """The care demo readers, printed with the demo accounts (``seoul demo-data``)."""
    known = _known()
    return [
        {"username": username, "password": known[username], "role": description}
        for username, _role, description in ACCOUNTS
        if username in known
    ]
