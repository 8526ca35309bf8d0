"""Two requests at the same moment for the same business or the same application: one effect.

Real threads on real connections, so these run against PostgreSQL (``.ci/run``): SQLite's
in-memory test database is shared by a single writer and would only serialise the threads.
The deterministic interleavings of the same races run everywhere (test_actions.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.models import Application
from seoul.guarantee.tests.builders import GOOD_BRN, draft, profile

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: run with DATABASE_URL pointing at PostgreSQL (.ci/run)")


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; each result, or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_confirmations_of_one_business_at_once_leave_one_application(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    tabs = [
        actions.save_answer(actions.start_application(actor=citizen), "brn", GOOD_BRN, actor=citizen) for _ in range(2)
    ]
    results = at_once(*(lambda app=app: actions.confirm_business(app, consent=True, actor=citizen) for app in tabs))
    refused = [r for r in results if isinstance(r, ValidationError)]
    confirmed = [r for r in results if isinstance(r, Application)]
    assert len(confirmed) == 1 and len(refused) == 1, results
    assert codes_of(refused[0]) == ["guarantee.business_has_your_application"]
    holding = Application.objects.filter(brn_index=tabs[0].brn_index, business_confirmed_at__isnull=False)
    assert list(holding.values_list("pk", flat=True)) == [confirmed[0].pk]


def test_two_sends_of_one_application_at_once_screen_it_once(citizen: User, docs_service: Any) -> None:
    docs_service.register(profile())
    app = draft(citizen)
    tabs = [Application.objects.get(pk=app.pk) for _ in range(2)]
    results = at_once(*(lambda tab=tab: actions.submit(tab, actor=citizen) for tab in tabs))
    sent = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(sent) == 1 and len(refused) == 1, results
    assert codes_of(refused[0]) == ["guarantee.already_submitted"]
    submits = AuditEvent.objects.filter(event="guarantee.transition", target_id=str(app.pk), new__state="submitted")
    assert submits.count() == 1
