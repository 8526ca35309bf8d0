from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Hospital beds today"), reverse("hospitals:summary"))]
    if user is None or not user.is_authenticated:
        return out
    if user.has_role(Service.HOSPITALS, Role.VIEWER):
        out.append((_("Control-tower board"), reverse("hospitals:board")))
    if user.has_role(Service.HOSPITALS, Role.APPROVER):
        out.append((_("Patients waiting for a bed"), reverse("hospitals:patients")))
    if user.has_role(Service.HOSPITALS, Role.OPERATOR):
        out.append((_("Daily bed report"), reverse("hospitals:report_home")))
        out.append((_("Incoming patients"), reverse("hospitals:incoming")))
        out.append((_("Sharing staff and supplies"), reverse("hospitals:sharing")))
    if user.has_role(Service.HOSPITALS, Role.VIEWER):
        out.append((_("Hospital performance"), reverse("hospitals:performance")))
    if user.has_role(Service.HOSPITALS, Role.ADMIN):
        out.append((_("Hospital register"), reverse("hospitals:register")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Coordinators work from the waiting list; a hospital's bed manager from its daily report;
    the innovation centre reads the board."""
    if user.has_role(Service.HOSPITALS, Role.APPROVER):
        return WORK, reverse("hospitals:patients")
    if user.has_role(Service.HOSPITALS, Role.OPERATOR):
        return WORK, reverse("hospitals:report_home")
    if user.has_role(Service.HOSPITALS, Role.VIEWER):
        return OVERVIEW, reverse("hospitals:board")
    return None
