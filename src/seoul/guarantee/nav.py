from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Credit guarantee"), reverse("guarantee:start"))]
    if user is None or not user.is_authenticated:
        return out
    if user.kind == "citizen":
        out.append((_("My guarantee applications"), reverse("guarantee:mine")))
    if user.has_role(Service.GUARANTEE, Role.OPERATOR):
        out.append((_("Guarantee queue"), reverse("guarantee:queue")))
        out.append((_("Defaults and claims"), reverse("guarantee:defaults")))
    if user.has_role(Service.GUARANTEE, Role.VIEWER):
        out.append((_("Guarantee book"), reverse("guarantee:report")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Examiners (operators and above) work through the queue of referred files."""
    if user.has_role(Service.GUARANTEE, Role.OPERATOR):
        return WORK, reverse("guarantee:queue")
    return None
