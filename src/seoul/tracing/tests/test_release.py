"""Release from isolation by the criteria of the period (engine/release.py, reference/release_criteria.toml)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine.release import (
    CaseFacts,
    CriteriaError,
    PcrResult,
    Release,
    Version,
    earliest_release,
    load_criteria,
    parse_criteria,
)

CRITERIA = load_criteria()


def at(day: str, hour: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=SEOUL)


def negative(collected: str, hour: int, result_after_h: int = 20) -> PcrResult:
    taken = at(collected, hour)
    return PcrResult(collected_at=taken, resulted_at=taken + timedelta(hours=result_after_h), negative=True)


def release(facts: CaseFacts, today: str = "2026-12-01", versions: Sequence[Version] = CRITERIA) -> Release:
    return earliest_release(facts, versions, SEOUL, date.fromisoformat(today))


def test_the_shipped_criteria_are_korea_s_five_periods_in_order() -> None:
    assert [v.id for v in CRITERIA] == ["2020-01-20", "2020-05-11", "2020-06-25", "2022-01-26", "2022-02-09"]
    assert all(v.source.strip() and v.symptomatic and v.asymptomatic for v in CRITERIA)


def test_an_asymptomatic_case_of_july_2020_is_released_ten_days_after_confirmation() -> None:
    r = release(CaseFacts(confirmed_on=date(2020, 7, 1), specimen_on=date(2020, 6, 30)))
    assert (r.on, r.version, r.rule) == (date(2020, 7, 11), "2020-06-25", "days:confirmed+10")


def test_a_symptomatic_case_needs_ten_days_and_72_fever_free_hours_or_two_negatives() -> None:
    base = CaseFacts(confirmed_on=date(2020, 7, 2), onset_on=date(2020, 7, 1), afebrile_since=at("2020-07-09", 12))
    by_days = release(base)
    assert (by_days.on, by_days.rule) == (date(2020, 7, 12), "days:onset+10/72h")  # 07-09 12:00 + 72 h
    with_tests = replace(base, pcrs=(negative("2020-07-08", 9), negative("2020-07-09", 10)))
    by_tests = release(with_tests)
    assert (by_tests.on, by_tests.rule) == (date(2020, 7, 10), "tests:2x24h>onset+7")  # the second result 07-10 06:00
    still_febrile = release(
        CaseFacts(confirmed_on=date(2020, 7, 2), onset_on=date(2020, 7, 1)), "2020-07-05", CRITERIA[:3]
    )
    assert still_febrile.on is None and still_febrile.waiting == ("afebrile",)


def test_negatives_count_only_consecutive_far_enough_apart_and_late_enough() -> None:
    facts = CaseFacts(confirmed_on=date(2020, 5, 20), specimen_on=date(2020, 5, 20))
    positive_between = (
        negative("2020-05-27", 9),
        PcrResult(at("2020-05-28", 9), at("2020-05-29", 1), negative=False),
        negative("2020-05-29", 9),
        negative("2020-05-29", 20),  # 11 h after the previous one: does not count
        negative("2020-05-30", 10),
    )
    r = release(replace(facts, pcrs=positive_between), versions=CRITERIA[:2])
    assert (r.on, r.rule) == (date(2020, 5, 31), "tests:2x24h>confirmed+7")  # 05-30 10:00 + 20 h
    too_early = (negative("2020-05-25", 9), negative("2020-05-26", 10))  # before confirmation + 7 days
    r = release(replace(facts, pcrs=too_early), "2020-05-28", CRITERIA[:2])
    assert r.on is None and r.waiting == ("tests",)


def test_a_change_of_criteria_releases_those_already_due_under_it_on_the_day_it_takes_effect() -> None:
    # Confirmed 2020-06-10 without symptoms, no tests: 10 days had passed on 06-20, but the
    # symptom-based rule only existed from 2020-06-25.
    r = release(CaseFacts(confirmed_on=date(2020, 6, 10), specimen_on=date(2020, 6, 9)))
    assert (r.on, r.version) == (date(2020, 6, 25), "2020-06-25")


def test_a_version_no_longer_in_force_releases_nobody() -> None:
    onset, afebrile = date(2020, 5, 5), at("2020-05-08")
    late = (negative("2020-05-09", 9), negative("2020-05-10", 10, result_after_h=24))  # in 2020-05-11 10:00
    r = release(CaseFacts(confirmed_on=onset, onset_on=onset, afebrile_since=afebrile, pcrs=late))
    assert (r.on, r.version) == (date(2020, 6, 25), "2020-06-25")  # not by the tests of the old rule
    in_time = (negative("2020-05-09", 9), negative("2020-05-10", 10, result_after_h=12))  # in 05-10 22:00
    r = release(CaseFacts(confirmed_on=onset, onset_on=onset, afebrile_since=afebrile, pcrs=in_time))
    assert (r.on, r.version) == (date(2020, 5, 10), "2020-01-20")


def test_from_february_2022_everyone_is_free_seven_days_after_the_specimen() -> None:
    symptomatic = CaseFacts(confirmed_on=date(2022, 3, 2), onset_on=date(2022, 2, 28), specimen_on=date(2022, 3, 1))
    r = release(symptomatic)
    assert (r.on, r.version, r.rule) == (date(2022, 3, 8), "2022-02-09", "days:specimen+7")  # 7일차 24시
    assert r.due(date(2022, 3, 8)) and not r.due(date(2022, 3, 7))


def test_in_late_january_2022_a_vaccinated_case_is_free_after_seven_days_the_others_after_ten() -> None:
    onset = CaseFacts(confirmed_on=date(2022, 1, 28), onset_on=date(2022, 1, 27), afebrile_since=at("2022-01-30", 8))
    vaccinated = release(replace(onset, vaccinated=True), "2022-02-08")
    assert (vaccinated.on, vaccinated.version, vaccinated.rule) == (
        date(2022, 2, 3),
        "2022-01-26",
        "days:onset+7/vaccinated",
    )
    for status in (False, None):  # not complete, or not known: the longer isolation
        other = release(replace(onset, vaccinated=status), "2022-02-08")
        assert (other.on, other.version, other.rule) == (date(2022, 2, 6), "2022-01-26", "days:onset+10/72h")
    no_symptoms = CaseFacts(confirmed_on=date(2022, 1, 27), vaccinated=True)
    assert release(no_symptoms, "2022-02-08").on == date(2022, 2, 3)  # 7 days after confirmation
    # before 2022-01-26 the vaccination made no difference
    before = CaseFacts(confirmed_on=date(2021, 12, 1), vaccinated=True)
    assert (release(before, "2021-12-20").on, release(before, "2021-12-20").rule) == (
        date(2021, 12, 11),
        "days:confirmed+10",
    )


def test_what_is_missing_names_the_vaccination_only_when_it_is_not_known() -> None:
    febrile = CaseFacts(confirmed_on=date(2022, 1, 28), onset_on=date(2022, 1, 27))
    assert release(febrile, "2022-01-30").waiting == ("vaccination", "afebrile")
    assert release(replace(febrile, vaccinated=False), "2022-01-30").waiting == ("afebrile",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no [[version]]"),
        (
            "[[version]]\nid='a'\nfrom=2020-01-01\ntitle='t'\ntitle_en='t'\nsource='s'\nsymptomatic=[]",
            "symptomatic: at least one",
        ),
        (
            "[[version]]\nid='a'\nfrom=2020-01-01\ntitle='t'\ntitle_en='t'\nsource='s'\n"
            "symptomatic=[{kind='days', anchor='isolation', days=7}]\nasymptomatic=[{kind='days', anchor='onset', days=7}]",
            "symptomatic[0].anchor: 'isolation'",
        ),
        (
            "[[version]]\nid='a'\nfrom=2020-02-01\ntitle='t'\ntitle_en='t'\nsource='s'\n"
            "symptomatic=[{kind='days', anchor='onset', days=7}]\nasymptomatic=[{kind='days', anchor='onset', days=7}]\n"
            "[[version]]\nid='b'\nfrom=2020-01-01\ntitle='t'\ntitle_en='t'\nsource='s'\n"
            "symptomatic=[{kind='days', anchor='onset', days=7}]\nasymptomatic=[{kind='days', anchor='onset', days=7}]",
            "in order",
        ),
        (
            "[[version]]\nid='a'\nfrom=2020-01-01\ntitle='t'\nsource='s'\n"
            "symptomatic=[{kind='days', anchor='onset', days=7}]\nasymptomatic=[{kind='days', anchor='onset', days=7}]",
            "title_en: missing",
        ),
        (
            "[[version]]\nid='a'\nfrom=2020-01-01\ntitle='t'\ntitle_en='t'\nsource='s'\n"
            "symptomatic=[{kind='tests', anchor='onset', days=7}]\nasymptomatic=[{kind='days', anchor='onset', days=7}]",
            "negatives: a test rule needs",
        ),
        (
            "[[version]]\nid='a'\nfrom=2020-01-01\ntitle='t'\ntitle_en='t'\nsource='s'\n"
            "symptomatic=[{kind='days', anchor='onset', days=7, vaccinated='yes'}]\n"
            "asymptomatic=[{kind='days', anchor='onset', days=7}]",
            "symptomatic[0].vaccinated: 'yes' is not true or false",
        ),
    ],
)
def test_a_malformed_criteria_file_says_where(text: str, message: str) -> None:
    with pytest.raises(CriteriaError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_criteria(text)
