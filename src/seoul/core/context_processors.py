from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from seoul.core import pagecache
from seoul.core.navigation import entries


def platform(request: HttpRequest) -> dict[str, Any]:
    """The main menu entries the current person may open (each app offers its own through
    ``<app>.nav.items(user)``, see ``core/navigation.py``)."""
    # Error pages rendered outside the middleware stack (static 404s) have no user.
    context: dict[str, Any] = {
        "nav": entries(getattr(request, "user", None)),
        "current_path": request.path,
        "home_path": reverse("core:home"),
    }
    if pagecache.is_shared_render(request):
        # A page kept for every anonymous visitor holds a hole where each visitor's own CSRF
        # token goes (core/pagecache.py); this replaces the token of the built-in processor.
        context["csrf_token"] = pagecache.CSRF_PLACEHOLDER
    return context
