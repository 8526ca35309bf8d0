from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    if user is None or not user.is_authenticated:
        return []
    out: list[tuple[Any, str]] = []
    if user.has_role(Service.TRACING, Role.OPERATOR):
        out.append((_("Tracing worklist"), reverse("tracing:worklist")))
    if user.has_role(Service.TRACING, Role.VIEWER):
        out.append((_("Outbreaks"), reverse("tracing:outbreaks")))
        out.append((_("Find a person"), reverse("tracing:search")))
    if user.has_role(Service.TRACING, Role.APPROVER):
        out.append((_("Tracing supervision"), reverse("tracing:supervisor")))
    if user.has_role(Service.TRACING, Role.ADMIN):
        out.append((_("Tracers"), reverse("tracing:tracers")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Supervisors (approvers) their district's supervision page, tracers (operators) their own
    cases and contacts, viewers the outbreaks they take part in."""
    if user.has_role(Service.TRACING, Role.APPROVER):
        return WORK, reverse("tracing:supervisor")
    if user.has_role(Service.TRACING, Role.OPERATOR):
        return WORK, reverse("tracing:worklist")
    if user.has_role(Service.TRACING, Role.VIEWER):
        return OVERVIEW, reverse("tracing:outbreaks")
    return None
