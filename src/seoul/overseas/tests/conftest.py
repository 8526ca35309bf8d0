"""The overseas-sales service's people and its round."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from seoul.core.models import User
from seoul.core.roles import Role, Service
from seoul.overseas.models import Round


@pytest.fixture
def round(reference: None) -> Round:
    from seoul.overseas import reference as overseas_reference

    overseas_reference.load()
    return Round.objects.get()


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="kim.seoul")


@pytest.fixture
def other_citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="lee.hangang")


@pytest.fixture
def officer(make_user: Callable[..., User]) -> User:
    """An SBA programme officer who also decides claims (approver)."""
    return make_user(institution="SBA", roles={Service.OVERSEAS: Role.APPROVER}, username="sba.overseas")


@pytest.fixture
def operator(make_user: Callable[..., User]) -> User:
    """An SBA officer without the approver role."""
    return make_user(institution="SBA", roles={Service.OVERSEAS: Role.OPERATOR}, username="sba.operator")


@pytest.fixture
def viewer(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={Service.OVERSEAS: Role.VIEWER}, username="city.kpi")


def client_of(user: User, lang: str = "en") -> Any:
    from django.test import Client

    c = Client(headers={"accept-language": lang})
    c.force_login(user)
    return c
