"""Audit of sign-in events. Django's auth signals are the only hook these events have."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from seoul.core import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(audit.CoreEvent.LOGIN_SUCCEEDED, actor=user, request=request, service="core", target=user)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        audit.CoreEvent.LOGIN_FAILED,
        actor_label=username,
        request=request,
        service="core",
        target_type="core.user",
        target_label=username,
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(audit.CoreEvent.LOGOUT, actor=user, request=request, service="core", target=user)


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: Any, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    audit.record(
        audit.CoreEvent.LOGIN_LOCKED_OUT,
        actor_label=(username or "")[:150],
        request=request,
        service="core",
        target_type="core.user",
        target_label=(username or "")[:150],
    )
