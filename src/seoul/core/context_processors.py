from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from seoul.core.navigation import entries


def platform(request: HttpRequest) -> dict[str, Any]:
    """The main menu entries the current person may open (each app offers its own through
    ``<app>.nav.items(user)``, see ``core/navigation.py``)."""
    # Error pages rendered outside the middleware stack (static 404s) have no user.
    return {
        "nav": entries(getattr(request, "user", None)),
        "current_path": request.path,
        "home_path": reverse("core:home"),
    }
