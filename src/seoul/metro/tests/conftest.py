"""Fixtures of the metro tests, from the builders (``builders.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from seoul.metro.models import Rider
from seoul.metro.tests import builders


@pytest.fixture
def gates(reference: None) -> None:
    """Institutions and the gate arrays of the shipped network."""
    builders.load_gates()


@pytest.fixture
def rider(gates: None) -> Rider:
    """An adult rider account ``phone-1`` with no person attached, that tagless gates may charge
    (location consent, a postpaid card on file)."""
    rider: Rider = builders.tagless_ready(builders.rider("phone-1"))
    return rider


@pytest.fixture
def gw(settings: Any) -> Iterator[Any]:
    """The payment gateway's loopback stand-in, reset, with one quick try per call and webhooks
    recorded for the test to deliver."""
    from seoul.metro.adapters import gateway

    settings.SEOUL_METRO_GATEWAY_ATTEMPTS = 1
    settings.SEOUL_METRO_GATEWAY_TIMEOUT = 0.5
    service = gateway.standin()
    service.reset()
    service.callback_url = ""  # events are recorded; the tests deliver them
    yield service
    service.reset()


@pytest.fixture
def feed(settings: Any, tmp_path: Any) -> Iterator[Any]:
    """The departures feed's loopback stand-in (load-weighing), reset, its clock at
    ``builders.CONGESTION_AT``; the measured departures stored under the test's own folder."""
    from seoul.metro.adapters import loads

    settings.SEOUL_METRO_LOADS_DIR = tmp_path / "loads"
    service = loads.standin()
    service.reset()
    service.clock = builders.CONGESTION_AT.isoformat()
    yield service
    service.reset()


@pytest.fixture
def counter() -> Iterator[Any]:
    """The door counts feed's loopback stand-in, reset (every line counting), its clock at
    ``builders.CONGESTION_AT``."""
    from seoul.metro.adapters import doorcounts

    service = doorcounts.standin()
    service.reset()
    service.clock = builders.CONGESTION_AT.isoformat()
    yield service
    service.reset()
