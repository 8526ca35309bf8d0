from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.roles import Role, Service


def items(user: Any) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = [(_("Plan progress"), reverse("plan:public"))]
    if user is not None and user.is_authenticated and user.has_role(Service.PLAN, Role.VIEWER):
        out.append((_("Plan dashboard"), reverse("plan:dashboard")))
    return out
