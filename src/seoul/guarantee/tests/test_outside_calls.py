"""Outside services are called after the transaction commits, never while one is open or a row
is locked: SMS and e-mail (recorded as pending, sent on commit, retried by the job), the bank,
the document service and simple authentication."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from seoul.core.models import AuditEvent, User
from seoul.guarantee import actions
from seoul.guarantee.actions import notifications
from seoul.guarantee.adapters import clients
from seoul.guarantee.models import Certificate, Notification
from seoul.guarantee.tests.builders import (
    CALLBACK,
    PAYMENTS_WEBHOOK,
    STRANGER,
    deliver,
    identify,
    referred,
    submitted,
)

RETURN = "http://testserver/guarantee/apply/x/pay/return/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def depth_at_each_call(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every call to an outside service, with how many transactions were open beyond the
    test's own when it was made (0: none)."""
    baseline = len(connection.atomic_blocks)
    calls: list[tuple[str, int]] = []

    def watch(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def watched(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, len(connection.atomic_blocks) - baseline))
            return call(*args, **kwargs)

        return watched

    for name in ("start_auth", "auth_status", "consent_token", "fetch_documents", "create_payment", "send_certificate"):
        monkeypatch.setattr(clients, name, watch(name, getattr(clients, name)))
    gateway = clients.notifier()
    monkeypatch.setattr(gateway, "send", watch("notify", gateway.send))
    return calls


def test_no_outside_call_is_made_inside_a_transaction(
    make_user: Callable[..., User],
    docs_service: Any,
    bank: Any,
    gateway: Any,
    examiner: User,
    depth_at_each_call: list[tuple[str, int]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Before: ``_notify`` sent the SMS inside the transaction that changed the state (and held
    the application's row lock while the gateway answered). Now every call — sign-in, the
    document service, the SMS gateway, the payment gateway, the bank — happens with no transaction of
    the action open."""
    with django_capture_on_commit_callbacks(execute=True):
        citizen = identify(make_user(kind=User.Kind.CITIZEN, institution=None))
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(citizen, docs_service)  # approved: an SMS
    with django_capture_on_commit_callbacks(execute=True):
        actions.sign_agreement(app, agreed=True, actor=citizen, callback_url=CALLBACK)
    with django_capture_on_commit_callbacks(execute=True):  # the payment gateway
        checkout = actions.start_payment(app, actor=citizen, return_url=RETURN, webhook_url=PAYMENTS_WEBHOOK)
    gateway.complete(checkout.rsplit("/", 1)[-1], "pay")
    assert gateway.webhooks.drain()
    _url, body, headers = gateway.captured[0]
    with django_capture_on_commit_callbacks(execute=True):  # paid: an SMS, and the certificate to the bank
        outcome = actions.receive_payment_webhook(body, signature=headers["X-Gateway-Signature"], callback_url=CALLBACK)
    assert outcome == "paid"
    cert = Certificate.objects.get(application=app)
    with django_capture_on_commit_callbacks(execute=True):
        file = referred(identify(None, STRANGER), docs_service, number="1248100998", business={"person": STRANGER})
    with django_capture_on_commit_callbacks(execute=True):
        actions.review(file, "reject", "Sales fell by half: not now.", actor=examiner)  # an SMS
    with django_capture_on_commit_callbacks(execute=True):
        deliver({"event_id": "e-loan", "type": "loan.executed", "certificate_number": cert.number, "loan_id": "L1"})
    called = {name for name, _depth in depth_at_each_call}
    expected = {"start_auth", "auth_status", "consent_token", "fetch_documents", "create_payment", "send_certificate"}
    assert expected | {"notify"} <= called
    assert [c for c in depth_at_each_call if c[1] != 0] == []
    # approved, fee received, received, not approved, paid out
    assert Notification.objects.filter(status="sent").count() == 5


def test_a_notification_is_sent_once_after_commit(
    citizen: User, docs_service: Any, notifier: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as pending:
        app = submitted(citizen, docs_service)
    note = Notification.objects.get(application=app)
    assert note.status == "pending" and notifier.sent == []  # nothing sent before the commit
    for callback in pending:
        callback()
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 1) and note.sent_at is not None
    assert len(notifier.sent) == 1 and app.reference in notifier.sent[0][2]
    assert notifications.deliver(note.pk) == "skipped"  # sent: a second delivery does nothing
    assert len(notifier.sent) == 1
    assert AuditEvent.objects.filter(event="guarantee.notified", target_id=str(app.pk)).count() == 1


def test_a_rolled_back_decision_sends_nothing(citizen: User, docs_service: Any, notifier: Any) -> None:
    """The message is recorded in the decision's transaction: when that rolls back, so does it
    (before, the SMS had gone out already)."""
    from django.db import transaction

    @transaction.atomic
    def decide_then_fail() -> None:
        submitted(citizen, docs_service)
        raise RuntimeError("the decision fails after the message was recorded")

    with pytest.raises(RuntimeError):
        decide_then_fail()
    assert not Notification.objects.exists() and notifier.sent == []


def test_a_failed_notification_is_retried_by_the_job_and_sent_once(
    citizen: User, docs_service: Any, notifier: Any, django_capture_on_commit_callbacks: Any
) -> None:
    notifier.fail_next = 1  # the gateway is down for the first attempt
    with django_capture_on_commit_callbacks(execute=True):
        app = submitted(citizen, docs_service)
    note = Notification.objects.get(application=app)
    assert (note.status, note.attempts) == ("failed", 1) and note.last_error.startswith("unavailable")
    assert notifier.sent == []
    assert AuditEvent.objects.filter(event="guarantee.notification.failed").count() == 1
    assert actions.send_pending_notifications() == {"sent": 1}
    assert actions.send_pending_notifications() == {}  # nothing left: running it again sends nothing
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("sent", 2) and len(notifier.sent) == 1


def test_a_message_left_half_sent_is_sent_again_with_the_same_key(
    citizen: User, docs_service: Any, notifier: Any
) -> None:
    """A worker died after the gateway took the message but before it was marked sent: the job
    sends it again with the same key, and the gateway does not send it twice."""
    app = submitted(citizen, docs_service)  # on-commit never runs in this test: still pending
    note = Notification.objects.get(application=app)
    clients.notifier().send(note.channel, note.recipient, note.body, key=note.key)  # the lost delivery
    Notification.objects.filter(pk=note.pk).update(status="sending", claimed_at=timezone.now() - timedelta(hours=1))
    assert actions.send_pending_notifications() == {"sent": 1}
    assert len(notifier.sent) == 1
    note.refresh_from_db()
    assert note.status == "sent"


def test_a_message_being_sent_now_is_not_taken_by_the_job(citizen: User, docs_service: Any, notifier: Any) -> None:
    app = submitted(citizen, docs_service)
    note = Notification.objects.get(application=app)
    Notification.objects.filter(pk=note.pk).update(status="sending", claimed_at=timezone.now())
    assert actions.send_pending_notifications() == {}
    assert notifier.sent == []


def test_the_job_gives_up_after_five_attempts(citizen: User, docs_service: Any, notifier: Any) -> None:
    app = submitted(citizen, docs_service)
    note = Notification.objects.get(application=app)
    Notification.objects.filter(pk=note.pk).update(created_at=timezone.now() - timedelta(hours=1))
    notifier.fail_next = 99
    for _ in range(7):
        actions.send_pending_notifications()
    note.refresh_from_db()
    assert (note.status, note.attempts) == ("failed", notifications.MAX_ATTEMPTS)
    assert actions.send_pending_notifications() == {"given_up": 1}


def test_messages_are_written_in_korean_whatever_the_page_language(
    citizen: User, docs_service: Any, examiner: User
) -> None:
    from django.utils import translation

    app = referred(citizen, docs_service)
    with translation.override("en"):
        actions.review(app, "request_more", "Please upload last year's VAT return.", actor=examiner)
    told = Notification.objects.filter(application=app).order_by("-pk").first()
    assert told is not None and "신용보증재단" in told.body and "Seoul Credit" not in told.body
