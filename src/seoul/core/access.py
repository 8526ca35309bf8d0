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
from django.utils.translation import gettext_lazy
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


# Reasons a person may give for opening personal data. The choice and the free text are both
# recorded with the audit event.
PERSONAL_DATA_REASONS = [
    ("investigation", gettext_lazy("Investigating a case or complaint")),
    ("service", gettext_lazy("Providing the service the person asked for")),
    ("audit", gettext_lazy("Internal audit or inspection")),
    ("security", gettext_lazy("Security incident review")),
    ("legal", gettext_lazy("Legal request")),
]


def personal_data_reason(request: HttpRequest) -> str | None:
    """The reason stated for this view of personal data, or None if none was given.

    Views that show personal data call this first and, when it returns None, render
    ``core/reason_form.html`` (see :func:`ask_reason`) instead of the data.
    """
    code = request.GET.get("reason", "")
    detail = request.GET.get("reason_detail", "").strip()
    valid = dict(PERSONAL_DATA_REASONS)
    if code not in valid or len(detail) < 5:
        return None
    return f"{code}: {detail}"[:1000]


def ask_reason(request: HttpRequest, title: str) -> HttpResponse:
    errors = {}
    # An unchecked radio group is not sent at all, so either field means "submitted".
    if "reason" in request.GET or "reason_detail" in request.GET:
        if request.GET.get("reason") not in dict(PERSONAL_DATA_REASONS):
            errors["reason"] = _("Choose a reason.")
        if len(request.GET.get("reason_detail", "").strip()) < 5:
            errors["reason_detail"] = _("Describe the reason in at least 5 characters.")
    keep = {k: v for k, v in request.GET.items() if k not in ("reason", "reason_detail")}
    return render(
        request,
        "core/reason_form.html",
        {"title": title, "reasons": PERSONAL_DATA_REASONS, "errors": errors, "keep": keep},
        # A write that arrives without a stated reason is refused, not silently re-asked.
        status=400 if errors or request.method == "POST" else 200,
    )
