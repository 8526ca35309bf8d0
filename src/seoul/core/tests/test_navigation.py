"""The main menu: staff menus are kept per language, institution and set of roles, so every
app's menu entries for staff must depend on nothing else of the account."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import translation

from seoul.core import navigation
from seoul.core.models import ServiceRole, User
from seoul.core.roles import Role, Service

pytestmark = pytest.mark.django_db

ROLE_SETS = [{}, *({service: role} for service, role in itertools.product(Service.values, Role.values))]
ROLE_SETS += [{"tracing": "operator", "metro": "approver", "plan": "viewer", "guarantee": "admin", "core": "viewer"}]


class RolesOnly:
    """A staff account that answers only what a menu may depend on (its roles and its
    institution): reading anything else (its records, its name) fails the test."""

    ALLOWED = {"is_authenticated", "is_active", "kind", "Kind", "is_platform_admin", "role_in", "has_role"}
    ALLOWED |= {"institution_id", "institution"}

    def __init__(self, user: User) -> None:
        object.__setattr__(self, "_user", user)

    def __getattr__(self, name: str) -> Any:
        if name not in self.ALLOWED:
            raise AssertionError(f"a staff menu read {name!r}, not only the account's roles")
        return getattr(object.__getattribute__(self, "_user"), name)


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: ",".join(f"{k}:{v}" for k, v in r.items()) or "none")
def test_staff_menus_read_only_the_roles_and_institution(make_user: Callable[..., User], roles: dict[str, str]) -> None:
    user = make_user(roles=roles)
    for language in ("ko", "en"):
        with translation.override(language):
            assert navigation._entries(RolesOnly(user)) == navigation._entries(user)


def test_a_kept_menu_is_the_menu_of_those_roles_in_that_language(make_user: Callable[..., User]) -> None:
    tracer = make_user(roles={"tracing": "operator"})
    twin = make_user(roles={"tracing": "operator"})
    with translation.override("ko"):
        korean = navigation.entries(tracer)
        assert navigation.entries(twin) == korean == navigation._entries(twin)
    with translation.override("en"):
        english = navigation.entries(tracer)
        assert english != korean and english == navigation._entries(tracer)
    assert any(e["label"] == "Tracing worklist" for e in english)
    approvers = [make_user(roles={"metro": "approver"}, institution=code) for code in ("SEOUL_METRO", "CITY_HALL")]
    with translation.override("en"):
        metro_staff, city_staff = (navigation.entries(u) for u in approvers)
    assert any(e["label"] == "Fare disputes" for e in metro_staff)  # Seoul Metro's approvers only
    assert not any(e["label"] == "Fare disputes" for e in city_staff)

    ServiceRole.objects.filter(user=tracer).update(role=Role.APPROVER)  # a new role shows at once
    promoted = User.objects.get(pk=tracer.pk)
    with translation.override("en"):
        assert any(e["label"] == "Tracing supervision" for e in navigation.entries(promoted))
        navigation.entries(promoted).clear()  # a caller changing its list changes no one else's
        assert navigation.entries(promoted) == navigation._entries(promoted)


def test_citizens_menus_are_built_for_each_citizen(make_user: Callable[..., User]) -> None:
    citizen = make_user(kind=User.Kind.CITIZEN, institution=None)
    navigation.entries(citizen)
    assert navigation._STAFF_MENUS == {}
