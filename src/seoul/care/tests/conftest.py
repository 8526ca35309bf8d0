"""The care service's people: a designer of the Seoul Design Foundation (operator) and a
care-policy reader of the city government; both see every centre (``models.scope_of``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from seoul.core.models import User
from seoul.core.roles import Role, Service


@pytest.fixture
def designer(make_user: Callable[..., User]) -> User:
    return make_user(institution="SDF", roles={Service.CARE: Role.OPERATOR})


@pytest.fixture
def reader(make_user: Callable[..., User]) -> User:
    return make_user(institution="CITY_HALL", roles={Service.CARE: Role.VIEWER})
