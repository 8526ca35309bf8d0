"""People of the plan tests (the root conftest's ``operator`` is a Seoul Metro plan operator);
projects and their history come from ``builders.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from seoul.core.models import User
from seoul.plan.tests.builders import signed_in


@pytest.fixture
def op_client(operator: User) -> Client:
    return signed_in(operator)


@pytest.fixture
def plan_admin(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={"plan": "admin"}, username="plan.office")


@pytest.fixture
def viewer(make_user: Callable[..., User]) -> User:
    return make_user(institution="SDT", roles={"plan": "viewer"}, username="plan.reader")
