"""The API's error shape for what operations do not catch themselves."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from seoul.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db


def test_a_multipart_body_without_boundary_is_a_clear_400(make_user: Callable[..., User]) -> None:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(make_user(roles={"plan": "operator"}))
    for url in ("/api/v1/plan/projects", "/api/v1/plan/projects/V1-CONTACT-TRACERS/progress"):
        response = client.generic("POST", url, b"xx", content_type="multipart/form-data")
        assert response.status_code in (400, 403), (url, response.status_code)
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()


def test_action_refusals_map_to_422_and_403() -> None:
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.test import RequestFactory

    from seoul.api import _action_denied, _action_refused
    from seoul.core.errors import ErrorCode

    class Demo(ErrorCode):
        LATE = "demo.late", "Too late for %(what)s."

    request = RequestFactory().post("/api/v1/x")
    refused = _action_refused(request, ValidationError({"day": [Demo.LATE.error(what="it")]}))
    assert refused.status_code == 422
    import json

    assert json.loads(refused.content) == {
        "detail": [{"loc": ["body", "day"], "msg": "Too late for it.", "type": "demo.late"}]
    }
    whole = json.loads(_action_refused(request, ValidationError("Nope.", code="x.nope")).content)
    assert whole == {"detail": [{"loc": ["body"], "msg": "Nope.", "type": "x.nope"}]}
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    denied = _action_denied(request, PermissionDenied("not yours"))
    assert denied.status_code == 403 and AuditEvent.objects.filter(event="authz.denied").exists()
