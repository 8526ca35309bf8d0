from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from seoul.core import retention
from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.models import Application, Document
from seoul.guarantee.tests.builders import referred

pytestmark = pytest.mark.django_db


def test_old_drafts_go_and_old_closed_files_lose_their_personal_data(
    citizen: User, docs_service: Any, examiner: User
) -> None:
    old_draft = actions.start_application(actor=citizen)
    fresh_draft = actions.start_application(actor=citizen)
    closed = actions.review(referred(citizen, docs_service), "reject", "Not this year.", actor=examiner)
    assert closed.state == "rejected" and Document.objects.filter(application=closed).exists()
    now = timezone.now()
    Application.objects.filter(pk=old_draft.pk).update(created_at=now - timedelta(days=91))
    Application.objects.filter(pk=closed.pk).update(state_changed_at=now - timedelta(days=1827))
    retention.run(now=now)
    assert not Application.objects.filter(pk=old_draft.pk).exists()
    assert Application.objects.filter(pk=fresh_draft.pk).exists()
    closed.refresh_from_db()
    assert closed.brn == "" and closed.phone == "" and closed.state == "rejected" and closed.amount
    assert not Document.objects.filter(application=closed).exists()
    assert AuditEvent.objects.filter(event="core.data.destroyed", target_type="guarantee.closed_files").exists()
    # a second run finds nothing more to erase
    assert [r for r in retention.run(now=now, dry_run=True) if r["app"] == "guarantee" and r["would_delete"]] == []


def test_a_file_whose_loan_or_claim_is_still_running_keeps_its_personal_data(
    citizen: User, docs_service: Any, bank: Any
) -> None:
    import json

    from seoul.guarantee.models import LoanEvent
    from seoul.guarantee.tests.builders import CALLBACK, certificate, wait_for

    cert = certificate(citizen, docs_service)
    assert actions.send_certificate(cert, CALLBACK) == "sent"
    wait_for(lambda: len(bank.captured) == 2)
    for _u, body, headers in bank.captured:
        actions.receive_webhook(body, signature=headers["X-Bank-Signature"])
    now = timezone.now()
    long_ago = now - timedelta(days=1827)
    Application.objects.filter(pk=cert.application_id).update(state_changed_at=long_ago)
    retention.run(now=now)
    assert Application.objects.get(pk=cert.application_id).brn  # the loan is being repaid
    payout = next(json.loads(b) for _u, b, _h in bank.captured if json.loads(b)["type"] == "loan.executed")
    start = len(bank.captured)
    bank.report(CALLBACK, payout, "prepaid", principal=10_000_000, interest=0)
    actions.receive_webhook(bank.captured[start][1], signature=bank.captured[start][2]["X-Bank-Signature"])
    retention.run(now=now)
    assert Application.objects.get(pk=cert.application_id).brn  # repaid just now: the count starts again
    LoanEvent.objects.filter(loan__certificate=cert).update(received_at=long_ago)
    retention.run(now=now)
    assert Application.objects.get(pk=cert.application_id).brn == ""  # five years after it ended
