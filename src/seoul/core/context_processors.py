from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core.roles import Role, Service


def platform(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the current person may open."""
    # Error pages rendered outside the middleware stack (static 404s) have no user.
    user = getattr(request, "user", None)
    nav: list[dict[str, str]] = [{"label": str(_("Plan progress")), "url": reverse("plan:public")}]
    if user is not None and user.is_authenticated:
        if user.has_role(Service.PLAN, Role.VIEWER):
            nav.append({"label": str(_("Plan dashboard")), "url": reverse("plan:dashboard")})
        if user.has_role(Service.CORE, Role.VIEWER):
            nav.append({"label": str(_("Audit log")), "url": reverse("core:audit_log")})
    return {"nav": nav, "current_path": request.path}
