"""The fund's people: a founder (citizen), another citizen, fund staff, a fund administrator,
staff of another service, a committee of seven, a reader of the dashboard; pitch decks and
evidence files go to a folder of the test's own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from seoul.core.models import User
from seoul.core.roles import Role, Service


@pytest.fixture(autouse=True)
def _decks(settings: Any, tmp_path: Path) -> None:
    settings.SEOUL_FUND_DIR = tmp_path / "fund"


@pytest.fixture
def founder(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="kim.founder")


@pytest.fixture
def other_citizen(make_user: Callable[..., User]) -> User:
    return make_user(kind=User.Kind.CITIZEN, institution=None, username="lee.other")


@pytest.fixture
def staff(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOULSHINBO", roles={Service.FUND: Role.OPERATOR}, username="fund.staff")


@pytest.fixture
def fund_admin(make_user: Callable[..., User]) -> User:
    return make_user(institution="SEOULSHINBO", roles={Service.FUND: Role.ADMIN}, username="fund.admin")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """Staff of another service (the guarantee's examiner at the same foundation)."""
    return make_user(institution="SEOULSHINBO", roles={Service.GUARANTEE: Role.OPERATOR}, username="guarantee.examiner")


@pytest.fixture
def viewer(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={Service.FUND: Role.VIEWER}, username="fund.viewer")


@pytest.fixture
def members(make_user: Callable[..., User]) -> list[User]:
    from seoul.fund import actions

    made = []
    for i in range(1, 8):
        user = make_user(institution="SEOULSHINBO", roles={Service.FUND: Role.APPROVER}, username=f"member{i}")
        actions.set_member(user, active=True, actor=None)
        made.append(user)
    return made


def client_of(user: User, lang: str = "en") -> Any:
    from django.test import Client

    c = Client(headers={"accept-language": lang})
    c.force_login(user)
    return c
