from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    if user is None or not user.is_authenticated:
        return []
    out: list[tuple[Any, str]] = []
    if user.kind == "citizen":
        out.append((_("Requests for information"), reverse("records:my_requests")))
    if user.has_role(Service.RECORDS, Role.OPERATOR):
        out.append((_("Scan and register records"), reverse("records:home")))
        out.append((_("Requests for information to decide"), reverse("records:requests")))
    if user.has_role(Service.RECORDS, Role.VIEWER):
        out.append((_("Search records"), reverse("records:search")))
    if user.has_role(Service.RECORDS, Role.APPROVER):
        out.append((_("Disposal review"), reverse("records:disposal")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Registering staff work from their department's list; readers start at the search."""
    if user.has_role(Service.RECORDS, Role.OPERATOR):
        return WORK, reverse("records:home")
    if user.has_role(Service.RECORDS, Role.VIEWER):
        return WORK, reverse("records:search")
    return None
