from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Plan progress"), reverse("plan:public"))]
    if user is not None and user.is_authenticated and user.has_role(Service.PLAN, Role.VIEWER):
        out.append((_("Plan dashboard"), reverse("plan:dashboard")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Operators register projects and report progress from the dashboard; viewers read it."""
    if user.has_role(Service.PLAN, Role.OPERATOR):
        return WORK, reverse("plan:dashboard")
    if user.has_role(Service.PLAN, Role.VIEWER):
        return OVERVIEW, reverse("plan:dashboard")
    return None
