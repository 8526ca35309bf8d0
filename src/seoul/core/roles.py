"""Roles and access declarations, shared by every app.

Staff hold one role per service. Roles are ordered: each includes the rights of the ones
before it (viewer < operator < approver < admin). Platform admins hold every role in every
service. Each view and API operation declares its access with :func:`public` or
:func:`require_role`; a test walks every URL and fails on any route without a declaration.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    OPERATOR = "operator", _("Operator")
    APPROVER = "approver", _("Approver")
    ADMIN = "admin", _("Administrator")


ROLE_ORDER = [Role.VIEWER, Role.OPERATOR, Role.APPROVER, Role.ADMIN]


def role_at_least(held: str, needed: str) -> bool:
    return ROLE_ORDER.index(Role(held)) >= ROLE_ORDER.index(Role(needed))


class Service(models.TextChoices):
    """Services of the plan that have roles. New apps add their code here."""

    CORE = "core", _("Platform")
    PLAN = "plan", _("Plan dashboard")
    METRO = "metro", _("Metro fares and gates")
    TRACING = "tracing", _("Contact tracing")
    GUARANTEE = "guarantee", _("Untact credit guarantee")
    HOSPITALS = "hospitals", _("City hospital network")
    RECORDS = "records", _("Electronic Document Center")
    CARE = "care", _("S-돌봄 infection-prevention design")
    BUSINESS = "business", _("Small-business life-cycle support")
    FUND = "fund", _("Start-up policy fund")
    OVERSEAS = "overseas", _("Overseas online sales")


@dataclass(frozen=True)
class Access:
    """What a route needs: ``public`` (anyone), ``authenticated`` (any signed-in person),
    ``citizen`` or a service role (``service`` + minimum ``role``)."""

    kind: str
    service: str = ""
    role: str = ""

    def describe(self) -> str:
        if self.kind == "role":
            return f"{self.service}:{self.role}"
        return self.kind


ACCESS_ATTR = "seoul_access"
