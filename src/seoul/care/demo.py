"""Demo data of the care service: the example centre (docs/care-facility.md) and an improved
copy of it in another district, added by the demo designer so the list, the comparison and the
facility page have something to show, and two readers with a
narrower view than the city's (docs/care-interventions.md, "Who sees which centre"): the
district childcare officer of 마포구 and the director of the example centre. Their passwords are
kept with the other demo accounts' and printed with them."""

from __future__ import annotations

from seoul.care import actions
from seoul.care.models import Facility
from seoul.core.demo import DemoAccount, ensure_accounts, printed
from seoul.core.engine.districts import by_name
from seoul.core.models import User
from seoul.core.roles import Role, Service

CENTRE = "예시 국공립어린이집"
DISTRICT = "마포구"
# staff without a city institution: a district office and a daycare centre are not among the
# platform's institutions
ACCOUNTS = [
    DemoAccount(
        "care.mapo",
        "District childcare officer of Mapo-gu: sees only Mapo-gu's care centres",
        roles={Service.CARE: Role.VIEWER},
    ),
    DemoAccount(
        "care.director",
        f"Director of the demo daycare centre ({CENTRE}): sees only that centre",
        roles={Service.CARE: Role.VIEWER},
    ),
]


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
    users = ensure_accounts(ACCOUNTS)
    actions.set_districts(users["care.mapo"], [by_name(DISTRICT).index], actor=None)
    centre = Facility.objects.filter(name=CENTRE).order_by("pk").first()
    if centre is not None:
        actions.set_director(users["care.director"], centre, directs=True, actor=None)
    return {"facilities": Facility.objects.count(), "readers": len(users)}


def demo_accounts() -> list[dict[str, str]]:
    """The care demo readers, printed with the demo accounts (``seoul demo-data``)."""
    return printed(ACCOUNTS)
