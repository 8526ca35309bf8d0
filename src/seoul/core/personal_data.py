"""The reason-for-access step: before a page shows personal data, the reader states why.

A reason is asked **once per record per working session** (the sign-in session, at most one
working day), never carried in the URL, and recorded with every audit event of a view of that
record. Each service offers reasons that fit its work (역학조사 in tracing, 보증 심사 in the
guarantee service, …) as a ``Purpose`` enum registered with :func:`register_purposes`.

In a view::

    reason = personal_data.need_reason(request, case, purposes=TracingPurpose, title=...)
    audit.record(..., reason=str(reason))

:func:`need_reason` returns the reason already stated for this record in this session, or
raises :class:`ReasonRequired`; ``ReasonMiddleware`` answers that with the reason form, which
posts to :func:`state_reason` and comes back to the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core import signing
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from seoul.core.forms import TextField

log = logging.getLogger("seoul.personal_data")

SESSION_KEY = "seoul.reasons"
MAX_REMEMBERED = 200  # records per session; the oldest are forgotten first
_SALT = "seoul.personal_data.reason"


class Purpose(models.TextChoices):
    """Base of each service's reasons for opening personal data (values ``<service>.<what>``)."""


class CorePurpose(Purpose):
    AUDIT = "core.audit", gettext_lazy("Internal audit or inspection")
    SECURITY = "core.security", gettext_lazy("Reviewing a security incident")
    LEGAL = "core.legal", gettext_lazy("A request under the law (a court, investigative body or the person)")


_PURPOSES: dict[str, type[Purpose]] = {}
_LABELS: dict[str, Any] = {}


def register_purposes(choices: type[Purpose]) -> type[Purpose]:
    _PURPOSES[choices.__qualname__] = choices
    for value, label in choices.choices:
        _LABELS[value] = label
    return choices


register_purposes(CorePurpose)

# Reasons stored before purposes were per service (a generic list), for old audit rows.
_LEGACY = {
    "investigation": gettext_lazy("Investigating a case or complaint"),
    "service": gettext_lazy("Providing the service the person asked for"),
    "audit": gettext_lazy("Internal audit or inspection"),
    "security": gettext_lazy("Security incident review"),
    "legal": gettext_lazy("Legal request"),
}


def purpose_label(code: str) -> Any:
    """The words of a purpose code (current or legacy), or None."""
    return _LABELS.get(code) or _LEGACY.get(code)


@dataclass(frozen=True)
class Reason:
    purpose: str
    detail: str

    def __str__(self) -> str:
        # the audit log's format, "code: detail" (rendered in words by the audit_reason filter)
        return f"{self.purpose}: {self.detail}"[:1000]


def subject_key(subject: models.Model | str) -> str:
    """``tracing.case:12`` for a record, or the string itself (e.g. ``tracing.search``)."""
    if isinstance(subject, str):
        return subject
    return f"{subject._meta.label_lower}:{subject.pk}"


def stated(request: HttpRequest, subject: models.Model | str) -> Reason | None:
    found = request.session.get(SESSION_KEY, {}).get(subject_key(subject))
    if not found:
        return None
    return Reason(found["purpose"], found["detail"])


def carry_reason(
    request: HttpRequest, source: models.Model | str, target: models.Model | str, *, keep: bool = False
) -> None:
    """A record of the same piece of work as another (a contact who became a case, a contact
    opened from its case) opens with the reason stated for the other instead of asking again.
    ``keep``: a reason already stated for ``target`` itself stays."""
    reason = stated(request, source)
    if reason is not None and not (keep and stated(request, target) is not None):
        reasons = dict(request.session.get(SESSION_KEY, {}))
        reasons[subject_key(target)] = {"purpose": reason.purpose, "detail": reason.detail}
        request.session[SESSION_KEY] = reasons


class ReasonRequired(Exception):
    """No reason has been stated for this record in this session: show the reason form."""

    def __init__(self, *, subject: str, purposes: type[Purpose], title: str, back: str) -> None:
        super().__init__(subject)
        self.subject = subject
        self.purposes = purposes
        self.title = title
        self.back = back


def need_reason(
    request: HttpRequest,
    subject: models.Model | str,
    *,
    purposes: type[Purpose],
    title: str,
    back: str | None = None,
) -> Reason:
    """The reason stated for ``subject`` in this session, else :class:`ReasonRequired`.

    Once it is stated the reader comes back to this page (a GET), or, for a POST that arrived
    without a reason (the session expired), to ``back`` (else the referring page): what was
    posted cannot be replayed."""
    reason = stated(request, subject)
    if reason is not None:
        return reason
    if request.method == "GET":
        back = request.get_full_path()
    raise ReasonRequired(
        subject=subject_key(subject), purposes=purposes, title=str(title), back=back or _referrer(request)
    )


def _referrer(request: HttpRequest) -> str:
    referrer = request.headers.get("Referer", "")
    if referrer and url_has_allowed_host_and_scheme(referrer, {request.get_host()}, require_https=request.is_secure()):
        return referrer
    return "/"


class ReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why do you need this record?"),
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose a reason.")},
    )
    reason_detail = TextField(
        label=gettext_lazy("Details (case number, request, ...)"),
        min_length=5,
        max_length=500,
        error_messages={
            "required": gettext_lazy("Describe the reason in at least 5 characters."),
            "min_length": gettext_lazy("Describe the reason in at least 5 characters."),
        },
    )

    def __init__(self, *args: Any, purposes: type[Purpose], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = purposes.choices  # type: ignore[attr-defined]


def _ticket(exc: ReasonRequired) -> str:
    return signing.dumps(
        {"s": exc.subject, "p": exc.purposes.__qualname__, "t": exc.title, "b": exc.back}, salt=_SALT, compress=True
    )


def reason_page(request: HttpRequest, exc: ReasonRequired, form: ReasonForm | None = None) -> HttpResponse:
    form = form or ReasonForm(purposes=exc.purposes)
    status = 400 if form.errors or request.method == "POST" else 200
    choices = [(value, value.partition(".")[2] or value, label) for value, label in exc.purposes.choices]
    context = {"title": exc.title, "form": form, "ticket": _ticket(exc), "choices": choices}
    return render(request, "core/reason_form.html", context, status=status)


def state_reason(request: HttpRequest) -> HttpResponse:
    """POST target of the reason form: remember the reason for the record, then go back."""
    try:
        data = signing.loads(request.POST.get("ticket", ""), salt=_SALT, max_age=60 * 60 * 8)
        exc = ReasonRequired(subject=data["s"], purposes=_PURPOSES[data["p"]], title=data["t"], back=data["b"])
    except (signing.BadSignature, KeyError, TypeError):
        log.warning("reason form with a bad ticket from %s", request.user)
        return render(
            request,
            "core/error.html",
            {"status": 400, "message": _("The form expired. Go back, reload the page and try again.")},
            status=400,
        )
    form = ReasonForm(request.POST, purposes=exc.purposes)
    if not form.is_valid():
        return reason_page(request, exc, form)
    reasons: dict[str, dict[str, str]] = dict(request.session.get(SESSION_KEY, {}))
    reasons.pop(exc.subject, None)
    reasons[exc.subject] = {
        "purpose": form.cleaned_data["reason"],
        "detail": form.cleaned_data["reason_detail"],
        "at": timezone.now().isoformat(),
    }
    while len(reasons) > MAX_REMEMBERED:
        reasons.pop(next(iter(reasons)))
    request.session[SESSION_KEY] = reasons
    back = exc.back
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return HttpResponseRedirect(back)


class ReasonMiddleware:
    """Answers :class:`ReasonRequired` raised by a view with the reason form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ReasonRequired):
            return reason_page(request, exception)
        return None
