"""Daily monitoring: structured symptoms and temperature, an outbreak's alert rules as data, the
call list after two silent days, lost to follow-up by the nightly job, and the scheduled daily
texts in each person's language."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import translation

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions, selectors, sms
from seoul.tracing.engine.monitoring import SYMPTOMS, AlertRules, RulesError, assess, silent_days
from seoul.tracing.models import Contact, FollowUp
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db


Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Capture) -> Capture:
    """Runs what an action leaves for after its commit (the texts), as the job outside a test
    transaction would."""
    return django_capture_on_commit_callbacks


@pytest.fixture(autouse=True)
def outbox(tmp_path: Path) -> Iterator[Path]:
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=tmp_path / "outbox.jsonl"):
        yield tmp_path / "outbox.jsonl"


def evening(day: date) -> datetime:
    return datetime.combine(day, time(20), SEOUL)


# --- the engine ---------------------------------------------------------------------------


def test_a_temperature_at_the_threshold_is_a_fever_and_flags() -> None:
    rules = AlertRules()
    assert assess(rules, [], 37.4).alerts == ()
    fever = assess(rules, [], 37.5)
    assert (fever.symptoms, fever.alerts, fever.temperature_c) == (("fever",), ("fever",), 37.5)
    both = assess(rules, ["cough", "headache"], 38.04, "  눈이 아파요 ")
    assert both.symptoms == ("fever", "cough", "headache") and both.alerts == ("fever", "cough", "headache", "other")
    assert both.temperature_c == 38.0 and both.other == "눈이 아파요"


def test_an_outbreak_may_flag_fewer_symptoms_and_a_higher_fever() -> None:
    rules = AlertRules.from_mapping({"fever_at_c": 38, "symptoms": ["loss_of_taste_or_smell"], "other_flags": False})
    report = assess(rules, ["cough"], 37.8, "콧물")
    assert report.has_symptoms and report.alerts == ()  # recorded, not flagged
    assert assess(rules, ["loss_of_taste_or_smell"], None).alerts == ("loss_of_taste_or_smell",)
    assert assess(rules, [], 38.0).alerts == ()  # a fever, but fever is not among this outbreak's alerts
    assert AlertRules.from_mapping({}) == AlertRules() and set(AlertRules().symptoms) == set(SYMPTOMS)
    assert AlertRules.from_mapping(rules.to_mapping()) == rules


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"fever_at_c": 35}, "fever_at_c"),
        ({"fever_at_c": "37.5"}, "fever_at_c"),
        ({"symptoms": ["sneezing"]}, "symptoms"),
        ({"escalate_after_days": 0}, "escalate_after_days"),
        ({"escalate_after_days": 3, "lost_after_days": 3}, "lost_after_days"),
        ({"lost_after_days": True}, "lost_after_days"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_rules_that_cannot_be_used_are_refused_with_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(RulesError) as refused:
        AlertRules.from_mapping(data)
    assert refused.value.field == field


def test_silent_days_count_the_full_days_since_the_last_report() -> None:
    exposed = date(2020, 3, 1)
    assert silent_days(exposed, None, date(2020, 3, 2)) == 0  # monitoring began today
    assert silent_days(exposed, None, date(2020, 3, 4)) == 2  # 2nd and 3rd without a report
    assert silent_days(exposed, date(2020, 3, 3), date(2020, 3, 4)) == 0
    assert silent_days(exposed, date(2020, 3, 2), date(2020, 3, 5)) == 2


# --- follow-ups ---------------------------------------------------------------------------


def test_a_follow_up_records_symptoms_temperature_and_the_alerts_of_its_outbreak(world: World) -> None:
    contact = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    entry = actions.record_follow_up(
        contact, world.today, "seen_symptoms", symptom_list=["cough"], temperature=37.9, actor=tracer
    )
    assert (entry.symptom_list, float(entry.temperature or 0), entry.alerts) == (
        ["fever", "cough"],
        37.9,
        ["fever", "cough"],
    )
    contact.refresh_from_db()
    assert contact.symptoms_flagged_at is not None
    event = AuditEvent.objects.filter(event="tracing.follow_up.recorded", target_id=str(contact.pk)).get()
    assert event.new["alerts"] == ["fever", "cough"]


def test_symptoms_the_outbreak_does_not_alert_on_are_recorded_without_a_flag(world: World) -> None:
    actions.set_alert_rules(
        world.outbreak, AlertRules(fever_at_c=38.0, symptoms=frozenset({"fever"}), other_flags=False), actor=None
    )
    contact = world.make_contact(world.make_case())
    entry = actions.record_follow_up(
        contact, world.today, "seen_symptoms", "코막힘", symptom_list=["runny_nose"], temperature=37.7, actor=None
    )
    contact.refresh_from_db()
    assert entry.alerts == [] and contact.symptoms_flagged_at is None
    with translation.override("en"):
        assert entry.symptom_labels() == ["Runny nose", "코막힘"]


@pytest.mark.parametrize(
    ("status", "kwargs", "code", "field"),
    [
        ("seen_well", {"temperature": 38.2}, "tracing.well_with_symptoms", "status"),
        ("seen_well", {"symptom_list": ["cough"]}, "tracing.well_with_symptoms", "status"),
        ("missed", {"temperature": 36.5}, "tracing.not_reached_no_report", "status"),
        ("seen_symptoms", {}, "tracing.symptoms_needed", "symptoms"),
        ("seen_symptoms", {"temperature": 36.9}, "tracing.symptoms_needed", "symptoms"),
        ("seen_well", {"temperature": 45}, "tracing.temperature", "temperature"),
        ("seen_symptoms", {"symptom_list": ["sneezing"]}, "tracing.choice", "symptom_list"),
    ],
)
def test_inconsistent_reports_are_refused_with_the_field(
    world: World, status: str, kwargs: dict[str, object], code: str, field: str
) -> None:
    contact = world.make_contact(world.make_case())
    with pytest.raises(ValidationError) as refused:
        actions.record_follow_up(contact, world.today, status, actor=None, **kwargs)  # type: ignore[arg-type]
    assert codes_of(refused.value) == [code] and list(refused.value.message_dict) == [field]
    assert not FollowUp.objects.filter(contact=contact).exists()


def test_the_tracer_records_symptoms_by_ticking_them(world: World) -> None:
    contact = world.make_contact(world.make_case())
    c = client_for(tracer_of(contact), "tracing.monitoring", language="en")
    form = c.get(f"/tracing/contacts/{contact.pk}/").content.decode()
    assert 'name="follow_up-symptom_list" value="loss_of_taste_or_smell"' in form
    done = c.post(
        f"/tracing/contacts/{contact.pk}/follow-up/",
        {
            "follow_up-day": world.today.isoformat(),
            "follow_up-status": "seen_symptoms",
            "follow_up-symptom_list": ["sore_throat", "loss_of_taste_or_smell"],
            "follow_up-temperature": "38.3",
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    page = c.get(f"/tracing/contacts/{contact.pk}/").content.decode()
    assert "Fever 38.3 °C, Sore throat, Loss of taste or smell" in page
    bad = c.post(
        f"/tracing/contacts/{contact.pk}/follow-up/",
        {"follow_up-day": world.today.isoformat(), "follow_up-status": "seen_well", "follow_up-temperature": "3.8"},
    )
    assert bad.status_code == 400 and 'id="id_follow_up-temperature_error"' in bad.content.decode()


# --- alert rules ----------------------------------------------------------------------------


def test_only_the_district_supervisor_changes_an_outbreaks_alert_rules(world: World) -> None:
    rules = AlertRules(fever_at_c=37.8, escalate_after_days=3, lost_after_days=7)
    with pytest.raises(PermissionDenied):
        actions.set_alert_rules(world.outbreak, rules, actor=world.tracer_mapo)
    actions.set_alert_rules(world.outbreak, rules, actor=world.supervisor_mapo)
    world.outbreak.refresh_from_db()
    assert world.outbreak.rules == rules
    event = AuditEvent.objects.get(event="tracing.outbreak.alert_rules_set")
    assert (event.old["fever_at_c"], event.new["fever_at_c"], event.new["lost_after_days"]) == (37.5, 37.8, 7)


def test_the_outbreaks_page_saves_rules_and_refuses_a_lost_limit_below_the_call_list(world: World) -> None:
    c = client_for(world.supervisor_mapo, language="en")
    prefix = f"rules-{world.outbreak.pk}"
    page = c.get("/tracing/outbreaks/").content.decode()
    assert "Alert on a temperature of 37.5 °C or more" in page and f'id="rules-form-{world.outbreak.pk}"' in page
    data = {
        f"{prefix}-fever_at_c": "38.0",
        f"{prefix}-symptoms": ["fever", "shortness_of_breath"],
        f"{prefix}-escalate_after_days": "3",
        f"{prefix}-lost_after_days": "2",
    }
    refused = c.post(f"/tracing/outbreaks/{world.outbreak.pk}/alert-rules/", data)
    assert refused.status_code == 400 and f'id="id_{prefix}-lost_after_days_error"' in refused.content.decode()
    data[f"{prefix}-lost_after_days"] = "0"
    assert c.post(f"/tracing/outbreaks/{world.outbreak.pk}/alert-rules/", data).status_code == 302
    world.outbreak.refresh_from_db()
    assert world.outbreak.rules == AlertRules(
        fever_at_c=38.0,
        symptoms=frozenset({"fever", "shortness_of_breath"}),
        other_flags=False,
        escalate_after_days=3,
        lost_after_days=0,
    )
    assert "never closed as lost automatically" in c.get("/tracing/outbreaks/").content.decode()


# --- silence: the call list and lost to follow-up ---------------------------------------------------------


def test_contacts_silent_for_two_days_go_on_their_tracers_call_list(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=5))  # infectious today-7 .. today-2
    exposed = world.today - timedelta(days=4)
    silent = world.make_contact(case, on=exposed)
    reporting = world.make_contact(case, on=exposed)
    fresh = world.make_contact(case, on=world.today - timedelta(days=2))  # one day missed so far
    for contact in (silent, reporting):
        day1 = exposed + timedelta(days=1)
        actions.record_follow_up(contact, day1, "seen_well", actor=None, now=evening(day1))
    yesterday = world.today - timedelta(days=1)
    actions.record_follow_up(reporting, yesterday, "seen_well", actor=None, now=evening(yesterday))
    actions.record_follow_up(silent, yesterday, "missed", actor=None, now=evening(yesterday))  # tried, no answer
    tracer = tracer_of(silent)
    work = selectors.worklist(tracer, world.today)
    assert [c.pk for c in work.to_call] == [silent.pk] and work.silent[silent.pk] == 2
    assert fresh.pk not in work.silent
    page = client_for(tracer, language="en").get("/tracing/").content.decode()
    call_list = page[page.index('id="call-list"') :]
    assert f'data-contact="{silent.pk}"' in call_list[: call_list.index("</ul>")]
    assert "no report for 2 days" in page


def test_the_nightly_job_closes_contacts_silent_for_the_outbreaks_limit(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=9))  # infectious today-11 .. today-6
    exposed = world.today - timedelta(days=8)
    gone = world.make_contact(case, on=exposed)
    never = world.make_contact(case, on=exposed)
    kept = world.make_contact(case, on=exposed)
    day1 = exposed + timedelta(days=1)
    actions.record_follow_up(gone, day1, "seen_well", actor=None, now=evening(day1))
    three_ago = world.today - timedelta(days=3)
    actions.record_follow_up(kept, three_ago, "seen_well", actor=None, now=evening(three_ago))
    out = CliRunner().invoke(main, ["tracing", "close-monitoring", "--today", world.today.isoformat(), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output) == {"today": world.today.isoformat(), "completed": 0, "lost": 2}
    gone.refresh_from_db()
    never.refresh_from_db()
    assert (gone.status, gone.closed_on) == (Contact.Status.LOST, world.today)
    assert gone.close_reason == f"silent:6:{day1.isoformat()}" and never.close_reason == "silent:7:-"
    assert Contact.objects.get(pk=kept.pk).status == Contact.Status.MONITORING  # 2 days: the call list only
    event = AuditEvent.objects.get(event="tracing.contact.closed", target_id=str(gone.pk))
    assert event.new["status"] == "lost" and event.new["reason"] == gone.close_reason
    page = client_for(tracer_of(gone), "tracing.monitoring", language="en").get(f"/tracing/contacts/{gone.pk}/")
    assert f"No report for 6 days; last report {day1.isoformat()} (closed automatically)." in page.content.decode()
    again = CliRunner().invoke(main, ["tracing", "close-monitoring", "--today", world.today.isoformat(), "--json"])
    assert json.loads(again.output)["lost"] == 0


def test_an_outbreak_may_never_close_contacts_automatically(world: World) -> None:
    actions.set_alert_rules(world.outbreak, AlertRules(lost_after_days=0), actor=None)
    case = world.make_case(onset=world.today - timedelta(days=10))
    contact = world.make_contact(case, on=world.today - timedelta(days=9))
    assert actions.close_silent_contacts(world.today) == 0
    assert Contact.objects.get(pk=contact.pk).status == Contact.Status.MONITORING


# --- the scheduled daily texts --------------------------------------------------------------------


def test_the_daily_job_texts_every_contact_due_in_their_language_once(world: World, committed: Capture) -> None:
    case = world.make_case()
    yesterday = world.today - timedelta(days=1)
    korean = world.make_contact(case, on=yesterday)
    english = world.make_contact(case, on=yesterday, language="en")
    reported = world.make_contact(case, on=yesterday)
    other_district = world.make_contact(world.make_case(district=22), district=22, on=yesterday)
    starts_tomorrow = world.make_contact(case, on=world.today)
    actions.record_follow_up(reported, world.today, "seen_well", actor=None)
    with override_settings(SEOUL_PUBLIC_URL="https://tracing.example.seoul.kr/"), committed(execute=True):
        out = CliRunner().invoke(main, ["tracing", "daily-texts", "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert (doc["texted"], doc["not_sent"], doc["skipped"]) == (3, 0, 1)
    texts = {m["to"]: m["text"] for m in sms.read_outbox()}
    assert set(texts) == {korean.person.phone, english.person.phone, other_district.person.phone}
    assert starts_tomorrow.person.phone not in texts  # its monitoring days start tomorrow
    assert texts[korean.person.phone].startswith("[서울시 역학조사]")
    assert texts[english.person.phone].startswith("[Seoul contact tracing]")
    for text in texts.values():
        assert re.search(r"https://tracing\.example\.seoul\.kr/tracing/r/[\w-]+/", text)
        assert case.person.name not in text and case.reference not in text and "노래방" not in text
    sent = AuditEvent.objects.filter(event="tracing.self_report.sent")
    assert sent.count() == 3 and {e.actor_label for e in sent} == {"system (daily texts)"}
    with committed(execute=True):
        again = CliRunner().invoke(main, ["tracing", "daily-texts", "--json"])
    assert json.loads(again.output)["texted"] == 0 and len(sms.read_outbox()) == 3


def test_the_self_report_page_speaks_the_persons_language_and_takes_a_temperature(
    world: World, committed: Capture
) -> None:
    contact = world.make_contact(world.make_case(), on=world.today - timedelta(days=1), language="en")
    with override_settings(SEOUL_PUBLIC_URL="http://testserver/"), committed(execute=True):
        CliRunner().invoke(main, ["tracing", "daily-texts", "--json"])
    text = sms.read_outbox()[-1]["text"]
    match = re.search(r"/tracing/r/(?P<invite>[\w-]+)/ code (?P<code>\d{6})", text)
    assert match, text
    c = Client()
    page = c.get(f"/tracing/r/{match['invite']}/").content.decode()
    assert "Daily health report" in page and 'name="symptom_list" value="cough"' in page
    done = c.post(
        f"/tracing/r/{match['invite']}/",
        {"code": match["code"], "feeling": "well", "temperature": "37.8"},
    )
    assert done.status_code == 200 and 'data-testid="done"' in done.content.decode()
    entry = FollowUp.objects.get(contact=contact)
    # felt well, but 37.8 °C is a fever by the outbreak's rules: reported with symptoms, flagged
    assert (entry.status, entry.symptom_list, entry.alerts) == ("seen_symptoms", ["fever"], ["fever"])
    assert Contact.objects.get(pk=contact.pk).symptoms_flagged_at is not None


HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _visible(page: str) -> str:
    """The words a reader sees: the page without its language menu (which names 한국어 in
    Korean on every page), scripts, styles and tags."""
    page = re.sub(r'<form[^>]*class="lang-switch".*?</form>', "", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.mark.parametrize(
    ("language", "texted", "heading"),
    [
        ("zh-hans", "[首尔市流调]", "每日健康报告"),
        ("vi", "[Truy vết Seoul]", "Báo cáo sức khỏe hằng ngày"),
    ],
)
def test_a_person_who_reads_chinese_or_vietnamese_gets_every_word_of_the_text_and_page_in_it(
    world: World, committed: Capture, language: str, texted: str, heading: str
) -> None:
    """The text, and the self-report page in each of its states (the form, its errors, a wrong
    code, the lock, done with and without symptoms, a used link), in the person's language:
    a word missing from that catalogue would fall back to Korean, so no Hangul may show
    outside the language menu. Staff pages stay in Korean and English."""
    contacts = [
        world.make_contact(world.make_case(), on=world.today - timedelta(days=1), language=language) for _ in range(3)
    ]
    with override_settings(SEOUL_PUBLIC_URL="http://testserver/"), committed(execute=True):
        CliRunner().invoke(main, ["tracing", "daily-texts", "--json"])
    texts = {m["to"]: m["text"] for m in sms.read_outbox()}
    links = []
    for contact in contacts:
        text = texts[contact.person.phone]
        assert text.startswith(texted) and not HANGUL.search(text), text
        match = re.search(r"/tracing/r/(?P<invite>[\w-]+)/\D+(?P<code>\d{6})", text)
        assert match, text
        links.append((f"/tracing/r/{match['invite']}/", match["code"]))
    c = Client()
    (url, code), (url2, code2), (url3, _) = links
    pages = [c.get(url)]
    pages.append(c.post(url, {"code": ""}))
    pages.append(c.post(url, {"code": "12", "feeling": "symptoms", "temperature": "abc"}))
    pages.append(c.post(url, {"code": "000000", "feeling": "well", "temperature": "45"}))
    pages.append(c.post(url, {"code": code, "feeling": "symptoms", "symptom_list": ["cough"], "temperature": "37.0"}))
    pages.append(c.get(url))  # used
    pages.append(c.post(url2, {"code": code2, "feeling": "well"}))
    pages.extend(c.post(url3, {"code": "999999", "feeling": "well"}) for _ in range(actions.SELF_REPORT_MAX_FAILURES))
    pages.append(c.get(url3))  # locked
    assert [p.status_code for p in pages[:7]] == [200, 400, 400, 400, 200, 410, 200]
    assert pages[-1].status_code == 410
    for page in pages:
        html = page.content.decode()
        assert f'<html lang="{language}"' in html
        words = _visible(html)
        assert not HANGUL.search(words), HANGUL.findall(words)[:20]
    assert heading in pages[0].content.decode()
    assert FollowUp.objects.filter(contact__in=contacts).count() == 2


def test_a_line_list_takes_every_language_a_person_may_read() -> None:
    from seoul.tracing.engine.linelist import FIELDS
    from seoul.tracing.models import Language

    for fields in FIELDS.values():
        for spec in fields:
            if spec.name == "language":
                assert set(spec.choices) == set(Language.values)


# --- one monitoring per person; households ------------------------------------------------------


def test_a_person_exposed_to_two_cases_is_followed_once_restarted_by_the_later_exposure(world: World) -> None:
    first, second = world.make_case(), world.make_case()
    three_ago = world.today - timedelta(days=3)
    contact = builders.contact(first, on=three_ago, name="김접촉", phone="010-4444-0001")
    again = builders.contact(second, on=world.today - timedelta(days=1), name="김접촉", phone="010-4444-0001")
    assert again.pk == contact.pk and Contact.objects.filter(person=contact.person).count() == 1
    contact.refresh_from_db()
    assert contact.last_exposure_on == world.today - timedelta(days=1)  # monitoring restarted
    event = AuditEvent.objects.get(event="tracing.contact.restarted", target_id=str(contact.pk))
    assert (event.old, event.new) == (
        {"last_exposure_on": three_ago.isoformat()},
        {"last_exposure_on": contact.last_exposure_on.isoformat(), "case": second.pk},
    )
    # an earlier exposure to a third case changes nothing; both exposures show on the page
    third = world.make_case(onset=world.today - timedelta(days=6))
    builders.contact(third, on=world.today - timedelta(days=5), name="김접촉", phone="010-4444-0001")
    assert Contact.objects.get(pk=contact.pk).last_exposure_on == world.today - timedelta(days=1)
    page = client_for(tracer_of(contact), "tracing.monitoring").get(f"/tracing/contacts/{contact.pk}/").content
    assert all(f'data-case="{c.reference}"'.encode() in page for c in (first, second))


def test_a_household_contacts_quarantine_runs_from_the_end_of_the_cases_isolation(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=20), confirmed_on=world.today - timedelta(days=19))
    actions.isolate(case, datetime.combine(world.today - timedelta(days=19), time(18), SEOUL), actor=None)
    home = actions.add_contact(
        case,
        actor=None,
        name="동거인",
        phone="010-4444-0002",
        district=13,
        exposure=builders.exposure(world.today - timedelta(days=19), setting="household", place="자택"),
    )
    assert home.continuous_exposure and home.waits_for_case
    assert home.quarantine_end < world.today and home.monitored_on(world.today)  # still followed: case isolated
    assert actions.complete_finished_monitoring(world.today) == 0
    actions.release(case, actor=None, today=world.today)
    home.refresh_from_db()
    assert home.last_exposure_on == world.today and not home.waits_for_case
    assert home.quarantine_end == world.today + timedelta(days=world.outbreak.monitoring_days)
    assert actions.complete_finished_monitoring(world.today + timedelta(days=1)) == 0


def test_the_supervisor_sees_the_median_time_from_confirmation_to_first_call(world: World) -> None:
    case = world.make_case()
    registered = case.created_at
    reached = []
    for hours in (2, 5, 30):
        contact = world.make_contact(case)
        actions.record_follow_up(contact, world.today, "seen_well", actor=None, now=registered + timedelta(hours=hours))
        reached.append(contact)
    world.make_contact(case)  # not reached yet: not in the median
    ind = selectors.indicators(world.supervisor_mapo, world.today, registered + timedelta(hours=40))
    assert (ind.first_call_hours, ind.first_call_n) == (5.0, 3)
    body = client_for(world.supervisor_mapo).get("/api/v1/tracing/indicators").json()
    assert (body["first_call_hours"], body["first_call_contacts"]) == (5.0, 3)
