"""The business service's people and a stand-in for the guarantee service's published interface
(the business app's tests may not reach into guarantee; the interface itself is tested in
``guarantee/tests/test_interfaces.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from seoul.business.tests import builders
from seoul.core.models import User
from seoul.core.roles import Role, Service


@pytest.fixture
def programmes(reference: None) -> None:
    from seoul.business import reference as business_reference

    business_reference.load()


@pytest.fixture
def records(monkeypatch: pytest.MonkeyPatch) -> builders.Records:
    """What the guarantee service "knows": ``records.add(user, **changes)``."""
    found = builders.Records()
    monkeypatch.setattr("seoul.guarantee.interfaces.business_record", found.business_record)
    monkeypatch.setattr("seoul.guarantee.interfaces.businesses_of", found.businesses_of)
    return found


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="kim.seoul")


@pytest.fixture
def other_citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="lee.hangang")


@pytest.fixture
def officer(make_user: Callable[..., User], programmes: None) -> User:
    """An SBA programme officer of the growth-stage programmes."""
    from seoul.business import actions
    from seoul.business.models import Programme

    user = make_user(institution="SBA", roles={Service.BUSINESS: Role.OPERATOR}, username="sba.officer")
    for p in Programme.objects.filter(stage="growth"):
        actions.set_officer(user, p, officer=True, actor=None)
    return user


@pytest.fixture
def startup_officer(make_user: Callable[..., User], programmes: None) -> User:
    from seoul.business import actions
    from seoul.business.models import Programme

    user = make_user(institution="SBA", roles={Service.BUSINESS: Role.OPERATOR}, username="sba.startup")
    for p in Programme.objects.filter(stage="startup"):
        actions.set_officer(user, p, officer=True, actor=None)
    return user


@pytest.fixture
def evaluator(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={Service.BUSINESS: Role.VIEWER}, username="city.evaluator")


def client_of(user: User, lang: str = "en") -> Any:
    from django.test import Client

    c = Client(headers={"accept-language": lang})
    c.force_login(user)
    return c
