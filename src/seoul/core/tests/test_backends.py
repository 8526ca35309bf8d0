from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from seoul.core.backends import UserWithRolesBackend
from seoul.core.models import ServiceRole, User

pytestmark = pytest.mark.django_db


def test_the_account_and_its_roles_come_in_one_query(
    make_user: Callable[..., User], django_assert_num_queries: Any
) -> None:
    user = make_user(roles={"plan": "operator", "metro": "viewer"})
    with django_assert_num_queries(1):
        loaded = UserWithRolesBackend().get_user(user.pk)
        assert loaded is not None and loaded.username == user.username
        assert loaded.has_role("plan", "operator") and loaded.has_role("metro", "viewer")
        assert not loaded.has_role("plan", "approver") and not loaded.has_role("tracing", "viewer")
        assert loaded.institution is not None and loaded.institution.code == "SEOUL_METRO"  # no query


def test_the_phone_number_is_decrypted_only_when_read(
    make_user: Callable[..., User], django_assert_num_queries: Any
) -> None:
    user = make_user()
    User.objects.filter(pk=user.pk).update(phone="")
    user.phone = "010-1234-5678"
    user.save()
    loaded = UserWithRolesBackend().get_user(user.pk)
    assert loaded is not None and "phone" in loaded.get_deferred_fields()
    with django_assert_num_queries(1):
        assert loaded.phone == "010-1234-5678"


def test_an_account_without_an_institution(make_user: Callable[..., User]) -> None:
    citizen = make_user(kind=User.Kind.CITIZEN, institution=None)
    loaded = UserWithRolesBackend().get_user(citizen.pk)
    assert loaded is not None and loaded.institution is None


def test_roles_are_read_afresh_on_every_request(make_user: Callable[..., User]) -> None:
    user = make_user(roles={"plan": "viewer"})
    client = Client()
    client.force_login(user, backend="seoul.core.backends.UserWithRolesBackend")
    assert client.get("/plan/dashboard/").status_code == 200
    ServiceRole.objects.filter(user=user).delete()
    assert client.get("/plan/dashboard/").status_code == 403


def test_no_account_for_unknown_or_inactive_ids(make_user: Callable[..., User]) -> None:
    user = make_user()
    backend = UserWithRolesBackend()
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("not a number") is None
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
