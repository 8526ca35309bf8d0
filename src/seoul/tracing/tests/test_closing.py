"""Closing a contact's monitoring: completed, lost to follow-up, became a case; the nightly job."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions, selectors
from seoul.tracing.models import Contact
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import World


def test_monitoring_is_completed_only_after_its_period_and_lost_only_with_a_reason(world: World) -> None:
    case = world.make_case()
    contact = world.make_contact(case, on=world.today - timedelta(days=2))
    tracer = tracer_of(contact)
    end = contact.quarantine_end
    with pytest.raises(ValidationError) as early:
        actions.close_contact(contact, "completed", actor=tracer, today=end)
    assert codes_of(early.value) == ["tracing.monitoring_not_over"] and end.isoformat() in early.value.messages[0]
    with pytest.raises(ValidationError) as no_reason:
        actions.close_contact(contact, "lost", actor=tracer)
    assert codes_of(no_reason.value) == ["tracing.reason_needed"]
    with pytest.raises(ValidationError) as bad:
        actions.close_contact(contact, "monitoring", actor=tracer)
    assert codes_of(bad.value) == ["tracing.choice"]
    closed = actions.close_contact(contact, "completed", actor=tracer, today=end + timedelta(days=1))
    assert (closed.status, closed.closed_on) == (Contact.Status.COMPLETED, end + timedelta(days=1))
    assert contact.pk not in {c.pk for c in selectors.worklist(tracer, world.today).contacts}  # off the worklist
    assert AuditEvent.objects.filter(event="tracing.contact.closed", target_id=str(contact.pk)).count() == 1
    with pytest.raises(ValidationError) as again:
        actions.close_contact(contact, "lost", reason="전화 3일 불통", actor=tracer)
    assert codes_of(again.value) == ["tracing.not_monitoring"]


def test_a_contact_who_became_a_case_is_closed_that_day(world: World) -> None:
    contact = world.make_contact(world.make_case())
    actions.convert_to_case(contact, confirmed_on=world.today, onset_on=world.today, actor=None)
    contact.refresh_from_db()
    assert (contact.status, contact.closed_on) == (Contact.Status.BECAME_CASE, world.today)


def test_the_nightly_job_completes_only_the_periods_that_ended(world: World) -> None:
    case = world.make_case()
    ended = world.make_contact(case, on=world.today - timedelta(days=1))
    running = world.make_contact(case, on=world.today)
    day_after = ended.quarantine_end + timedelta(days=1)
    assert running.quarantine_end >= day_after  # still running that day
    the_day_before = day_after - timedelta(days=1)  # and it reported the day before: not silent
    actions.record_follow_up(
        running, the_day_before, "seen_well", actor=None, now=datetime.combine(the_day_before, time(20), SEOUL)
    )
    out = CliRunner().invoke(main, ["tracing", "close-monitoring", "--today", day_after.isoformat(), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"today": day_after.isoformat(), "completed": 1, "lost": 0}
    assert Contact.objects.get(pk=ended.pk).status == Contact.Status.COMPLETED
    assert Contact.objects.get(pk=running.pk).status == Contact.Status.MONITORING
    again = CliRunner().invoke(main, ["tracing", "close-monitoring", "--today", day_after.isoformat(), "--json"])
    assert json.loads(again.output)["completed"] == 0  # safe to run twice


def test_the_contact_page_closes_a_contact_lost_to_follow_up(world: World) -> None:
    contact = world.make_contact(world.make_case())
    c = client_for(tracer_of(contact), "tracing.monitoring")
    refused = c.post(f"/tracing/contacts/{contact.pk}/close/", {"close-status": "lost", "close-reason": ""})
    assert refused.status_code == 400 and 'id="id_close-reason_error"' in refused.content.decode()
    reason = "3일간 전화·문자 무응답, 자택 방문 시 부재"
    done = c.post(f"/tracing/contacts/{contact.pk}/close/", {"close-status": "lost", "close-reason": reason})
    assert done.status_code == 302
    contact.refresh_from_db()
    assert (contact.status, contact.close_reason) == (Contact.Status.LOST, reason)
    page = c.get(f"/tracing/contacts/{contact.pk}/").content.decode()
    assert 'data-testid="closed-on"' in page and reason in page and 'id="close-form"' not in page


def test_the_supervisor_sees_who_was_followed_for_the_full_period_and_who_was_lost(world: World) -> None:
    case = world.make_case()
    done, lost, open_ = (world.make_contact(case, on=world.today - timedelta(days=1)) for _ in range(3))
    day_after = done.quarantine_end + timedelta(days=1)
    actions.close_contact(done, "completed", actor=None, today=day_after)
    actions.close_contact(lost, "lost", reason="번호 결번, 주소 불명", actor=None, today=day_after - timedelta(days=1))
    ind = selectors.indicators(world.supervisor_mapo, day_after, world.now)
    assert (ind.followed_full_period.numerator, ind.followed_full_period.denominator) == (1, 2)
    assert (ind.lost_to_follow_up.numerator, ind.lost_to_follow_up.denominator) == (1, 2)
    assert open_.status == Contact.Status.MONITORING  # not counted until closed
    body = client_for(world.supervisor_mapo).get("/api/v1/tracing/indicators").json()
    assert body["lost_to_follow_up"] == {"numerator": 1, "denominator": 2, "share": 0.5}
