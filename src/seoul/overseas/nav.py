from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Overseas online sales"), reverse("overseas:programme"))]
    if user is None or not user.is_authenticated:
        return out
    if user.kind == "citizen":
        out.append((_("My overseas sales"), reverse("overseas:me")))
    if user.has_role(Service.OVERSEAS, Role.OPERATOR):
        out.append((_("Overseas sales worklist"), reverse("overseas:officer")))
    if user.has_role(Service.OVERSEAS, Role.VIEWER):
        out.append((_("Overseas sales KPIs"), reverse("overseas:kpis")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Programme officers land on their worklist; readers of the KPIs on the dashboard."""
    if user.has_role(Service.OVERSEAS, Role.OPERATOR):
        return WORK, reverse("overseas:officer")
    if user.has_role(Service.OVERSEAS, Role.VIEWER):
        return OVERVIEW, reverse("overseas:kpis")
    return None
