"""Fixtures of the metro browser tests (imported by ``test_metro_*.py``), made with the metro
test builders (``seoul.metro.tests.builders``): reference data by the apps' own loaders and
journeys by ``actions.ingest_events`` from gate events, exactly as gates report them.
"""

from __future__ import annotations

from typing import Any

import pytest

from seoul.metro.tests.builders import (  # noqa: F401 - re-exported for the tests
    ADULT_FARE,
    CITY_HALL,
    GANGNAM,
    SEOUL_STATION,
    YEOKSAM,
    expected_adult_fare,
    flagged_events,
    ingest,
    journey_events,
    recent_boarding,
)

CITIZEN_PASSWORD = "Bukhansan-trail-9-maples"
APPROVER_PASSWORD = "Cheonggye-stream-3-lanterns"
VIEWER_PASSWORD = "Gyeongbok-palace-5-gates"

# The names the browser tests use for the gates of lines 1 and 2.
SEOUL_STATION_1, CITY_HALL_1, GANGNAM_2, YEOKSAM_2 = SEOUL_STATION, CITY_HALL, GANGNAM, YEOKSAM


def won(amount: int) -> str:
    """How the Korean pages write an amount of won: ``1,550원``."""
    return f"{amount:,}원"


@pytest.fixture
def metro_data(reference_data: None) -> None:
    """Core and plan reference data plus the metro gate arrays, committed for the live server."""
    from seoul.metro.tests import builders

    builders.load_gates()


@pytest.fixture
def rider_citizen(metro_data: None) -> Any:
    """A citizen whose account rides as ``phone-1`` (adult)."""
    from seoul.metro.tests import builders

    user = builders.person("kim.commuter", password=CITIZEN_PASSWORD)
    builders.rider("phone-1", user=user)
    return user


@pytest.fixture
def plain_citizen(metro_data: None) -> Any:
    """A citizen with no staff role (and no rider profile)."""
    from seoul.metro.tests import builders

    return builders.person("lee.citizen", password=CITIZEN_PASSWORD)


@pytest.fixture
def metro_approver(metro_data: None) -> Any:
    """Seoul Metro staff who resolve fare disputes."""
    from seoul.metro.tests import builders

    return builders.staff("metro.disputes", "approver", password=APPROVER_PASSWORD)


@pytest.fixture
def metro_viewer(metro_data: None) -> Any:
    """Seoul Metro staff who read revenue and gate health."""
    from seoul.metro.tests import builders

    return builders.staff("metro.ops", "viewer", password=VIEWER_PASSWORD)
