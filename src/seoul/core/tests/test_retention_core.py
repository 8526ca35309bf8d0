"""The platform's own sign-in records and sessions are destroyed on time, like services' data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.utils import timezone

from seoul.core import retention
from seoul.core.models import AuditEvent, PhoneChallenge

pytestmark = pytest.mark.django_db


def test_sign_in_records_and_expired_sessions_are_destroyed_after_their_period() -> None:
    now = timezone.now()
    old_log = AccessLog.objects.create(username="a", ip_address="10.0.0.1", user_agent="x")
    new_log = AccessLog.objects.create(username="b", ip_address="10.0.0.2", user_agent="x")
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=now - timedelta(days=retention.SIGN_IN_LOG_DAYS + 1))
    old_attempt = AccessAttempt.objects.create(username="c", ip_address="10.0.0.3", failures_since_start=2)
    AccessAttempt.objects.filter(pk=old_attempt.pk).update(attempt_time=now - timedelta(days=2))
    AccessAttempt.objects.create(username="d", ip_address="10.0.0.4", failures_since_start=1)
    old_failure = AccessFailureLog.objects.create(username="c", ip_address="10.0.0.3", locked_out=False)
    AccessFailureLog.objects.filter(pk=old_failure.pk).update(attempt_time=now - timedelta(days=2))
    Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(minutes=1))
    Session.objects.create(session_key="live", session_data="x", expire_date=now + timedelta(hours=1))
    for age in (timedelta(days=retention.PHONE_CHALLENGE_DAYS, minutes=1), timedelta(hours=1)):
        PhoneChallenge.objects.create(
            purpose="t", phone="01012345678", code_hash="x", created_at=now - age, expires_at=now - age
        )

    dry = {r["policy"]: r["would_delete"] for r in retention.run(now=now, dry_run=True) if r["app"] == "core"}
    assert dry == {"sign_in_log": 1, "failed_sign_ins": 2, "expired_sessions": 1, "phone_challenges": 1}
    report = {r["policy"]: r["deleted"] for r in retention.run(now=now) if r["app"] == "core"}
    assert report["sign_in_log"] == {"sign_ins": 1}
    assert report["failed_sign_ins"] == {"attempts": 1, "failures": 1}
    assert report["expired_sessions"] == {"sessions": 1}
    assert report["phone_challenges"] == {"phone_challenges": 1}
    assert PhoneChallenge.objects.count() == 1
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [new_log.pk]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["d"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
    assert AuditEvent.objects.filter(event="core.data.destroyed", service="core").count() == 4
