"""Demo data of the care service: the example centre (docs/care-facility.md), added by the demo
designer so the list and the facility page have something to show."""

from __future__ import annotations

from seoul.care import actions
from seoul.care.models import Facility
from seoul.core.engine.districts import by_name
from seoul.core.models import User


def load() -> dict[str, int]:
    if Facility.objects.exists():
        return {}
    designer = User.objects.filter(username="care.designer").first()
    actions.add_facility(
        "예시 국공립어린이집",
        Facility.Kind.DAYCARE,
        by_name("마포구").index,
        actions.example_model(),
        actor=designer,
    )
    return {"facilities": 1}
