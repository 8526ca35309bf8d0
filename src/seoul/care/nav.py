from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    if user is None or not user.is_authenticated or not user.has_role(Service.CARE, Role.VIEWER):
        return []
    return [(_("Care facility design"), reverse("care:facilities"))]


def worklist(user: Any) -> tuple[int, str] | None:
    """Designers and reviewers work from the list of facilities."""
    if user.has_role(Service.CARE, Role.VIEWER):
        return WORK, reverse("care:facilities")
    return None
