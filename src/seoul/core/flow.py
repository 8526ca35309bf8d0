"""The one way a page runs an action: validate the form, call the action, map its refusals
onto the form, say what happened, redirect (post/redirect/get).

    form = TimelineForm(request.POST or None)
    done = form_action(request, form, lambda d: actions.add_timeline_entry(case, ..., actor=request.user),
                       success=_("Timeline entry added."), then=case_url)
    if done:
        return done
    return render(request, "...", {"form": form}, status=form_status(form))

Refusals: a ``ValidationError`` lands on the fields it names (unknown fields on the form as a
whole); a ``PermissionDenied`` becomes a form error and an ``authz.denied`` audit record, the
same as a refused API call. :func:`button_action` does the same for a POST without a form
(a button), with the refusals as messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from seoul.core.access import record_refusal

T = TypeVar("T")
Then = str | Callable[[Any], str | HttpResponse]
Success = str | Callable[[Any], str] | None


def refusal_message(exc: PermissionDenied) -> str:
    """What a person is told when an action refuses them (the action's own words when it gave any)."""
    message = getattr(exc, "message", None)
    return str(message) if message else _("You may not change this record.")


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a refusal's messages on the fields it names (others on the form as a whole)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)


def _finish(request: HttpRequest, result: Any, success: Success, then: Then) -> HttpResponse:
    if success:
        messages.success(request, success(result) if callable(success) else success)
    target = then(result) if callable(then) else then
    return target if isinstance(target, HttpResponse) else redirect(target)


def form_action(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], T],
    *,
    then: Then,
    success: Success = None,
) -> HttpResponse | None:
    """Run ``action(cleaned_data)`` for a valid POSTed form; the redirect on success, else None
    (the form now carries every error: render it with :func:`form_status`)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = action(form.cleaned_data)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    except PermissionDenied as exc:
        record_refusal(request, exc)
        form.add_error(None, refusal_message(exc))
        return None
    return _finish(request, result, success, then)


def button_action(
    request: HttpRequest, action: Callable[[], T], *, then: Then, success: Success = None, back: str | None = None
) -> HttpResponse:
    """Run a form-less action (a button); refusals become error messages; redirects to ``then``
    (a URL, or a function of the result), or after a refusal to ``back`` (default: ``then``)."""
    try:
        result = action()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        record_refusal(request, exc)
        messages.error(request, refusal_message(exc))
    else:
        return _finish(request, result, success, then)
    return redirect(back or then)


def form_status(form: forms.Form) -> int:
    """400 for a submitted form with errors, else 200."""
    return 400 if form.is_bound and form.errors else 200
