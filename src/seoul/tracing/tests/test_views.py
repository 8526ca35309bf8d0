"""Pages: what each role sees, the reason gate on personal data, and the forms' round trips."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from seoul.core.engine.time import SEOUL
from seoul.core.models import AuditEvent
from seoul.core.testing import reason_ticket
from seoul.tracing import actions, sms
from seoul.tracing.models import Candidate, Case, Contact, FollowUp, Outbreak, TimelineEntry
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import Episode, EpisodeCandidate, FakeCandidate, client_for, tracer_of
from seoul.tracing.tests.conftest import GANGNAM, MAPO, World

pytestmark = pytest.mark.django_db


def test_worklist_lists_only_my_work_and_no_names(world: World) -> None:
    mine = world.make_case()  # → tracer.mapo
    theirs = world.make_case()  # → tracer.mapo2
    body = client_for(world.tracer_mapo).get("/tracing/").content.decode()
    assert f'data-case="{mine.pk}"' in body and f'data-case="{theirs.pk}"' not in body
    assert mine.person.name not in body and mine.person.phone not in body


def test_worklist_reads_my_open_work_in_one_query_in_the_models_order(
    world: World, django_assert_num_queries: Any
) -> None:
    from seoul.tracing import selectors
    from seoul.tracing.models import Assignment

    older = world.make_case(confirmed_on=world.today - timedelta(days=3), onset=world.today - timedelta(days=4))
    newer = world.make_case()
    released = world.make_case()
    handed_over = world.make_case()
    Assignment.objects.filter(case__in=[older, newer, released, handed_over]).update(tracer=world.tracer_mapo)
    Case.objects.filter(pk=released.pk).update(status=Case.Status.RELEASED)
    Assignment.objects.filter(case=handed_over).update(ended_at=world.now)
    reached, waiting = world.make_contact(newer), world.make_contact(older, on=world.today - timedelta(days=2))
    Assignment.objects.filter(contact__in=[reached, waiting]).update(tracer=world.tracer_mapo)
    actions.record_follow_up(reached, world.today, "seen_well", actor=world.tracer_mapo)
    with django_assert_num_queries(1):
        work = selectors.worklist(world.tracer_mapo, world.today)
    assert [c.pk for c in work.cases] == [newer.pk, older.pk]  # newest confirmation first, open and mine only
    assert [c.pk for c in work.contacts] == [reached.pk, waiting.pk]  # latest exposure first
    assert [c.pk for c in work.due_today] == [waiting.pk] and work.done == {reached.pk}


def test_worklist_filters_by_the_outbreaks_of_my_own_work(world: World) -> None:
    from seoul.tracing.tests import builders

    first = world.make_case()  # → tracer.mapo, in the world's outbreak
    world.make_case()  # → tracer.mapo2
    other = builders.outbreak("마포구 헬스장 집단감염", name_en="Mapo gym cluster")
    second = builders.case(other)
    second.assignments.update(tracer=world.tracer_mapo)
    elsewhere = builders.outbreak("마포구 교회 집단감염", name_en="Mapo church cluster")  # no work of mine
    builders.case(elsewhere).assignments.update(tracer=world.tracer_mapo2)
    c = client_for(world.tracer_mapo)
    page = c.get("/tracing/").content.decode()
    options = page.split('id="filter-outbreak"')[1].split("</select>")[0]
    assert f'value="{world.outbreak.pk}"' in options and f'value="{other.pk}"' in options
    assert f'value="{elsewhere.pk}"' not in options
    assert f'data-case="{first.pk}"' in page and f'data-case="{second.pk}"' in page
    narrowed = c.get("/tracing/", {"outbreak": other.pk}).content.decode()
    assert f'data-case="{second.pk}"' in narrowed and f'data-case="{first.pk}"' not in narrowed
    ignored = c.get("/tracing/", {"outbreak": elsewhere.pk}).content.decode()  # not mine: the whole list
    assert f'data-case="{first.pk}"' in ignored and f'data-case="{second.pk}"' in ignored


def test_case_page_asks_for_a_reason_and_audits_it(world: World) -> None:
    case = world.make_case()
    c = Client()
    c.force_login(world.tracer_mapo)
    asked = c.get(f"/tracing/cases/{case.pk}/")
    assert asked.status_code == 200 and case.person.name not in asked.content.decode()
    assert "역학조사" in asked.content.decode() or "investigation" in asked.content.decode()
    assert not AuditEvent.objects.filter(event="tracing.case.viewed").exists()
    stated = c.post(
        "/reason/",
        {"ticket": reason_ticket(asked), "reason": "tracing.investigation", "reason_detail": "역학조사 2026-11"},
    )
    assert stated["Location"] == f"/tracing/cases/{case.pk}/"
    shown = c.get(stated["Location"])
    assert case.person.name in shown.content.decode()
    viewed = AuditEvent.objects.get(event="tracing.case.viewed")
    assert viewed.reason == "tracing.investigation: 역학조사 2026-11" and viewed.actor == world.tracer_mapo
    # once per record: the page opens again without asking; another record asks
    assert case.person.name in c.get(f"/tracing/cases/{case.pk}/").content.decode()
    other = world.make_case()
    other.assignments.update(tracer=world.tracer_mapo)
    assert b'name="ticket"' in c.get(f"/tracing/cases/{other.pk}/").content


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("tracer_mapo", 200),
        ("tracer_mapo2", 404),
        ("tracer_gangnam", 404),
        ("supervisor_mapo", 200),
        ("investigator", 200),
        ("outsider", 404),
        ("admin", 200),
    ],
)
def test_case_page_role_by_role(world: World, who: str, status: int) -> None:
    case = world.make_case()
    assert client_for(getattr(world, who)).get(f"/tracing/cases/{case.pk}/").status_code == status


def test_citizen_and_other_staff_are_refused(world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    case = world.make_case()
    metro = make_user(roles={"metro": "admin"}, username="metro.boss")
    for path in ("/tracing/", f"/tracing/cases/{case.pk}/", "/tracing/supervisor/", "/tracing/outbreaks/"):
        assert client_for(metro).get(path).status_code == 403
    # Investigators read but do not work the tracer pages or write.
    assert client_for(world.investigator).get("/tracing/").status_code == 403
    start = (case.window().start + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    data = {"timeline-start": start, "timeline-end": start, "timeline-place": "x", "timeline-setting": "other"}
    assert client_for(world.investigator).post(f"/tracing/cases/{case.pk}/timeline/", data).status_code == 403


def test_timeline_entry_through_the_form(world: World) -> None:
    case = world.make_case()
    c = client_for(world.tracer_mapo)
    start = (case.window().start + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    end = (case.window().start + timedelta(hours=32)).strftime("%Y-%m-%dT%H:%M")
    data = {"start": start, "end": end, "place": "망원동 코인노래방", "setting": "nightlife", "found_by": "interview"}
    prefixed = {f"timeline-{k}": v for k, v in data.items()}
    response = c.post(f"/tracing/cases/{case.pk}/timeline/", prefixed)
    assert response.status_code == 302 and "reason" not in response["Location"]
    assert TimelineEntry.objects.get(case=case).place == "망원동 코인노래방"
    bad = c.post(f"/tracing/cases/{case.pk}/timeline/", {**prefixed, "timeline-end": "2001-01-01T00:00"})
    assert bad.status_code == 400 and "error-summary" in bad.content.decode()
    assert 'href="#id_timeline-end"' in bad.content.decode() and 'id="id_timeline-end"' in bad.content.decode()
    entry = TimelineEntry.objects.get(case=case)
    edit = c.post(f"/tracing/timeline/{entry.pk}/", {**data, "place": "망원동 PC방"})
    assert edit.status_code == 302
    entry.refresh_from_db()
    assert entry.place == "망원동 PC방"


def test_the_case_page_maps_the_timeline_places_by_district(world: World) -> None:
    case = world.make_case()
    c = client_for(world.tracer_mapo)
    start = case.window().start + timedelta(hours=30)
    for place, where in (
        ("망원동 노래방", str(MAPO)),
        ("합정 식당", str(MAPO)),
        ("역삼 사무실", str(GANGNAM)),
        ("부산 출장", ""),
    ):
        data = {"start": start.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M"), "place": place, "district": where}
        data |= {"end": data["start"], "setting": "other", "found_by": "interview"}
        response = c.post(f"/tracing/cases/{case.pk}/timeline/", {f"timeline-{k}": v for k, v in data.items()})
        assert response.status_code == 302, response.content.decode()[:500]
    assert TimelineEntry.objects.get(case=case, place="부산 출장").district is None
    page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    spec = json.loads(re.search(r'<script id="chart-places" type="application/json">(.*?)</script>', page, re.S)[1])
    counts = {f["properties"]["district"]: f["properties"]["count"] for f in spec["data"]["values"]["features"]}
    assert len(counts) == 25 and counts["마포구"] == 2 and counts["강남구"] == 1 and sum(counts.values()) == 3
    table = page.split('id="timeline-table"')[1].split("</table>")[0]
    assert "<td>마포구</td>" in table and "<td>—</td>" in table  # the trip outside Seoul has no district
    bad = c.post(
        f"/tracing/cases/{case.pk}/timeline/", {f"timeline-{k}": v for k, v in {**data, "district": "99"}.items()}
    )
    assert bad.status_code == 400 and 'href="#id_timeline-district"' in bad.content.decode()


def test_candidate_confirmation_through_the_page(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    (candidate,) = builders.candidates(case, FakeCandidate("p-x", 0.8))
    c = client_for(world.tracer_mapo)
    page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    assert 'data-candidate="p-x"' in page and "같은 장소 45분" in page
    fields = {
        "decision": "confirm",
        "reason": "카드 결제 시각 일치",
        "name": "정하늘",
        "phone": "010-8888-1234",
        "district": "13",
        "setting": "nightlife",
        "proximity": "unknown",
    }
    prefix = f"candidate-{candidate.pk}"
    missing = c.post(
        f"/tracing/candidates/{candidate.pk}/", {f"{prefix}-{k}": v for k, v in fields.items() if k != "reason"}
    )
    assert missing.status_code == 400
    shown = missing.content.decode()
    assert f'href="#id_{prefix}-reason"' in shown and f'id="id_{prefix}-reason"' in shown
    response = c.post(f"/tracing/candidates/{candidate.pk}/", {f"{prefix}-{k}": v for k, v in fields.items()})
    assert response.status_code == 302
    contact = Contact.objects.get(source_case=case)
    assert contact.person.name == "정하늘" and contact.person.presence_id == "p-x"


def test_follow_up_and_self_report_flag_the_worklist(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    contact = world.make_contact(world.make_case())
    tracer = tracer_of(contact)
    c = client_for(tracer)
    assert (
        f'data-contact="{contact.pk}"'
        in c.get("/tracing/").content.decode().split('id="due-table"')[1].split("</table>")[0]
    )
    with override_settings(SEOUL_TRACING_SMS_OUTBOX=tmp_path / "o.jsonl"):
        with django_capture_on_commit_callbacks(execute=True):
            assert c.post(f"/tracing/contacts/{contact.pk}/text/").status_code == 302
        text = sms.read_outbox()[-1]["text"]
    match = re.search(r"http://testserver(/tracing/r/[\w-]+/) 인증번호 (\d{6})", text)
    assert match, text
    anonymous = Client()
    form = anonymous.get(match[1])
    assert form.status_code == 200 and match[2] not in form.content.decode()  # the code never echoed
    wrong = anonymous.post(match[1], {"code": "000000" if match[2] != "000000" else "111111", "feeling": "well"})
    assert wrong.status_code == 400
    done = anonymous.post(match[1], {"code": match[2], "feeling": "symptoms", "symptoms": "발열 38도"})
    assert done.status_code == 200 and 'data-testid="done"' in done.content.decode()
    assert anonymous.get(match[1]).status_code == 410  # used
    follow_up = FollowUp.objects.get(contact=contact)
    assert (follow_up.status, follow_up.channel) == ("seen_symptoms", "self_report")
    worklist = c.get("/tracing/").content.decode()
    assert 'id="flagged"' in worklist and f"/tracing/contacts/{contact.pk}/" in worklist.split('id="flagged"')[1]
    # The tracer records a follow-up through the contact page too: a further entry of the day.
    response = c.post(
        f"/tracing/contacts/{contact.pk}/follow-up/",
        {
            "follow_up-day": world.today.isoformat(),
            "follow_up-status": "seen_symptoms",
            "follow_up-symptoms": "발열, 기침",
        },
    )
    assert response.status_code == 302
    channels = list(FollowUp.objects.filter(contact=contact).values_list("channel", flat=True))
    assert channels == ["tracer", "self_report"]
    page = c.get(f"/tracing/contacts/{contact.pk}/").content.decode()
    history = page.split('id="follow-up-table"')[1].split("</table>")[0]
    assert history.count(f'data-day="{world.today.isoformat()}"') == 2 and history.count('data-current="true"') == 1


def test_supervisor_indicators_and_reassignment(world: World) -> None:
    case = world.make_case()
    contact = world.make_contact(case)
    c = client_for(world.supervisor_mapo)
    page = c.get("/tracing/supervisor/").content.decode()
    assert 'data-testid="followed-up-n">0 / 1<' in page
    assert 'data-tracer="tracer.mapo"' in page and 'data-tracer="tracer.gangnam"' not in page
    tracer = tracer_of(contact)
    actions.record_follow_up(contact, world.today, "seen_well", actor=tracer)
    page = c.get("/tracing/supervisor/").content.decode()
    assert 'data-testid="followed-up-n">1 / 1<' in page
    assert 'data-testid="traced-24h-n">1 / 1<' in page
    assignment = case.assignments.get(ended_at=None)
    response = c.post(
        f"/tracing/assignments/{assignment.pk}/reassign/",
        {
            f"assignment-{assignment.pk}-tracer": world.tracer_mapo2.pk,
            f"assignment-{assignment.pk}-reason": "업무량 조정",
        },
    )
    assert response.status_code == 302
    assert case.assignments.get(ended_at=None).tracer == world.tracer_mapo2
    assert client_for(world.tracer_mapo).get("/tracing/supervisor/").status_code == 403


def test_new_case_from_a_contact_moves_the_contact_list_indicator(world: World) -> None:
    source = world.make_case()
    contact = world.make_contact(source)
    c = client_for(world.admin)
    assert 'data-testid="from-list-n">0 / 1<' in c.get("/tracing/supervisor/").content.decode()
    actions.convert_to_case(contact, confirmed_on=world.today, onset_on=world.today, actor=None)
    assert 'data-testid="from-list-n">1 / 2<' in c.get("/tracing/supervisor/").content.decode()
    chains = c.get(f"/tracing/outbreaks/{world.outbreak.pk}/chains/").content.decode()
    assert f"{source} → C-" in chains and 'data-chart="chart-chains"' in chains


def test_search_by_phone_needs_a_reason_and_respects_scope(world: World) -> None:
    case = world.make_case()  # → tracer.mapo
    phone = case.person.phone
    plain = Client()
    plain.force_login(world.tracer_mapo)
    asked = plain.post("/tracing/search/", {"phone": phone})
    assert case.person.name not in asked.content.decode() and b'name="ticket"' in asked.content
    c = client_for(world.tracer_mapo)
    found = c.post("/tracing/search/", {"phone": phone.replace("-", " ")}).content.decode()
    assert case.person.name in found and f"/tracing/cases/{case.pk}/" in found
    searched = AuditEvent.objects.get(event="tracing.person.searched")
    assert searched.reason == "tracing.investigation: 역학조사 2026-11" and phone not in str(searched.new)
    assert phone not in searched.route and phone.replace("-", "") not in searched.route
    other = client_for(world.tracer_gangnam).post("/tracing/search/", {"phone": phone}).content.decode()
    assert case.person.name not in other


def test_quarantine_export_carries_only_what_the_task_needs(world: World) -> None:
    mapo = world.make_contact(world.make_case(), name="마포접촉")
    world.make_contact(world.make_case(district=GANGNAM), district=GANGNAM, name="강남접촉")
    plain = Client()
    plain.force_login(world.supervisor_mapo)
    assert "text/csv" not in plain.get("/tracing/export/quarantine.csv")["Content-Type"]  # a reason first
    c = client_for(world.supervisor_mapo)
    response = c.get("/tracing/export/quarantine.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "마포접촉" in lines[1] and "강남접촉" not in response.content.decode()
    assert lines[1].split(",")[0] == mapo.reference and str(mapo.quarantine_end) in lines[1]
    assert "노래방" not in response.content.decode()  # no exposure or case details
    exported = AuditEvent.objects.get(event="personal_data.exported")
    assert exported.new["rows"] == 1 and exported.reason.startswith("tracing.investigation: ")
    assert client_for(world.tracer_mapo).get("/tracing/export/quarantine.csv").status_code == 403


def test_register_a_case_through_the_form(world: World) -> None:
    c = client_for(world.tracer_mapo)
    form = {
        "outbreak": world.outbreak.pk,
        "name": "서민호",
        "phone": "010-6060-7070",
        "district": "13",
        "confirmed_on": world.today.isoformat(),
        "onset_on": "",
        "test_on": "",
        "presence_id": "",
    }
    bad = c.post("/tracing/cases/new/", form)
    assert bad.status_code == 400 and "error-summary" in bad.content.decode()  # onset or test date needed
    response = c.post("/tracing/cases/new/", {**form, "test_on": world.today.isoformat()})
    assert response.status_code == 302
    case = Case.objects.get(person__phone_index__isnull=False, test_on=world.today)
    assert case.person.name == "서민호" and case.assignments.get().tracer == world.tracer_mapo
    assert response["Location"] == f"/tracing/cases/{case.pk}/"
    assert client_for(world.investigator).get("/tracing/cases/new/").status_code == 403


def test_open_an_outbreak_and_record_isolation(world: World) -> None:
    response = client_for(world.admin).post(
        "/tracing/outbreaks/new/",
        {
            "name": "관악구 요양원",
            "name_en": "Gwanak-gu care home",
            "district": "20",
            "monitoring_days": "10",
            "infectious_days_before": "3",
        },
    )
    assert response.status_code == 302
    outbreak = Outbreak.objects.get(name="관악구 요양원")
    assert (outbreak.district, outbreak.monitoring_days, outbreak.infectious_days_before) == (20, 10, 3)
    assert client_for(world.tracer_mapo).post("/tracing/outbreaks/new/", {"name": "x"}).status_code == 403
    case = world.make_case()
    c = client_for(world.tracer_mapo)
    too_early = (case.window().start - timedelta(hours=1)).astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")
    refused = c.post(f"/tracing/cases/{case.pk}/isolate/", {"isolation-isolated_at": too_early})
    assert refused.status_code == 400 and 'id="id_isolation-isolated_at_error"' in refused.content.decode()
    at = (case.window().start + timedelta(days=2)).astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")
    c.post(f"/tracing/cases/{case.pk}/isolate/", {"isolation-isolated_at": at})
    case.refresh_from_db()
    assert case.status == "isolated" and case.window().end == case.isolated_at


def test_admin_sets_districts_and_approver_adds_investigators(world: World, make_user) -> None:  # type: ignore[no-untyped-def]
    newcomer = make_user(institution="SPHF", roles={"tracing": "operator"}, username="tracer.new")
    admin = client_for(world.admin)
    page = admin.get("/tracing/tracers/").content.decode()
    assert 'data-user="tracer.new"' in page
    assert admin.post("/tracing/tracers/", {"user": newcomer.pk, "district": "20", "active": "on"}).status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.tracer_profile.district == 20
    assert world.make_case(district=20).assignments.get().tracer == newcomer
    assert client_for(world.supervisor_mapo).get("/tracing/tracers/").status_code == 403
    outsider_of_tracing = make_user(roles={"metro": "admin"}, username="metro.boss")
    assert admin.post("/tracing/tracers/", {"user": outsider_of_tracing.pk, "district": "20"}).status_code == 400
    response = client_for(world.supervisor_mapo).post(
        f"/tracing/outbreaks/{world.outbreak.pk}/investigators/",
        {f"outbreak-{world.outbreak.pk}-user": world.outsider.pk},
    )
    assert response.status_code == 302
    assert world.outbreak.investigators.filter(pk=world.outsider.pk).exists()
    assert AuditEvent.objects.filter(event="tracing.outbreak.investigator_added", actor=world.supervisor_mapo).exists()


def test_candidate_filters_narrow_the_list(world: World) -> None:
    case = world.make_case(presence_id="p-case")
    found = [
        EpisodeCandidate("p-in", 0.9, overlap_minutes=50, episodes=[Episode("indoor", 50)]),
        EpisodeCandidate("p-bus", 0.5, overlap_minutes=12, episodes=[Episode("transit", 12)]),
        EpisodeCandidate("p-park", 0.1, overlap_minutes=5, episodes=[Episode("outdoor", 5)]),
    ]
    builders.candidates(case, *found)
    Candidate.objects.filter(presence_id="p-park").update(status=Candidate.Status.DISMISSED)
    c = client_for(world.tracer_mapo)

    def listed(**filters: str) -> tuple[set[str], str]:
        page = c.get(f"/tracing/cases/{case.pk}/", filters).content.decode()
        count = re.search(r'id="candidate-count">([^<]*)<', page)
        return set(re.findall(r'data-candidate="([^"]+)"', page)), count.group(1) if count else ""

    everyone = {"p-in", "p-bus", "p-park"}
    assert listed() == (everyone, "3명 중 3명 표시")
    assert listed(cand_setting="transit") == ({"p-bus"}, "3명 중 1명 표시")
    assert listed(cand_min="30")[0] == {"p-in"}
    assert listed(cand_status="dismissed")[0] == {"p-park"}
    assert listed(cand_status="pending", cand_min="10")[0] == {"p-in", "p-bus"}
    assert listed(cand_min="ten", cand_setting="space", cand_status="maybe")[0] == everyone  # ignored, not an error
    page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    assert 'name="reason"' not in page.split("candidate-filters")[1].split("</form>")[0]  # no reason in the filter URL


def test_a_case_page_names_only_the_contacts_the_reader_may_open(world: World) -> None:
    case = world.make_case()
    mine = world.make_contact(case, name="마포 접촉자")
    elsewhere = world.make_contact(case, district=GANGNAM, name="강남 접촉자")
    # Mapo's supervisor sees the whole district, not Gangnam's work.
    page = client_for(world.supervisor_mapo).get(f"/tracing/cases/{case.pk}/").content.decode()
    assert "마포 접촉자" in page and f"/tracing/contacts/{mine.pk}/" in page
    assert "강남 접촉자" not in page and f"/tracing/contacts/{elsewhere.pk}/" not in page
    assert f'data-contact="{elsewhere.reference}"' in page and "다른 담당자가 맡음" in page
    assert client_for(world.tracer_gangnam).get(f"/tracing/contacts/{elsewhere.pk}/").status_code == 200
    assert client_for(world.supervisor_mapo).get(f"/tracing/contacts/{elsewhere.pk}/").status_code == 404
