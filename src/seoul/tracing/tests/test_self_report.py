from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from seoul.core.engine.time import local_midnight
from seoul.core.models import AuditEvent
from seoul.tracing import actions, sms
from seoul.tracing.models import FollowUp, SelfReportCode
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://\S+/tracing/r/(?P<invite>[\w-]+)/) 인증번호 (?P<code>\d{6})")


@pytest.fixture(autouse=True)
def outbox(tmp_path: Path):  # type: ignore[no-untyped-def]
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=tmp_path / "outbox.jsonl"):
        yield tmp_path / "outbox.jsonl"


def _send(world: World, now: datetime | None = None) -> tuple[object, str, str]:
    contact = world.make_contact(world.make_case())
    tracer = contact.assignments.get(ended_at=None).tracer
    actions.send_self_report_code(tracer, contact, "http://testserver", now=now)
    message = sms.read_outbox()[-1]
    match = LINK.search(message["text"])
    assert match, message
    assert message["to"] == contact.person.phone
    return contact, match["invite"], match["code"]


def test_only_a_hash_of_the_code_is_stored(world: World, outbox: Path) -> None:
    _, invite, code = _send(world)
    row = SelfReportCode.objects.get(invite=invite)
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert outbox.stat().st_mode & 0o077 == 0


def test_self_report_with_symptoms_flags_the_contact(world: World) -> None:
    contact, invite, code = _send(world)
    follow_up = actions.submit_self_report(invite, code, symptoms="기침, 발열")
    contact.refresh_from_db()
    assert (follow_up.status, follow_up.channel, follow_up.day) == ("seen_symptoms", "self_report", world.today)
    assert contact.symptoms_flagged_at is not None and contact.traced_at is not None
    assert AuditEvent.objects.filter(event="tracing.contact.symptoms_flagged", target_id=str(contact.pk)).exists()
    with pytest.raises(actions.SelfReportRefused) as refused:
        actions.submit_self_report(invite, code)
    assert refused.value.kind == "used"


def test_self_report_well_does_not_flag(world: World) -> None:
    contact, invite, code = _send(world)
    actions.submit_self_report(invite, code)
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is None
    assert FollowUp.objects.get(contact=contact).status == "seen_well"


def test_wrong_codes_lock_the_link(world: World) -> None:
    # At noon, so that the 15-minute lock cannot run past the code's midnight expiry (a run
    # at 23:50 Seoul time once did).
    noon = local_midnight(world.today) + timedelta(hours=12)
    contact, invite, code = _send(world, now=noon)
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


def test_codes_expire_at_midnight_and_a_new_code_replaces_the_old(world: World) -> None:
    contact, invite, code = _send(world)
    row = SelfReportCode.objects.get(invite=invite)
    with pytest.raises(actions.SelfReportRefused) as refused:
        actions.submit_self_report(invite, code, now=row.expires_at)
    assert refused.value.kind == "expired"
    tracer = contact.assignments.get(ended_at=None).tracer
    actions.send_self_report_code(tracer, contact, "http://testserver")
    with pytest.raises(actions.SelfReportRefused):
        actions.submit_self_report(invite, code)  # the older code no longer works
    assert actions.self_report_code(LINK.search(sms.read_outbox()[-1]["text"])["invite"])  # type: ignore[index]


def test_daily_texts_go_once_to_contacts_still_due(world: World) -> None:
    case = world.make_case()
    first = world.make_contact(case)
    second = world.make_contact(case)
    tracer = first.assignments.get(ended_at=None).tracer
    actions.reassign(world.supervisor_mapo, second.assignments.get(ended_at=None), tracer, "한 사람이 모두 담당")
    actions.record_follow_up(tracer, second, world.today, "seen_well")
    assert actions.send_daily_texts(tracer, "http://testserver") == {"sent": 1, "skipped": 1}
    assert [m["to"] for m in sms.read_outbox()] == [first.person.phone]
    assert actions.send_daily_texts(tracer, "http://testserver") == {"sent": 0, "skipped": 2}


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


def test_texts_through_the_http_gateway_stand_in(world: World, gateway) -> None:  # type: ignore[no-untyped-def]
    url = gateway(delay=0.05)
    with override_settings(SEOUL_TRACING_SMS_SENDER="seoul.tracing.sms.HttpGateway", SEOUL_TRACING_SMS_URL=url):
        contact, invite, code = _send(world)
    assert SelfReportCode.objects.get(invite=invite).contact == contact
    assert AuditEvent.objects.get(event="tracing.self_report.sent").new["message"].startswith("sms-")
    assert actions.submit_self_report(invite, code).status == "seen_well"  # the code that came over HTTP


def test_a_gateway_failure_keeps_nothing(world: World, gateway) -> None:  # type: ignore[no-untyped-def]
    url = gateway(failure_rate=1.0)
    contact = world.make_contact(world.make_case())
    tracer = contact.assignments.get(ended_at=None).tracer
    with (
        override_settings(SEOUL_TRACING_SMS_SENDER="seoul.tracing.sms.HttpGateway", SEOUL_TRACING_SMS_URL=url),
        translation.override("en"),
        pytest.raises(ValidationError, match="could not be sent"),
    ):
        actions.send_self_report_code(tracer, contact, "http://testserver")
    assert not SelfReportCode.objects.exists() and sms.read_outbox() == []
    assert not AuditEvent.objects.filter(event="tracing.self_report.sent").exists()
