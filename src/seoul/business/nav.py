from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Small-business programmes"), reverse("business:start"))]
    if user is None or not user.is_authenticated:
        return out
    if user.kind == "citizen":
        out.append((_("My business support"), reverse("business:me")))
    if user.has_role(Service.BUSINESS, Role.OPERATOR):
        out.append((_("Programme applicants"), reverse("business:officer")))
    if user.has_role(Service.BUSINESS, Role.VIEWER):
        out.append((_("Programme outcomes"), reverse("business:evaluation")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Programme officers land on their programmes; readers of the evaluation on the outcomes."""
    if user.has_role(Service.BUSINESS, Role.OPERATOR):
        return WORK, reverse("business:officer")
    if user.has_role(Service.BUSINESS, Role.VIEWER):
        return OVERVIEW, reverse("business:evaluation")
    return None
