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
