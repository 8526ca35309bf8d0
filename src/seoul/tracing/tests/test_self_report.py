from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone, translation

from seoul.core.engine.time import local_midnight
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions, sms
from seoul.tracing.models import Contact, FollowUp, SelfReportCode
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://\S+/tracing/r/(?P<invite>[\w-]+)/) 인증번호 (?P<code>\d{6})")
Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture(autouse=True)
def outbox(tmp_path: Path) -> Iterator[Path]:
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=tmp_path / "outbox.jsonl"):
        yield tmp_path / "outbox.jsonl"


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Capture) -> Capture:
    """Runs what the action leaves for after its commit, as a request outside a test
    transaction would (the tests themselves run inside one)."""
    return django_capture_on_commit_callbacks


def _send(world: World, committed: Capture, now: datetime | None = None) -> tuple[Contact, str, str]:
    contact = world.make_contact(world.make_case())
    with committed(execute=True):
        actions.send_self_report_code(contact, "http://testserver", actor=tracer_of(contact), now=now)
    message = sms.read_outbox()[-1]
    match = LINK.search(message["text"])
    assert match, message
    assert message["to"] == contact.person.phone
    return contact, match["invite"], match["code"]


def _on_contact_page(tracer: Any, contact: Contact) -> Any:
    """The tracer's client, on the contact's page (the reason for opening it stated)."""
    c = client_for(tracer, language="en")
    assert c.get(f"/tracing/contacts/{contact.pk}/").status_code == 200
    return c


def test_only_a_hash_of_the_code_is_stored(world: World, outbox: Path, committed: Capture) -> None:
    _, invite, code = _send(world, committed)
    row = SelfReportCode.objects.get(invite=invite)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert outbox.stat().st_mode & 0o077 == 0
    assert row.delivery == "sent" and row.message_id.startswith("sms-")


def test_the_text_goes_after_the_code_is_recorded(world: World, committed: Capture) -> None:
    """Before, the SMS gateway was called inside the transaction, with the contact's row
    locked, and the code row rolled back when sending failed. Now the code is recorded and
    committed first; the text goes once the transaction has committed."""
    contact = world.make_contact(world.make_case())
    with committed(execute=False) as callbacks:
        row = actions.send_self_report_code(contact, "http://testserver", actor=tracer_of(contact))
        assert sms.read_outbox() == [], "nothing is texted before the commit"
        assert row.delivery == "pending"
    assert len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.delivery == "sent" and len(sms.read_outbox()) == 1
    callbacks[0]()  # run again (a retried job): the code is texted once
    assert len(sms.read_outbox()) == 1
    assert AuditEvent.objects.filter(event="tracing.self_report.sent").count() == 1


def test_a_second_click_sends_no_second_code(world: World, committed: Capture) -> None:
    contact = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    with committed(execute=True):
        first = actions.send_self_report_code(contact, "http://testserver", actor=tracer)
    with committed(execute=True):
        second = actions.send_self_report_code(contact, "http://testserver", actor=tracer)
    assert first.pk == second.pk and len(sms.read_outbox()) == 1
    assert SelfReportCode.objects.filter(contact=contact).count() == 1
    # through the page: the tracer is told the text already went
    c = _on_contact_page(tracer, contact)
    with committed(execute=True):
        page = c.post(f"/tracing/contacts/{contact.pk}/text/", follow=True)
    assert "already sent" in page.content.decode() and len(sms.read_outbox()) == 1
    # later, a new text voids the older code: never two valid codes
    later = timezone.now() + actions.RESEND_AFTER + timedelta(seconds=1)
    with committed(execute=True):
        third = actions.send_self_report_code(contact, "http://testserver", actor=tracer, now=later)
    assert third.pk != first.pk and len(sms.read_outbox()) == 2
    valid = SelfReportCode.objects.filter(contact=contact, used_at=None, expires_at__gt=later)
    assert list(valid) == [third]


def test_self_report_with_symptoms_flags_the_contact(world: World, committed: Capture) -> None:
    contact, invite, code = _send(world, committed)
    follow_up = actions.submit_self_report(invite, code, symptoms="기침, 발열")
    contact.refresh_from_db()
    assert (follow_up.status, follow_up.channel, follow_up.day) == ("seen_symptoms", "self_report", world.today)
    assert contact.symptoms_flagged_at is not None and contact.traced_at is not None
    assert AuditEvent.objects.filter(event="tracing.contact.symptoms_flagged", target_id=str(contact.pk)).exists()
    with pytest.raises(actions.SelfReportRefused) as refused:
        actions.submit_self_report(invite, code)
    assert refused.value.kind == "used"


def test_self_report_well_does_not_flag(world: World, committed: Capture) -> None:
    contact, invite, code = _send(world, committed)
    actions.submit_self_report(invite, code)
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is None
    assert FollowUp.objects.get(contact=contact).status == "seen_well"


def test_a_self_report_after_the_tracers_call_is_a_further_entry(world: World, committed: Capture) -> None:
    contact, invite, code = _send(world, committed)
    tracer = tracer_of(contact)
    actions.record_follow_up(contact, world.today, "seen_symptoms", "발열", actor=tracer)
    actions.submit_self_report(invite, code)
    entries = list(FollowUp.objects.filter(contact=contact).values_list("status", "channel"))
    assert entries == [("seen_well", "self_report"), ("seen_symptoms", "tracer")]
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is not None  # the symptoms wait for the tracer's review


def test_wrong_codes_lock_the_link(world: World, committed: Capture) -> None:
    # At noon, so that the 15-minute lock cannot run past the code's midnight expiry (a run
    # at 23:50 Seoul time once did).
    noon = local_midnight(world.today) + timedelta(hours=12)
    contact, invite, code = _send(world, committed, now=noon)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(actions.SELF_REPORT_MAX_FAILURES - 1):
        with pytest.raises(actions.SelfReportRefused) as refused:
            actions.submit_self_report(invite, wrong, now=noon)
        assert refused.value.kind == "wrong_code"
    with pytest.raises(actions.SelfReportRefused) as refused:
        actions.submit_self_report(invite, wrong, now=noon)
    assert refused.value.kind == "locked"
    with pytest.raises(actions.SelfReportRefused) as refused:
        actions.submit_self_report(invite, code, now=noon)  # even the right code waits out the lock
    assert refused.value.kind == "locked"
    later = SelfReportCode.objects.get(invite=invite).locked_until + timedelta(seconds=1)  # type: ignore[operator]
    actions.submit_self_report(invite, code, now=later)
    assert FollowUp.objects.filter(contact=contact).count() == 1
    assert AuditEvent.objects.filter(event="tracing.self_report.refused").count() == 5


def test_codes_expire_at_midnight_and_a_new_code_replaces_the_old(world: World, committed: Capture) -> None:
    contact, invite, code = _send(world, committed)
    row = SelfReportCode.objects.get(invite=invite)
    with pytest.raises(actions.SelfReportRefused) as refused:
        actions.submit_self_report(invite, code, now=row.expires_at)
    assert refused.value.kind == "expired"
    later = timezone.now() + actions.RESEND_AFTER + timedelta(seconds=1)
    with committed(execute=True):
        actions.send_self_report_code(contact, "http://testserver", actor=tracer_of(contact), now=later)
    with pytest.raises(actions.SelfReportRefused):
        actions.submit_self_report(invite, code, now=later)  # the older code no longer works
    assert actions.self_report_code(LINK.search(sms.read_outbox()[-1]["text"])["invite"], now=later)  # type: ignore[index]


def test_daily_texts_go_once_to_contacts_still_due(world: World, committed: Capture) -> None:
    case = world.make_case()
    first = world.make_contact(case)
    second = world.make_contact(case)
    tracer = tracer_of(first)
    actions.reassign(second.assignments.get(ended_at=None), tracer, "한 사람이 모두 담당", actor=world.supervisor_mapo)
    actions.record_follow_up(second, world.today, "seen_well", actor=tracer)
    with committed(execute=True):
        result = actions.send_daily_texts("http://testserver")  # the scheduled job: every contact due
    for row in result.codes:
        row.refresh_from_db()
    assert (result.sent, result.skipped, result.not_sent) == (1, 1, 0)
    assert [m["to"] for m in sms.read_outbox()] == [first.person.phone]
    with committed(execute=True):
        again = actions.send_daily_texts("http://testserver")
    assert (len(again.codes), again.skipped) == (0, 2)


@pytest.fixture
def gateway():  # type: ignore[no-untyped-def]
    """The loopback stand-in of the SMS gateway, on a free port, in a thread."""
    import threading

    servers = []

    def start(**kwargs):  # type: ignore[no-untyped-def]
        server = sms.standin_server(port=0, **kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/messages"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_texts_through_the_http_gateway_stand_in(world: World, gateway, committed: Capture) -> None:  # type: ignore[no-untyped-def]
    url = gateway(delay=0.05)
    with override_settings(SEOUL_TRACING_SMS_SENDER="seoul.tracing.sms.HttpGateway", SEOUL_TRACING_SMS_URL=url):
        contact, invite, code = _send(world, committed)
    assert SelfReportCode.objects.get(invite=invite).contact == contact
    assert AuditEvent.objects.get(event="tracing.self_report.sent").new["message"].startswith("sms-")
    assert actions.submit_self_report(invite, code).status == "seen_well"  # the code that came over HTTP


@pytest.mark.django_db(transaction=True)
def test_a_refused_text_withdraws_its_code_and_the_tracer_is_told(world: World, gateway) -> None:  # type: ignore[no-untyped-def]
    """Without a surrounding test transaction, as in a request: the text goes as soon as the
    action's transaction commits, and the action knows how it went."""
    url = gateway(failure_rate=1.0)
    contact = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    failing = override_settings(SEOUL_TRACING_SMS_SENDER="seoul.tracing.sms.HttpGateway", SEOUL_TRACING_SMS_URL=url)
    with failing, translation.override("en"), pytest.raises(ValidationError, match="could not be sent") as refused:
        actions.send_self_report_code(contact, "http://testserver", actor=tracer)
    assert codes_of(refused.value) == ["tracing.text_not_sent"]
    row = SelfReportCode.objects.get(contact=contact)  # recorded, marked, never valid
    assert row.delivery == "failed" and row.expires_at <= timezone.now() and sms.read_outbox() == []
    with pytest.raises(actions.SelfReportRefused):
        actions.self_report_code(row.invite)
    assert not AuditEvent.objects.filter(event="tracing.self_report.sent").exists()
    assert AuditEvent.objects.filter(event="tracing.self_report.not_sent", target_id=str(contact.pk)).exists()
    # through the page, the tracer reads that it failed
    c = _on_contact_page(tracer, contact)
    with failing:
        page = c.post(f"/tracing/contacts/{contact.pk}/text/", follow=True)
    assert "could not be sent" in page.content.decode()
    assert SelfReportCode.objects.filter(contact=contact, delivery="failed").count() == 2
    # the tracer tries again once the gateway answers: a fresh code goes, right away
    retry = actions.send_self_report_code(contact, "http://testserver", actor=tracer)
    assert retry.delivery == "sent" and len(sms.read_outbox()) == 1
    page = c.get(f"/tracing/contacts/{contact.pk}/").content.decode()
    assert 'data-delivery="failed"' in page and "not delivered" in page and 'data-delivery="sent"' in page


@pytest.mark.django_db(transaction=True)
def test_the_page_says_the_text_was_sent(world: World) -> None:
    contact = world.make_contact(world.make_case())
    c = _on_contact_page(tracer_of(contact), contact)
    page = c.post(f"/tracing/contacts/{contact.pk}/text/", follow=True)
    assert "The self-report text was sent." in page.content.decode()
    assert SelfReportCode.objects.get(contact=contact).delivery == "sent" and len(sms.read_outbox()) == 1
