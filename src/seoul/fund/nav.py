from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Start-up policy fund"), reverse("fund:start"))]
    if user is None or not user.is_authenticated:
        return out
    if user.kind == "citizen":
        out.append((_("My fund applications"), reverse("fund:me")))
    if user.has_role(Service.FUND, Role.OPERATOR):
        out.append((_("Fund worklist"), reverse("fund:worklist")))
    if user.has_role(Service.FUND, Role.VIEWER):
        out.append((_("Fund dashboard"), reverse("fund:dashboard")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Fund staff and committee members land on the worklist; viewers on the dashboard."""
    if user.has_role(Service.FUND, Role.OPERATOR):
        return WORK, reverse("fund:worklist")
    if user.has_role(Service.FUND, Role.VIEWER):
        return OVERVIEW, reverse("fund:dashboard")
    return None
