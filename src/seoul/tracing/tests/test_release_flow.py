"""Lab results, the end of the fever and release from isolation through the actions and the pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import escape

from seoul.core.engine.time import SEOUL
from seoul.core.errors import Refused, codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions
from seoul.tracing.models import Case, LabResult
from seoul.tracing.release import WAITING_WORDS, basis_words, release_of
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import GANGNAM, World


def at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SEOUL)


def pcr(collected: datetime, *, negative: bool = True, after_h: int = 20) -> actions.LabInput:
    return actions.LabInput(
        test="pcr",
        specimen="nasopharyngeal",
        lab="서울특별시 보건환경연구원",
        result="negative" if negative else "positive",
        collected_at=collected,
        resulted_at=collected + timedelta(hours=after_h),
    )


def form_moment(moment: datetime) -> str:
    return moment.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M")


def test_a_july_2020_case_is_released_by_the_criteria_of_its_period(world: World) -> None:
    case = world.make_case(onset=date(2020, 7, 1), confirmed_on=date(2020, 7, 2))
    tracer = tracer_of(case)
    actions.isolate(case, at("2020-07-02", 15), actor=tracer)
    with pytest.raises(ValidationError) as waiting:
        actions.release(case, actor=tracer, today=date(2020, 7, 8))
    assert (
        codes_of(waiting.value) == ["tracing.release_waiting"]
        and str(WAITING_WORDS["afebrile"]) in waiting.value.messages[0]
    )
    actions.record_fever_end(case, at("2020-07-05", 10), actor=tracer)
    with pytest.raises(ValidationError) as not_due:  # 10 days after onset: 07-11
        actions.release(case, actor=tracer, today=date(2020, 7, 8))
    assert codes_of(not_due.value) == ["tracing.release_not_due"] and "2020-07-11" in not_due.value.messages[0]
    for collected in (at("2020-07-08", 9), at("2020-07-09", 10)):  # two negatives 25 h apart, in 07-10 06:00
        actions.record_lab_result(case, pcr(collected), actor=tracer)
    released = actions.release(case, actor=tracer, today=date(2020, 7, 10))
    assert (released.status, released.released_on) == (Case.Status.RELEASED, date(2020, 7, 10))
    assert released.release_rule == "2020-06-25 tests:2x24h>onset+7"
    event = AuditEvent.objects.get(event="tracing.case.released", target_id=str(case.pk))
    assert event.new["rule"] == released.release_rule
    with pytest.raises(ValidationError) as again:
        actions.release(case, actor=tracer, today=date(2020, 7, 11))
    assert codes_of(again.value) == ["tracing.not_isolated"]


def test_lab_results_are_checked_and_kept_in_the_reader_s_scope(world: World) -> None:
    case = world.make_case()
    tracer = tracer_of(case)
    taken = world.now - timedelta(hours=30)
    backwards = actions.LabInput("pcr", "saliva", "연구원", "negative", taken, taken - timedelta(minutes=1))
    with pytest.raises(ValidationError) as refused:
        actions.record_lab_result(case, backwards, actor=tracer)
    assert codes_of(refused.value) == ["tracing.result_before_specimen"]
    with pytest.raises(ValidationError) as bad_choice:
        actions.record_lab_result(case, replace(pcr(taken), test="culture"), actor=tracer)
    assert codes_of(bad_choice.value) == ["tracing.choice"]
    with pytest.raises(Refused):  # another district's tracer
        actions.record_lab_result(case, pcr(taken), actor=world.tracer_gangnam)
    assert not LabResult.objects.exists()
    actions.record_lab_result(case, pcr(taken, negative=False), actor=tracer)
    assert list(case.lab_results.values_list("result", flat=True)) == ["positive"]


def test_the_case_page_and_worklist_show_the_release_day_and_release_when_due(world: World) -> None:
    recent = world.make_case(onset=world.today - timedelta(days=2), confirmed_on=world.today - timedelta(days=1))
    tracer = tracer_of(recent)
    earlier = builders.case_input(onset=world.today - timedelta(days=10), confirmed_on=world.today - timedelta(days=9))
    due = actions.register_case(world.outbreak, earlier, actor=None, tracer=tracer).case
    assert due is not None
    for case in (recent, due):
        actions.isolate(case, case.window().start + timedelta(days=3), actor=tracer)
    c = client_for(tracer)
    page = c.get(f"/tracing/cases/{recent.pk}/").content.decode()
    # From 2022-02-09: seven days from the specimen (no test date given: the confirmation day).
    assert 'data-testid="release-on">' in page and str(recent.confirmed_on + timedelta(days=7)) in page
    assert 'id="release-form"' not in page
    bad = c.post(
        f"/tracing/cases/{recent.pk}/lab-results/",
        {
            "lab-test": "pcr",
            "lab-specimen": "saliva",
            "lab-lab": "",
            "lab-result": "negative",
            "lab-collected_at": form_moment(world.now - timedelta(hours=5)),
            "lab-resulted_at": form_moment(world.now - timedelta(hours=6)),
        },
    )
    assert bad.status_code == 400 and 'id="id_lab-lab_error"' in bad.content.decode()
    good = c.post(
        f"/tracing/cases/{recent.pk}/lab-results/",
        {
            "lab-test": "pcr",
            "lab-specimen": "saliva",
            "lab-lab": "강남구 보건소",
            "lab-result": "negative",
            "lab-collected_at": form_moment(world.now - timedelta(hours=6)),
            "lab-resulted_at": form_moment(world.now - timedelta(hours=2)),
        },
    )
    assert good.status_code == 302 and recent.lab_results.get().lab == "강남구 보건소"
    c.post(f"/tracing/cases/{recent.pk}/release/")
    recent.refresh_from_db()
    assert recent.status == Case.Status.ISOLATED  # not due yet
    worklist = c.get("/tracing/").content.decode()
    assert 'data-testid="release-count">1<' in worklist
    assert f'href="/tracing/cases/{due.pk}/#release-h"' in worklist
    assert f'href="/tracing/cases/{recent.pk}/#release-h"' not in worklist
    assert release_of(due).due(world.today)
    response = c.post(f"/tracing/cases/{due.pk}/release/")
    assert response.status_code == 302
    due.refresh_from_db()
    assert (due.status, due.released_on) == (Case.Status.RELEASED, world.today)
    page = c.get(f"/tracing/cases/{due.pk}/").content.decode()
    assert 'data-testid="released"' in page and due.release_rule == "2022-02-09 days:specimen+7"
    with translation.override("ko"):
        assert escape(basis_words("2022-02-09", "days:specimen+7")) in page
    assert due.district != GANGNAM
    assert client_for(world.tracer_gangnam).post(f"/tracing/cases/{recent.pk}/release/").status_code == 404


def test_an_outcome_is_recorded_once_and_a_case_that_died_is_not_released(world: World) -> None:
    case = world.make_case(onset=world.today - timedelta(days=12), confirmed_on=world.today - timedelta(days=10))
    tracer = tracer_of(case)
    actions.isolate(case, case.window().start + timedelta(days=3), actor=tracer)
    with pytest.raises(ValidationError) as early:
        actions.record_outcome(case, "died", case.confirmed_on - timedelta(days=1), actor=tracer)
    assert codes_of(early.value) == ["tracing.outcome_before_confirmation"]
    c = client_for(tracer)
    bad = c.post(f"/tracing/cases/{case.pk}/outcome/", {"outcome-outcome": "gone", "outcome-outcome_on": ""})
    assert bad.status_code == 400 and 'id="id_outcome-outcome_error"' in bad.content.decode()
    assert 'data-testid="release-count">1<' in c.get("/tracing/").content.decode()
    done = c.post(
        f"/tracing/cases/{case.pk}/outcome/", {"outcome-outcome": "died", "outcome-outcome_on": str(world.today)}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.outcome, case.outcome_on) == ("died", world.today)
    with pytest.raises(ValidationError) as again:
        actions.record_outcome(case, "recovered", world.today, actor=tracer)
    assert codes_of(again.value) == ["tracing.outcome_recorded"]
    with pytest.raises(ValidationError) as no_release:
        actions.release(case, actor=tracer)
    assert codes_of(no_release.value) == ["tracing.case_died"]
    assert 'data-testid="release-count">0<' in c.get("/tracing/").content.decode()
    page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    assert 'data-testid="outcome"' in page and 'id="release-form"' not in page and 'id="outcome-form"' not in page


def test_a_january_2022_case_s_vaccination_is_asked_recorded_and_shortens_its_isolation(world: World) -> None:
    """Isolated over the Omicron response stage (2022-01-26 to 02-08), a case's page asks
    whether its vaccination was complete; recording it (audited) moves the earliest release
    from 10 to 7 days after onset. A case of 2020 is not asked. Bad values are refused on the
    field; another district's tracer cannot record it."""
    case = world.make_case(onset=date(2022, 1, 27), confirmed_on=date(2022, 1, 28))
    tracer = tracer_of(case)
    actions.isolate(case, at("2022-01-28", 15), actor=tracer)
    actions.record_fever_end(case, at("2022-01-30", 8), actor=tracer)
    c = client_for(tracer)
    with translation.override("en"):
        page = c.get(f"/tracing/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="vaccination">' in page and 'id="vaccination-form"' in page
    assert "Earliest release: 2022-02-06" in page  # not known: 10 days after onset, fever gone 72 h
    bad = c.post(f"/tracing/cases/{case.pk}/vaccination/", {"vaccination-vaccination_complete": "maybe"})
    assert bad.status_code == 400 and 'id="id_vaccination-vaccination_complete_error"' in bad.content.decode()
    case.refresh_from_db()
    assert case.vaccination_complete is None
    done = c.post(f"/tracing/cases/{case.pk}/vaccination/", {"vaccination-vaccination_complete": "yes"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.vaccination_complete is True
    event = AuditEvent.objects.filter(event="tracing.case.updated", target_id=str(case.pk)).latest("id")
    assert (event.old, event.new) == ({"vaccination_complete": None}, {"vaccination_complete": True})
    with translation.override("en"):
        page = c.get(f"/tracing/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Earliest release: 2022-02-03" in page and "7 days after symptom onset, vaccination complete" in page
    assert client_for(world.tracer_gangnam).post(
        f"/tracing/cases/{case.pk}/vaccination/", {"vaccination-vaccination_complete": "no"}
    ).status_code in (403, 404)
    case.refresh_from_db()
    assert case.vaccination_complete is True
    released = actions.release(case, actor=tracer, today=date(2022, 2, 3))
    assert released.release_rule == "2022-01-26 days:onset+7/vaccinated"
    old = world.make_case(onset=date(2020, 7, 1), confirmed_on=date(2020, 7, 2))
    actions.record_fever_end(old, at("2020-07-05", 10), actor=tracer_of(old))
    page = client_for(tracer_of(old)).get(f"/tracing/cases/{old.pk}/").content.decode()
    assert 'id="vaccination-form"' not in page and 'data-testid="vaccination"' not in page
