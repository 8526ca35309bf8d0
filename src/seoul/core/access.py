"""Route access declarations and enforcement (pages and API).

Every page view is wrapped by one of :func:`public`, :func:`signed_in` or
:func:`require_role`; every API operation names an ``auth`` from here or is listed public.
``tests/test_routes.py`` walks every URL and fails on any route without a declaration.
Refusals are audited.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from seoul.core import audit
from seoul.core.roles import ACCESS_ATTR, Access

log = logging.getLogger("seoul.access")

View = TypeVar("View", bound=Callable[..., Any])


def _mark(view: Any, access: Access) -> Any:
    setattr(view, ACCESS_ATTR, access)
    return view


def public(view: View) -> View:
    """Anyone, signed in or not, may open this route."""
    return _mark(view, Access("public"))  # type: ignore[no-any-return]


def _deny(request: HttpRequest, access: Access) -> HttpResponse:
    audit.record(audit.CoreEvent.ACCESS_DENIED, request=request, new={"needs": access.describe()}, service="core")
    log.warning("refused %s %s to %s (needs %s)", request.method, request.path, request.user, access.describe())
    return render(
        request,
        "core/error.html",
        {"status": 403, "message": _("You do not have permission to open this page.")},
        status=403,
    )


def signed_in(view: View) -> View:
    """Any signed-in person (citizen or staff)."""
    access = Access("authenticated")

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return _mark(wrapper, access)  # type: ignore[no-any-return]


def require_role(service: str, role: str) -> Callable[[View], View]:
    """Staff holding at least ``role`` in ``service`` (platform admins hold every role)."""
    access = Access("role", service=service, role=role)

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(service, role):
                return _deny(request, access)
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        return _mark(wrapper, access)  # type: ignore[no-any-return]

    return decorate


class RoleAuth(SessionAuth):
    """django-ninja auth: a signed-in session (with CSRF on writes) holding a service role.

    Not signed in gives 401; signed in without the role gives 403 and an audit record.
    """

    def __init__(self, service: str, role: str):
        super().__init__(csrf=True)
        self.access = Access("role", service=service, role=role)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None:
            return None
        if not user.has_role(self.access.service, self.access.role):
            audit.record(
                audit.CoreEvent.ACCESS_DENIED, request=request, new={"needs": self.access.describe()}, service="core"
            )
            raise HttpError(403, _("This operation needs the role %(role)s.") % {"role": self.access.describe()})
        return user


class TokenRoleAuth(HttpBearer):
    """django-ninja auth for machines: ``Authorization: Bearer st_...`` of an active token
    whose staff account holds the service role. No CSRF (no cookies involved)."""

    def __init__(self, service: str, role: str):
        super().__init__()
        self.access = Access("role", service=service, role=role)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from django.utils import timezone

        from seoul.core.actions import token_hash
        from seoul.core.models import ApiToken

        found = ApiToken.objects.select_related("user").filter(key_hash=token_hash(token), revoked_at=None).first()
        if found is None or not found.user.is_active:
            return None
        if not found.user.has_role(self.access.service, self.access.role):
            audit.record(
                audit.CoreEvent.ACCESS_DENIED, actor=found.user, request=request, new={"needs": self.access.describe()}
            )
            raise HttpError(403, _("This operation needs the role %(role)s.") % {"role": self.access.describe()})
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


def record_refusal(request: HttpRequest, exc: Exception) -> None:
    """Audit an action's refusal of the signed-in person (``authz.denied``), as route checks do."""
    audit.record(
        audit.CoreEvent.ACCESS_DENIED,
        request=request,
        new={"refused": str(getattr(exc, "code", "") or exc)[:200]},
        service="core",
    )
    log.warning("refused %s %s to %s: %s", request.method, request.path, request.user, exc)
