"""The OpenAPI document is true and the API never fails on what a client can send.

Schemathesis generates requests for every operation of ``/api/v1/openapi.json`` from the
document itself — valid and invalid bodies, queries and paths — with and without credentials,
and checks each answer: no server error, a status code the document lists, a body matching the
documented schema, invalid data rejected. Examples are derandomised and bounded so the run is
the same each time and fits in ``make test``; ``SEOUL_FUZZ_EXAMPLES`` raises the bound for a
longer local run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, settings

from seoul.core import actions as core_actions
from seoul.core.models import Institution, ServiceRole, User
from seoul.wsgi import application

EXAMPLES = int(os.environ.get("SEOUL_FUZZ_EXAMPLES", "25"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
# Batch operations validate each item on its own and answer 200 with a per-item report (index,
# field, reason) so that the good items of a batch are never lost; a batch with a bad item is
# therefore not "rejected" as a whole, by design. Every other operation must refuse any request
# that violates the document.
BATCHES = {
    "/api/v1/metro/gate-events",
    "/api/v1/metro/tagless-windows",
    "/api/v1/metro/sensor-readings",
    "/api/v1/tracing/cases/{case_id}/candidates",
}


def checks_for(case: Any) -> list[Any]:
    if case.operation.path in BATCHES:
        return CHECKS
    return [*CHECKS, schemathesis.checks.negative_data_rejection]


# The document is read through the application itself (no database needed to serve it).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def credentials(reference: None) -> dict[str, str]:
    """A platform admin's session (with its CSRF token) for session operations, and a staff
    token holding every machine role for token operations."""
    admin = User.objects.create_user(username="fuzz.admin", kind=User.Kind.PLATFORM_ADMIN)
    session = SessionStore()
    session[SESSION_KEY] = str(admin.pk)
    session[BACKEND_SESSION_KEY] = "seoul.core.backends.UserWithRolesBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session.create()
    machine = User.objects.create_user(
        username="fuzz.machine", kind=User.Kind.STAFF, institution=Institution.objects.get(code="SEOUL_METRO")
    )
    for service in ("metro", "tracing"):
        ServiceRole.objects.create(user=machine, service=service, role="admin")
    token = core_actions.issue_token(None, machine, "fuzz")
    csrf = _get_new_csrf_string()
    headers = {
        "Cookie": f"sessionid={session.session_key}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Authorization": f"Bearer {token}",
    }
    # Both credentials are accepted, so the fuzzing reaches past authentication.
    client = Client()
    assert client.get("/api/v1/tracing/indicators", HTTP_COOKIE=headers["Cookie"]).status_code == 200
    batch = client.post(
        "/api/v1/metro/gate-events", "{}", content_type="application/json", HTTP_AUTHORIZATION=headers["Authorization"]
    )
    assert batch.status_code == 422, batch.content
    return headers


@contextmanager
def keeping_the_test_connection() -> Iterator[None]:
    """Requests go straight to the WSGI application, which closes the database connection when
    a request starts and finishes outside autocommit: inside a test's transaction on PostgreSQL
    that would close the test's own connection. Django's test client unhooks the same handler
    around each of its requests (and hooks it again after, so this is done around each call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_operations_without_credentials(case: Any, reference: None) -> None:
    with keeping_the_test_connection():
        case.call_and_validate(checks=checks_for(case))


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_operations_with_credentials(case: Any, credentials: dict[str, str]) -> None:
    with keeping_the_test_connection():
        case.call_and_validate(headers=credentials, checks=checks_for(case))
