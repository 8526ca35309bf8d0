"""The one way pages run actions (``core.flow``) and typed refusals (``core.errors``)."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory

from seoul.core.errors import ErrorCode, Refused, codes_of
from seoul.core.flow import button_action, form_action, form_status
from seoul.core.forms import TextField
from seoul.core.models import AuditEvent, User


class DemoError(ErrorCode):
    TOO_LATE = "demo.too_late", "Too late for %(what)s."
    NOT_YOURS = "demo.not_yours", "Not yours."


class NameForm(forms.Form):
    name = TextField(max_length=20)


def _request(user: User, data: dict[str, str] | None = None) -> Any:
    request = RequestFactory().post("/x/", data or {}) if data is not None else RequestFactory().get("/x/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_error_codes_carry_code_field_and_words() -> None:
    err = DemoError.TOO_LATE.error("name", what="the report")
    assert err.message_dict == {"name": ["Too late for the report."]}
    assert codes_of(err) == ["demo.too_late"]
    denied = DemoError.NOT_YOURS.denied()
    assert isinstance(denied, PermissionDenied) and isinstance(denied, Refused)
    assert (denied.code, denied.message) == ("demo.not_yours", "Not yours.")


@pytest.mark.django_db
def test_form_action_success_failure_and_refusal(make_user: Any) -> None:
    user = make_user(username="flow.user")
    calls: list[str] = []

    def ok(d: dict[str, Any]) -> str:
        calls.append(d["name"])
        return d["name"]

    request = _request(user, {"name": "서울"})
    done = form_action(request, NameForm(request.POST), ok, then=lambda n: f"/done/{n}/", success="Saved.")
    assert (
        done is not None
        and done.status_code == 302
        and done["Location"] == "/done/%EC%84%9C%EC%9A%B8/"
        and calls == ["서울"]
    )
    assert [str(m) for m in request._messages] == ["Saved."]

    request = _request(user, {"name": "x\x00"})  # invalid: the action is not called
    form = NameForm(request.POST)
    assert form_action(request, form, ok, then="/") is None and calls == ["서울"] and form_status(form) == 400

    def late(d: dict[str, Any]) -> None:
        raise DemoError.TOO_LATE.error("name", what="it")

    request = _request(user, {"name": "서울"})
    form = NameForm(request.POST)
    assert form_action(request, form, late, then="/") is None
    assert form.errors["name"] == ["Too late for it."]

    def elsewhere(d: dict[str, Any]) -> None:
        raise ValidationError({"unknown_field": ["Refused as a whole."]})

    form = NameForm(_request(user, {"name": "서울"}).POST)
    assert form_action(_request(user, {"name": "서울"}), form, elsewhere, then="/") is None
    assert form.non_field_errors() == ["Refused as a whole."]

    def forbidden(d: dict[str, Any]) -> None:
        raise DemoError.NOT_YOURS.denied()

    request = _request(user, {"name": "서울"})
    form = NameForm(request.POST)
    assert form_action(request, form, forbidden, then="/") is None
    assert form.non_field_errors() == ["Not yours."]
    denied = AuditEvent.objects.get(event="authz.denied", actor=user)
    assert denied.new == {"refused": "demo.not_yours"}

    get = _request(user)
    assert form_action(get, NameForm(), ok, then="/") is None and form_status(NameForm()) == 200


@pytest.mark.django_db
def test_button_action_reports_refusals_as_messages(make_user: Any) -> None:
    user = make_user(username="flow.button")
    request = _request(user, {})

    def late() -> None:
        raise DemoError.TOO_LATE.error(what="the text")

    response = button_action(request, late, then="/back/", success="Sent.")
    assert response["Location"] == "/back/"
    assert [str(m) for m in request._messages] == ["Too late for the text."]

    request = _request(user, {})
    response = button_action(request, lambda: 3, then="/back/", success=lambda n: f"Sent {n}.")
    assert [str(m) for m in request._messages] == ["Sent 3."]
