"""Case classification: suspected, probable, confirmed, not a case, with the day and basis of
each change; a case confirmed by the laboratory result that confirms by the rule of its day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from seoul.core.engine.time import SEOUL
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.tracing import actions
from seoul.tracing.engine.classification import RAT_CONFIRMS_FROM, confirms
from seoul.tracing.models import Case, ClassificationChange
from seoul.tracing.tests.builders import client_for, tracer_of
from seoul.tracing.tests.conftest import World

pytestmark = pytest.mark.django_db


def lab(test: str, result: str, collected: datetime) -> actions.LabInput:
    return actions.LabInput(test, "nasopharyngeal", "마포구 보건소", result, collected, collected + timedelta(hours=6))


def test_which_results_confirm_by_the_rule_of_their_day() -> None:
    assert confirms("pcr", "positive", date(2020, 3, 1))
    assert not confirms("pcr", "negative", date(2020, 3, 1))
    assert not confirms("rat", "positive", RAT_CONFIRMS_FROM - timedelta(days=1))
    assert confirms("rat", "positive", RAT_CONFIRMS_FROM)
    assert not confirms("antibody", "positive", date(2022, 6, 1))
    assert not confirms("pcr", "inconclusive", date(2022, 6, 1))


def test_a_suspected_case_is_confirmed_by_its_positive_pcr(world: World) -> None:
    onset = date(2021, 12, 10)
    case = world.make_case(onset=onset, classification="suspected", basis="발열·기침, 확진자의 동거가족")
    assert (case.classification, case.confirmed_on) == ("suspected", None)
    tracer = tracer_of(case)
    actions.isolate(case, datetime(2021, 12, 10, 18, tzinfo=SEOUL), actor=tracer)
    with pytest.raises(ValidationError) as not_confirmed:
        actions.release(case, actor=tracer, today=date(2021, 12, 30))
    assert codes_of(not_confirmed.value) == ["tracing.not_confirmed"]
    # a rapid antigen positive in 2021 did not confirm; the PCR does, from the day of its result
    actions.record_lab_result(case, lab("rat", "positive", datetime(2021, 12, 11, 9, tzinfo=SEOUL)), actor=tracer)
    assert Case.objects.get(pk=case.pk).classification == "suspected"
    pcr = actions.record_lab_result(
        case, lab("pcr", "positive", datetime(2021, 12, 11, 20, tzinfo=SEOUL)), actor=tracer
    )
    case.refresh_from_db()
    assert (case.classification, case.confirmed_on) == ("confirmed", date(2021, 12, 12))
    history = list(case.classifications.order_by("recorded_at", "pk"))
    assert [(h.classification, h.on, h.basis, h.lab_result_id) for h in history] == [
        ("suspected", history[0].on, "발열·기침, 확진자의 동거가족", None),
        ("confirmed", date(2021, 12, 12), "", pcr.pk),
    ]
    event = AuditEvent.objects.get(event="tracing.case.classified", target_id=str(case.pk))
    assert event.old["classification"] == "suspected" and event.new == {
        "classification": "confirmed",
        "on": "2021-12-12",
        "lab_result": pcr.pk,
    }
    # a second positive changes nothing
    actions.record_lab_result(case, lab("pcr", "positive", datetime(2021, 12, 13, 9, tzinfo=SEOUL)), actor=tracer)
    assert case.classifications.count() == 2


def test_registration_dates_follow_the_classification(world: World) -> None:
    with pytest.raises(ValidationError) as dated:
        world.make_case(classification="probable", confirmed_on=world.today, basis="증상+역학적 연관")
    assert codes_of(dated.value) == ["tracing.confirmed_on_only_confirmed"]
    undated = actions.CaseInput(name="환자", phone="010-1111-2222", district=13, onset_on=world.today)
    with pytest.raises(ValidationError) as missing:
        actions.register_case(world.outbreak, undated, actor=None)
    assert codes_of(missing.value) == ["tracing.confirmed_on_needed"]
    with pytest.raises(ValidationError) as closed:
        world.make_case(classification="not_a_case")
    assert codes_of(closed.value) == ["tracing.register_as"]
    assert not Case.objects.exists()


def test_a_case_found_not_to_be_one_leaves_isolation_and_keeps_its_history(world: World) -> None:
    case = world.make_case(classification="probable", basis="인후통, 같은 사무실 확진자와 접촉")
    tracer = tracer_of(case)
    actions.isolate(case, datetime.now(SEOUL) - timedelta(hours=3), actor=tracer)
    with pytest.raises(ValidationError) as short:
        actions.classify(case, "not_a_case", world.today, "음성", actor=tracer)
    assert list(short.value.message_dict) == ["basis"]  # a basis needs at least 5 characters
    actions.classify(case, "not_a_case", world.today, "PCR 2회 음성, 증상은 알레르기성 비염", actor=tracer)
    case.refresh_from_db()
    assert (case.classification, case.status, case.released_on, case.release_rule) == (
        "not_a_case",
        Case.Status.RELEASED,
        world.today,
        Case.NOT_A_CASE_RULE,
    )
    with pytest.raises(ValidationError) as same:
        actions.classify(case, "not_a_case", world.today, "다시 한 번 확인함", actor=tracer)
    assert codes_of(same.value) == ["tracing.same_classification"]
    assert list(ClassificationChange.objects.filter(case=case).values_list("classification", flat=True)) == [
        "not_a_case",
        "probable",
    ]
    page = client_for(tracer, language="en").get(f"/tracing/cases/{case.pk}/").content.decode()
    assert "classified as not a case" in page and "PCR 2회 음성" in page


def test_the_case_page_registers_a_suspected_case_and_classifies_it(world: World) -> None:
    c = client_for(world.tracer_mapo, language="en")
    posted = c.post(
        "/tracing/cases/new/",
        {
            "outbreak": world.outbreak.pk,
            "name": "홍길동",
            "phone": "010-3333-4444",
            "district": 13,
            "language": "ko",
            "classification": "suspected",
            "basis": "38.2℃ 발열, 노래방 방문",
            "onset_on": world.today.isoformat(),
        },
    )
    assert posted.status_code == 302, posted.content.decode()[:3000]
    case = Case.objects.get()
    assert (case.classification, case.confirmed_on) == ("suspected", None)
    page = c.get(f"/tracing/cases/{case.pk}/").content.decode()
    assert 'data-testid="classification"' in page and 'data-testid="release-unconfirmed"' in page
    refused = c.post(
        f"/tracing/cases/{case.pk}/classification/",
        {"classify-classification": "confirmed", "classify-on": world.today.isoformat(), "classify-basis": ""},
    )
    assert refused.status_code == 400 and 'id="id_classify-basis_error"' in refused.content.decode()
    done = c.post(
        f"/tracing/cases/{case.pk}/classification/",
        {
            "classify-classification": "confirmed",
            "classify-on": world.today.isoformat(),
            "classify-basis": "역학적 연관 + 임상 진단 (검사 불가)",
        },
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert (case.classification, case.confirmed_on) == ("confirmed", world.today)
