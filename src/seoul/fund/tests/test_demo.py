"""The fund's demo data goes through the real actions: the committee's seats, a fund
administrator who may change the membership, calls with their states, and a second run adds
nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.fund import demo
from seoul.fund.models import Call, CommitteeMember

pytestmark = pytest.mark.django_db


def test_the_demo_has_seats_an_administrator_and_calls(settings: Any, tmp_path: Path, reference: None) -> None:
    settings.VAR_DIR = tmp_path  # the demo accounts' passwords go to a folder of the test's own
    first = demo.load()
    assert first["calls"] == 2
    seats = dict(CommitteeMember.objects.filter(active=True).values_list("user__username", "seat"))
    assert len(seats) == demo.COMMITTEE and seats["fund.committee1"] == "위원장" and all(seats.values())
    admin = User.objects.get(username="fund.admin")
    assert admin.has_role(Service.FUND, Role.ADMIN) and admin.institution.code == "SEOULSHINBO"
    today = timezone.localdate()
    assert sorted(c.state_on(today) for c in Call.objects.all()) == ["closed", "open"]
    assert all(c.instruments == ["equity", "convertible", "loan"] for c in Call.objects.all())
    assert demo.load() == {"calls": 2, "applications": first["applications"]}
    assert "fund.admin" in {a["username"] for a in demo.demo_accounts()}
