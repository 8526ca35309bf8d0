"""Writing the audit log.

Every app records its events through :func:`record`; the request context (actor, address,
route) is picked up from the current request set by ``RequestContextMiddleware``, so actions
deep in the call stack need not pass the request around. Event codes are typed: each app
declares a ``TextChoices`` of its codes and registers it with :func:`register_events`.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core.models import AuditEvent, User

log = logging.getLogger("seoul.audit")


class CoreEvent(models.TextChoices):
    LOGIN_SUCCEEDED = "auth.login.succeeded", _("Sign-in succeeded")
    LOGIN_FAILED = "auth.login.failed", _("Sign-in failed")
    LOGIN_LOCKED_OUT = "auth.login.locked_out", _("Account locked after failed sign-ins")
    LOGOUT = "auth.logout", _("Signed out")
    ACCESS_DENIED = "authz.denied", _("Access refused")
    PERSONAL_DATA_VIEWED = "personal_data.viewed", _("Personal data viewed")
    PERSONAL_DATA_EXPORTED = "personal_data.exported", _("Personal data exported")
    DATA_EXPORTED = "data.exported", _("Data exported")
    AUDIT_SEARCHED = "audit.searched", _("Audit log searched")
    USER_CREATED = "core.user.created", _("Account created")
    ROLE_GRANTED = "core.role.granted", _("Role granted")
    TOKEN_ISSUED = "core.token.issued", _("API token issued")
    REFERENCE_LOADED = "core.reference.loaded", _("Reference data loaded")
    DATA_DESTROYED = "core.data.destroyed", _("Personal data destroyed (retention)")


_EVENT_TYPES: dict[str, Any] = {}


def register_events(choices: type[models.TextChoices]) -> None:
    for value, label in choices.choices:
        _EVENT_TYPES[value] = label


def event_choices() -> list[tuple[str, Any]]:
    return sorted(_EVENT_TYPES.items())


def event_label(code: str) -> Any:
    return _EVENT_TYPES.get(code, code)


register_events(CoreEvent)


@dataclass(frozen=True)
class RequestContext:
    user: User | None
    ip: str | None
    route: str
    method: str


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("seoul_request", default=None)


def set_request_context(ctx: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def reset_request_context(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


def client_ip(request: Any) -> str | None:
    # Behind the city's reverse proxy the proxy sets REMOTE_ADDR via the WSGI server's
    # forwarded-allow-ips; we do not trust X-Forwarded-For from clients.
    ip = request.META.get("REMOTE_ADDR")
    return str(ip) if ip else None


def context_from_request(request: Any) -> RequestContext:
    user = getattr(request, "user", None)
    return RequestContext(
        user=user if user is not None and user.is_authenticated else None,
        ip=client_ip(request),
        route=request.path[:300],
        method=request.method or "",
    )


def _label(obj: Any) -> str:
    return str(obj)[:200] if obj is not None else ""


def record(
    event: str,
    *,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_label: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
    service: str = "",
    actor: User | None = None,
    actor_label: str = "",
    request: Any = None,
) -> AuditEvent:
    """Append one event. Call it inside the action's transaction so both commit together."""
    ctx = context_from_request(request) if request is not None else _current.get()
    if actor is None and ctx is not None:
        actor = ctx.user
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
        target_label = target_label or _label(target)
    event_obj = AuditEvent(
        at=timezone.now(),
        event=str(event),
        service=service or str(event).split(".", 1)[0],
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor is not None else ""),
        institution_id=getattr(actor, "institution_id", None),
        ip=ctx.ip if ctx else None,
        route=ctx.route if ctx else "",
        method=ctx.method if ctx else "",
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:200],
        old=old,
        new=new,
        reason=reason,
    )
    event_obj.save()
    log.debug("audit %s actor=%s target=%s:%s", event, event_obj.actor_label, target_type, target_id)
    return event_obj
