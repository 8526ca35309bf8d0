"""Fixtures of the metro tests, from the builders (``builders.py``)."""

from __future__ import annotations

import pytest

from seoul.metro.models import Rider
from seoul.metro.tests import builders


@pytest.fixture
def gates(reference: None) -> None:
    """Institutions and the gate arrays of the shipped network."""
    builders.load_gates()


@pytest.fixture
def rider(gates: None) -> Rider:
    """An adult rider account ``phone-1`` with no person attached."""
    rider: Rider = builders.rider("phone-1")
    return rider
