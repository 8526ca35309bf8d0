from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.navigation import OVERVIEW, WORK
from seoul.core.roles import Role, Service
from seoul.metro.models import OPERATOR_INSTITUTION, handles_disputes, maintains_trains


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [
        (_("Metro fares"), reverse("metro:fare")),
        (_("Train congestion"), reverse("metro:congestion")),
    ]
    if user is None or not user.is_authenticated:
        return out
    # rider profiles belong to citizens' app accounts: staff pages skip the query
    if user.kind == "citizen" and hasattr(user, "rider"):
        out.append((_("My journeys"), reverse("metro:my_journeys")))
        out.append((_("My metro account"), reverse("metro:account")))
    if handles_disputes(user):  # approvers of 서울교통공사 (not every holder of the role)
        out.append((_("Fare disputes"), reverse("metro:disputes")))
    if user.has_role(Service.METRO, Role.VIEWER):
        out.append((_("Metro operations"), reverse("metro:operations")))
        institution = user.institution
        if user.is_platform_admin or (institution is not None and institution.code == OPERATOR_INSTITUTION):
            out.append((_("Metro operator reports"), reverse("metro:reports")))
            out.append((_("Train maintenance"), reverse("metro:maintenance")))
    return out


def worklist(user: Any) -> tuple[int, str] | None:
    """Approvers decide fare disputes; Seoul Metro's operators work the maintenance orders;
    other metro staff read the operations page."""
    if user.has_role(Service.METRO, Role.APPROVER):
        return WORK, reverse("metro:disputes")
    if maintains_trains(user, role=Role.OPERATOR):
        return WORK, reverse("metro:maintenance")
    if user.has_role(Service.METRO, Role.VIEWER):
        return OVERVIEW, reverse("metro:operations")
    return None
