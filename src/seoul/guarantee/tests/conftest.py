"""Fixtures of the guarantee tests: the loopback stand-ins, reset for each test, and people."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from seoul.core.models import User
from seoul.guarantee.adapters import clients, standins
from seoul.guarantee.adapters.standins import Profile
from seoul.guarantee.engine import brn

GOOD_BRN = brn.make("220816251")  # 220-81-62517
CALLBACK = "http://testserver/api/v1/guarantee/bank/webhook"


@pytest.fixture
def docs_service() -> Iterator[Any]:
    service = clients.standin("documents")
    service.profiles.clear()
    yield service
    service.profiles.clear()


@pytest.fixture
def bank() -> Iterator[Any]:
    """The bank stand-in with its webhooks captured instead of posted (no server to post to)."""
    service = clients.standin("bank")
    captured: list[tuple[str, bytes, dict[str, str]]] = []
    service.mode, service.answer_after, service.timeout_sleep = "accept", 0.01, 1.0
    service.received.clear()
    service.by_key.clear()
    service.deliver = lambda url, body, headers: captured.append((url, body, headers))
    service.captured = captured
    yield service
    service.mode = "accept"
    service.deliver = standins._post


def wait_for(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def profile(number: str = GOOD_BRN, **changes: Any) -> Profile:
    today = date.today()
    fields: dict[str, Any] = {
        "brn": number,
        "business_name": "한강공방",
        "representative": "김서울",
        "opened_on": today - timedelta(days=9 * 365),
        "industry": "manufacturing",
        "sales_by_year": {str(today.year - 2): 190_000_000, str(today.year - 1): 200_000_000},
        "credit_score": 880,
    }
    fields.update(changes)
    return Profile(**fields)


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="kim.shop")


@pytest.fixture
def examiner(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOULSHINBO", roles={"guarantee": "operator"}, username="examiner.park")


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOULSHINBO", roles={"guarantee": "approver"}, username="approver.choi")
