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
from typing import Any

import pytest
import schemathesis
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.middleware.csrf import _get_new_csrf_string
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
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = admin.get_session_auth_hash()
    session.create()
    machine = User.objects.create_user(
        username="fuzz.machine", kind=User.Kind.STAFF, institution=Institution.objects.get(code="SEOUL_METRO")
    )
    for service in ("metro", "tracing"):
        ServiceRole.objects.create(user=machine, service=service, role="admin")
    token = core_actions.issue_token(None, machine, "fuzz")
    csrf = _get_new_csrf_string()
    return {
        "Cookie": f"sessionid={session.session_key}; csrftoken={csrf}",
        "X-CSRFToken": csrf,
        "Authorization": f"Bearer {token}",
    }


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
    case.call_and_validate(checks=checks_for(case))


@pytest.mark.django_db
@schema.parametrize()
@FUZZ
def test_operations_with_credentials(case: Any, credentials: dict[str, str]) -> None:
    case.call_and_validate(headers=credentials, checks=checks_for(case))
