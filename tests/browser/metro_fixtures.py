"""Fixtures and helpers of the metro browser tests (imported by ``test_metro_*.py``).

Data goes through the real paths: reference data (core, plan, metro gates) is loaded by the
apps' own loaders and journeys are built by ``seoul.metro.actions.ingest_events`` from gate
events, exactly as gates report them.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest

from seoul.core.engine.time import SEOUL

CITIZEN_PASSWORD = "Bukhansan-trail-9-maples"
APPROVER_PASSWORD = "Cheonggye-stream-3-lanterns"
VIEWER_PASSWORD = "Gyeongbok-palace-5-gates"

SEOUL_STATION_1 = "G-1-150"  # 서울역, line 1
CITY_HALL_1 = "G-1-151"  # 시청, line 1
GANGNAM_2 = "G-2-222"  # 강남, line 2
YEOKSAM_2 = "G-2-221"  # 역삼, line 2

ADULT_FARE = 1550  # adult card fare from 2025-06-28 (tariffs.json)
EARLY_BIRD_BEFORE = time(6, 30)  # 조조할인: 20 % off the base fare when boarded before 06:30


def expected_adult_fare(boarded: datetime) -> int:
    """The adult card fare of a short line-1/line-2 ride (base fare only) boarded at ``boarded``."""
    if boarded.astimezone(SEOUL).time() < EARLY_BIRD_BEFORE:
        return ADULT_FARE - (ADULT_FARE * 20 // 100) // 10 * 10
    return ADULT_FARE


def recent_boarding() -> datetime:
    """A boarding time a little over an hour ago (SEOUL) that is not an early-bird boarding.

    Early in the morning (before 07:30 SEOUL) it is 21:00 the evening before, so the adult fare is
    always the full 1,550 won.
    """
    at = (datetime.now(SEOUL) - timedelta(minutes=75)).replace(second=0, microsecond=0)
    if at.time() < EARLY_BIRD_BEFORE:
        at = datetime.combine(at.date() - timedelta(days=1), time(21, 0), tzinfo=SEOUL)
    return at


def won(amount: int) -> str:
    """How the Korean pages write an amount of won: ``1,550원``."""
    return f"{amount:,}원"


def journey_events(prefix: str, rider: str, entry_gate: str, exit_gate: str, boarded: datetime) -> list[dict[str, Any]]:
    """The two gate events of one complete journey (exit 12 minutes after entry), +09:00 offsets."""
    boarded = boarded.astimezone(SEOUL)
    return [
        {"event_id": f"{prefix}-in", "gate": entry_gate, "rider": rider, "kind": "entry", "at": boarded.isoformat()},
        {
            "event_id": f"{prefix}-out",
            "gate": exit_gate,
            "rider": rider,
            "kind": "exit",
            "at": (boarded + timedelta(minutes=12)).isoformat(),
        },
    ]


def flagged_events(prefix: str, gate: str, n: int, at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"{prefix}-{i}",
            "gate": gate,
            "kind": "flagged",
            "reason": "ambiguous_lane",
            "lane": i,
            "at": (at.astimezone(SEOUL) + timedelta(minutes=i)).isoformat(),
        }
        for i in range(n)
    ]


def ingest(items: list[dict[str, Any]]) -> Any:
    """Feed gate events through the real ingestion path; every item must be accepted."""
    from seoul.metro import actions

    result = actions.ingest_events(actor=None, items=items)
    assert not result.rejected, f"gate events rejected: {result.rejected}"
    assert result.accepted == len(items), result
    return result


@pytest.fixture
def metro_data(reference_data: None) -> None:
    """Core and plan reference data plus the metro gate arrays, committed for the live server."""
    from seoul.metro import reference as metro_reference
    from seoul.metro.models import Gate

    metro_reference.load()
    assert Gate.objects.filter(code__in=[SEOUL_STATION_1, CITY_HALL_1, GANGNAM_2, YEOKSAM_2]).count() == 4


def _user(username: str, password: str, **fields: Any) -> Any:
    from seoul.core.models import User

    user = User.objects.create_user(username=username, password=password, **fields)
    user.test_password = password
    return user


@pytest.fixture
def rider_citizen(metro_data: None) -> Any:
    """A citizen whose account rides as ``phone-1`` (adult)."""
    from seoul.core.models import User
    from seoul.metro.models import Rider

    user = _user("kim.commuter", CITIZEN_PASSWORD, kind=User.Kind.CITIZEN)
    Rider.objects.create(account="phone-1", user=user)
    return user


@pytest.fixture
def plain_citizen(metro_data: None) -> Any:
    """A citizen with no staff role (and no rider profile)."""
    from seoul.core.models import User

    return _user("lee.citizen", CITIZEN_PASSWORD, kind=User.Kind.CITIZEN)


def _metro_staff(username: str, password: str, role: str) -> Any:
    from seoul.core.models import Institution, ServiceRole, User

    user = _user(username, password, kind=User.Kind.STAFF, institution=Institution.objects.get(code="SEOUL_METRO"))
    ServiceRole.objects.create(user=user, service="metro", role=role)
    return user


@pytest.fixture
def metro_approver(metro_data: None) -> Any:
    """Seoul Metro staff who resolve fare disputes."""
    return _metro_staff("metro.disputes", APPROVER_PASSWORD, "approver")


@pytest.fixture
def metro_viewer(metro_data: None) -> Any:
    """Seoul Metro staff who read revenue and gate health."""
    return _metro_staff("metro.ops", VIEWER_PASSWORD, "viewer")
