from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from seoul.core import pagecache
from seoul.core.registry import app_modules
from seoul.core.roles import Role, Service


@functools.cache
def _nav_modules() -> list[ModuleType]:
    """Found once per process: looking for an app's missing ``nav`` module searches the disk."""
    return [module for _label, module in app_modules("nav")]


def platform(request: HttpRequest) -> dict[str, Any]:
    """Navigation entries the current person may open; each app contributes its own
    through ``<app>.nav.items(user)`` returning (label, url) pairs."""
    # Error pages rendered outside the middleware stack (static 404s) have no user.
    user = getattr(request, "user", None)
    nav: list[dict[str, str]] = []
    for module in _nav_modules():
        nav += [{"label": str(label), "url": url} for label, url in module.items(user)]
    if user is not None and user.is_authenticated and user.has_role(Service.CORE, Role.VIEWER):
        nav.append({"label": str(_("Audit log")), "url": reverse("core:audit_log")})
    context: dict[str, Any] = {"nav": nav, "current_path": request.path}
    if pagecache.is_shared_render(request):
        # A page kept for every anonymous visitor holds a hole where each visitor's own CSRF
        # token goes (core/pagecache.py); this replaces the token of the built-in processor.
        context["csrf_token"] = pagecache.CSRF_PLACEHOLDER
    return context
