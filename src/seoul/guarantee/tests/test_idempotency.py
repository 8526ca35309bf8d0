"""Whatever order and number of times the bank's webhooks arrive, one loan is recorded."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core.engine import brn
from seoul.core.models import User
from seoul.guarantee.models import Loan, WebhookEvent
from seoul.guarantee.tests.builders import certificate, deliver

pytestmark = pytest.mark.django_db
serial = count(1000)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["accepted", "loan", "loan_other_id"]), min_size=1, max_size=8))
def test_any_sequence_of_deliveries_records_at_most_one_loan(
    citizen: User, docs_service: Any, deliveries: list[str]
) -> None:
    cert = certificate(citizen, docs_service, brn.make(f"22081{next(serial) % 10_000:04d}"))
    events = {
        "accepted": {"event_id": f"a-{cert.number}", "type": "certificate.accepted"},
        "loan": {"event_id": f"l-{cert.number}", "type": "loan.executed", "loan_id": f"LN-{cert.number}"},
        # the bank re-sends the execution under a new event id (its own retry bug)
        "loan_other_id": {"event_id": f"l2-{cert.number}", "type": "loan.executed", "loan_id": f"LN-{cert.number}"},
    }
    for name in deliveries:
        deliver({**events[name], "certificate_number": cert.number, "amount": cert.amount})
    loans = Loan.objects.filter(certificate=cert).count()
    assert loans == (1 if {"loan", "loan_other_id"} & set(deliveries) else 0)
    assert WebhookEvent.objects.filter(payload__certificate_number=cert.number).count() == len(set(deliveries))
    cert.application.refresh_from_db()
    assert cert.application.state == ("loan_executed" if loans else "certificate_issued")
