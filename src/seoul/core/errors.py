"""Typed refusals: each app declares an ``ErrorCode`` enum of what its actions refuse, with the
message a person reads (translatable). Actions raise ``Code.X.error(field=...)`` (a Django
``ValidationError`` carrying the code) or ``Code.X.denied()`` (a ``PermissionDenied``); pages map
them onto forms (``core.flow``) and the API onto ``{"detail": [{"loc", "msg", "type"}]}``.

    class TracingError(ErrorCode):
        NOT_IN_SCOPE = "tracing.not_in_scope", _("This case is not assigned to you, ...")

A message may carry ``%(name)s`` placeholders filled from keyword arguments.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models


class Refused(PermissionDenied):
    """The actor may not do this; ``code`` says why (an ``ErrorCode`` value)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ErrorCode(models.TextChoices):
    """Base of the per-app error enums (values ``<app>.<what>``, labels the messages)."""

    def message(self, **params: Any) -> str:
        text = str(self.label)
        return text % params if params else text

    def error(self, field: str | None = None, **params: Any) -> ValidationError:
        """A ValidationError with this code, on ``field`` (None: the whole form)."""
        err = ValidationError(self.message(**params), code=self.value)
        return ValidationError({field: [err]}) if field else err

    def denied(self, **params: Any) -> Refused:
        return Refused(self.value, self.message(**params))


def codes_of(exc: ValidationError) -> list[str]:
    """The error codes a ValidationError carries (``None`` codes left out)."""
    found: list[str] = []
    for err in exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]:
        for e in err:
            if getattr(e, "code", None):
                found.append(str(e.code))
    return found
