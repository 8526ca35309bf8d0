"""Fixtures of the guarantee tests: the loopback stand-ins, reset for each test, and people.
Applications at each stage come from ``builders.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from seoul.core.adapters.standin import post as standin_post
from seoul.core.models import User
from seoul.guarantee.adapters import clients, standins
from seoul.guarantee.tests.builders import identify


@pytest.fixture
def docs_service() -> Iterator[Any]:
    service = clients.standin("documents")
    service.reset()
    yield service
    service.reset()


@pytest.fixture
def bank() -> Iterator[Any]:
    """The bank stand-in with its webhooks captured instead of posted (no server to post to)."""
    service = clients.standin("bank")
    captured: list[tuple[str, bytes, dict[str, str]]] = []
    service.mode, service.answer_after, service.timeout_sleep = "accept", 0.01, 1.0
    service.received.clear()
    service.by_key.clear()
    service.sent.clear()
    service.deliver = lambda url, body, headers: captured.append((url, body, headers))
    service.captured = captured
    yield service
    service.mode = "accept"
    service.deliver = standins._post


@pytest.fixture
def gateway() -> Iterator[Any]:
    """The payment gateway stand-in, reset, with its webhooks captured in ``gateway.captured``
    (url, body, headers) instead of posted (no server to post to)."""
    service = clients.standin("payments")
    service.reset()
    captured: list[tuple[str, bytes, dict[str, str]]] = []

    def capture(url: str, body: bytes, headers: dict[str, str]) -> int:
        captured.append((url, body, headers))
        return 200

    service.webhooks.deliver = capture
    service.captured = captured
    yield service
    service.reset()
    service.webhooks.deliver = standin_post


@pytest.fixture(autouse=True)
def notifier() -> Iterator[Any]:
    """The SMS / e-mail stand-in, emptied for each test."""
    gateway = clients.notifier()
    gateway.sent.clear()
    gateway.by_key.clear()
    gateway.fail_next = 0
    yield gateway
    gateway.fail_next = 0


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    """김서울, representative of the builders' business, who signed in by simple authentication."""
    return identify(make_user(kind=User.Kind.CITIZEN, institution=None, username="kim.shop"))


@pytest.fixture
def examiner(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOULSHINBO", roles={"guarantee": "operator"}, username="examiner.park")


@pytest.fixture
def approver(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOULSHINBO", roles={"guarantee": "approver"}, username="approver.choi")
