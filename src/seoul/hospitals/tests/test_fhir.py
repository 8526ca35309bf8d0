"""The daily report as a FHIR R4 MeasureReport: its shape, round trips and what is refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fhir.resources.R4B.measurereport import MeasureReport
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core.engine.time import SEOUL
from seoul.hospitals.engine.fhir import (
    BED_KIND_SYSTEM,
    GROUP_SYSTEM,
    MEASURE,
    POPULATION_SYSTEM,
    SANER_MEASURED_VALUES,
    SUPPLY_SYSTEM,
    UCUM,
    FhirError,
    from_measure_report,
    to_measure_report,
)
from seoul.hospitals.engine.report import (
    FORECAST_DAYS,
    BedKind,
    Beds,
    DailyReport,
    Profession,
    Staff,
    Stock,
    Supply,
)

AT = datetime(2024, 3, 1, 10, 30, tzinfo=SEOUL)

FULL = DailyReport(
    hospital="SMC-01",
    day=date(2024, 3, 1),
    beds={
        BedKind.CRITICAL: Beds(total=20, occupied=17, staffed=18, available=1),
        BedKind.SEVERE: Beds(total=40, occupied=30, staffed=38, available=8),
        BedKind.MODERATE: Beds(total=120, occupied=90, staffed=110, available=20),
        BedKind.MILD: Beds(total=300, occupied=120, staffed=250, available=130),
        BedKind.ISOLATION: Beds(total=12, occupied=9, staffed=12, available=3),
    },
    admissions=31,
    discharges=27,
    deaths=2,
    staff={
        Profession.PHYSICIAN: Staff(on_duty=45, short=3),
        Profession.NURSE: Staff(on_duty=210, short=14),
        Profession.NURSING_ASSISTANT: Staff(on_duty=80),
        Profession.RESPIRATORY_THERAPIST: Staff(on_duty=6, short=1),
        Profession.OTHER: Staff(on_duty=60, short=0),
    },
    supplies={
        Supply.N95: Stock(on_hand=12_000, days_of_supply=9.5),
        Supply.GOWNS: Stock(on_hand=3_400, days_of_supply=4.25),
        Supply.GLOVES: Stock(on_hand=50_000, days_of_supply=21.0),
        Supply.OXYGEN: Stock(on_hand=14, days_of_supply=0.1),
        Supply.REMDESIVIR: Stock(on_hand=0, days_of_supply=0.0),
    },
    forecast=(159, 150, 148, 140, 139, 135, 130),
)
MINIMAL = DailyReport(hospital="H7", day=date(2024, 12, 31), beds={BedKind.SEVERE: Beds(10, 4, 8, 4)})

FLOW_INDEX = 5  # group order: five bed kinds, patient flow, five professions, five supplies, forecast
FORECAST_INDEX = 16


def wire(resource: dict[str, Any]) -> Any:
    """Through JSON text and back, as a client would send it."""
    return json.loads(json.dumps(resource))


def full_wire() -> Any:
    return wire(to_measure_report(FULL, generated=AT))


def refusal(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(FhirError) as caught:
        from_measure_report(data)
    return caught.value.problems


def codes(concept: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept["coding"]]


# ---- shape and round trips -------------------------------------------------------------


def test_full_report_round_trips_through_json() -> None:
    data = full_wire()
    assert from_measure_report(data) == FULL
    assert len(data["group"]) == 5 + 1 + 5 + 5 + 1


def test_minimal_report_has_one_bed_group_and_the_flow_group_only() -> None:
    data = wire(to_measure_report(MINIMAL, generated=AT))
    assert [codes(g["code"]) for g in data["group"]] == [
        [(BED_KIND_SYSTEM, "severe")],
        [(GROUP_SYSTEM, "patient-flow")],
    ]
    assert [p["count"] for p in data["group"][1]["population"]] == [0, 0, 0]
    back = from_measure_report(data)
    assert back == MINIMAL
    assert (back.staff, back.supplies, back.forecast) == ({}, {}, ())


def test_the_resource_is_a_valid_r4_measure_report_for_one_seoul_day() -> None:
    data = full_wire()
    model = MeasureReport.model_validate(data)
    assert (model.status, model.type, model.measure) == ("complete", "summary", MEASURE)
    assert data["subject"] == {
        "reference": "Organization/SMC-01",
        "identifier": {"system": "urn:seoul:hospitals:hospital-code", "value": "SMC-01"},
    }
    assert data["reporter"] == {"reference": "Organization/SMC-01"}
    assert data["period"] == {"start": "2024-03-01T00:00:00+09:00", "end": "2024-03-01T23:59:59+09:00"}
    assert data["date"] == "2024-03-01T10:30:00+09:00"


def test_generated_is_written_in_seoul_time_and_another_reporter_is_named() -> None:
    utc = datetime(2024, 2, 29, 16, 5, 9, tzinfo=UTC)
    data = to_measure_report(MINIMAL, reporter="SEOUL-TOWER", generated=utc)
    assert data["date"] == "2024-03-01T01:05:09+09:00"
    assert data["reporter"] == {"reference": "Organization/SEOUL-TOWER"}
    assert data["subject"]["reference"] == "Organization/H7"


def test_bed_populations_carry_saner_codes_and_platform_codes() -> None:
    critical = full_wire()["group"][0]
    assert codes(critical["code"]) == [(BED_KIND_SYSTEM, "critical")]
    assert [codes(p["code"]) for p in critical["population"]] == [
        [(SANER_MEASURED_VALUES, "numTotBeds"), (POPULATION_SYSTEM, "total")],
        [(SANER_MEASURED_VALUES, "numTotBedsOcc"), (POPULATION_SYSTEM, "occupied")],
        [(POPULATION_SYSTEM, "staffed")],
        [(SANER_MEASURED_VALUES, "numTotBedsAvail"), (POPULATION_SYSTEM, "available")],
    ]
    assert [p["count"] for p in critical["population"]] == [20, 17, 18, 1]


def test_days_of_supply_is_the_supply_groups_measure_score_in_days() -> None:
    gowns = full_wire()["group"][12]
    assert codes(gowns["code"]) == [(SUPPLY_SYSTEM, "gowns")]
    assert gowns["measureScore"] == {"value": 4.25, "unit": "days", "system": UCUM, "code": "d"}
    assert [(codes(p["code"]), p["count"]) for p in gowns["population"]] == [([(POPULATION_SYSTEM, "on-hand")], 3_400)]


def test_forecast_is_one_group_with_a_population_per_day_ahead() -> None:
    forecast = full_wire()["group"][FORECAST_INDEX]
    assert codes(forecast["code"]) == [(GROUP_SYSTEM, "forecast")]
    assert [(p["code"]["coding"][0]["code"], p["count"]) for p in forecast["population"]] == [
        (f"forecast-day-{i}", n) for i, n in enumerate(FULL.forecast, start=1)
    ]


def test_an_equivalent_period_in_utc_and_saner_only_codes_are_accepted() -> None:
    data = full_wire()
    data["period"] = {"start": "2024-02-29T15:00:00Z", "end": "2024-03-01T14:59:59.999Z"}
    for population in data["group"][0]["population"]:
        population["code"]["coding"] = population["code"]["coding"][:1]  # SANER's code alone where it has one
    assert from_measure_report(data) == FULL


def test_to_measure_report_refuses_what_fhir_cannot_carry() -> None:
    with pytest.raises(ValueError, match="not a FHIR id"):
        to_measure_report(DailyReport("서울의료원", date(2024, 3, 1), {}), generated=AT)
    with pytest.raises(ValueError, match="aware"):
        to_measure_report(MINIMAL, generated=datetime(2024, 3, 1, 10, 0))
    with pytest.raises(ValueError, match="not a finite number"):
        to_measure_report(
            DailyReport("H7", date(2024, 3, 1), {}, supplies={Supply.N95: Stock(1, float("nan"))}), generated=AT
        )


counts = st.integers(min_value=0, max_value=100_000)
beds = st.builds(Beds, counts, counts, counts, counts)
reports = st.builds(
    DailyReport,
    hospital=st.from_regex(r"[A-Za-z0-9\-.]{1,64}", fullmatch=True),
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    beds=st.dictionaries(st.sampled_from(list(BedKind)), beds),
    admissions=counts,
    discharges=counts,
    deaths=counts,
    staff=st.dictionaries(st.sampled_from(list(Profession)), st.builds(Staff, counts, counts)),
    supplies=st.dictionaries(
        st.sampled_from(list(Supply)),
        st.builds(Stock, counts, st.floats(min_value=0, allow_nan=False, allow_infinity=False)),
    ),
    forecast=st.one_of(st.just(()), st.tuples(*[counts] * FORECAST_DAYS)),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports)
def test_any_report_round_trips(report: DailyReport) -> None:
    data = wire(to_measure_report(report, generated=AT))
    assert from_measure_report(data) == report


# ---- refusals ----------------------------------------------------------------------------


def test_a_wrong_resource_type_is_refused() -> None:
    data = full_wire()
    data["resourceType"] = "Observation"
    assert refusal(data) == [("resourceType", "must be 'MeasureReport', got 'Observation'")]


def test_a_patient_sent_instead_is_refused() -> None:
    patient = {"resourceType": "Patient", "id": "p1", "name": [{"family": "Kim", "given": ["Minjun"]}]}
    assert refusal(patient) == [("resourceType", "must be 'MeasureReport', got 'Patient'")]


def test_something_not_an_object_is_refused() -> None:
    assert refusal([1, 2]) == [("", "a MeasureReport must be a JSON object, got list")]


def test_an_invalid_status_code_is_refused() -> None:
    data = full_wire()
    data["status"] = "done"
    assert refusal(data) == [("status", "'done' is not a MeasureReport status (complete, pending, error)")]


def test_a_pending_report_is_refused() -> None:
    data = full_wire()
    data["status"] = "pending"
    assert refusal(data) == [("status", "only complete reports are accepted, got 'pending'")]


def test_a_count_given_as_text_is_refused_by_the_fhir_validation() -> None:
    data = full_wire()
    data["group"][2]["population"][1]["count"] = "abc"
    [(path, reason)] = refusal(data)
    assert path == "group[2].population[1].count"
    assert "valid integer" in reason


@pytest.mark.parametrize(("value", "shown"), [("3", "'3'"), (True, "True"), (3.0, "3.0")])
def test_a_count_that_is_not_a_json_integer_is_refused(value: Any, shown: str) -> None:
    data = full_wire()
    data["group"][0]["population"][0]["count"] = value
    assert refusal(data) == [("group[0].population[0].count", f"must be a whole number (a JSON integer), got {shown}")]


def test_a_fractional_count_is_refused() -> None:
    data = full_wire()
    data["group"][FLOW_INDEX]["population"][0]["count"] = 2.5
    [(path, reason)] = refusal(data)
    assert path == f"group[{FLOW_INDEX}].population[0].count"
    assert "fractional part" in reason


def test_a_negative_count_is_refused() -> None:
    data = full_wire()
    data["group"][1]["population"][3]["count"] = -1
    assert refusal(data) == [("group[1].population[3].count", "must not be negative, got -1")]


def test_a_missing_count_is_refused() -> None:
    data = full_wire()
    del data["group"][FLOW_INDEX]["population"][2]["count"]
    assert refusal(data) == [(f"group[{FLOW_INDEX}].population[2].count", "is missing: every population needs a count")]


def test_a_missing_subject_is_refused() -> None:
    data = full_wire()
    del data["subject"]
    assert refusal(data) == [
        ("subject", "is missing: the report must name its hospital as Organization/<hospital code>")
    ]


def test_a_location_subject_is_refused() -> None:
    data = full_wire()
    data["subject"] = {"reference": "Location/SMC-01"}
    assert refusal(data) == [("subject.reference", "must be Organization/<hospital code>, got 'Location/SMC-01'")]


def test_a_subject_identifier_naming_another_hospital_is_refused() -> None:
    data = full_wire()
    data["subject"]["identifier"]["value"] = "SMC-02"
    assert refusal(data) == [("subject.identifier.value", "names 'SMC-02', the reference 'SMC-01'")]


def test_another_measure_is_refused() -> None:
    data = full_wire()
    data["measure"] = "urn:seoul:hospitals:measure:weekly"
    assert refusal(data) == [("measure", f"must be {MEASURE}, got 'urn:seoul:hospitals:measure:weekly'")]


def test_a_report_other_than_a_summary_is_refused() -> None:
    data = full_wire()
    data["type"] = "individual"
    assert refusal(data) == [("type", "must be 'summary', got 'individual'")]


def test_an_unknown_group_code_is_refused() -> None:
    data = full_wire()
    data["group"][3]["code"]["coding"][0]["code"] = "ward"
    assert refusal(data) == [("group[3].code", f"an unknown group code: {BED_KIND_SYSTEM}|ward")]


def test_an_unknown_population_code_is_refused() -> None:
    data = full_wire()
    data["group"][7]["population"][1]["code"] = {"coding": [{"system": POPULATION_SYSTEM, "code": "on-leave"}]}
    problems = refusal(data)
    assert [path for path, _ in problems] == ["group[7].population[1].code", "group[7].population"]
    assert problems[0][1] == (
        f"an unknown code for a staff group: {POPULATION_SYSTEM}|on-leave (expected one of on-duty, short)"
    )
    assert problems[1][1] == "is missing short"


def test_codes_that_disagree_are_refused() -> None:
    data = full_wire()
    data["group"][0]["population"][0]["code"]["coding"][1]["code"] = "occupied"  # numTotBeds with "occupied"
    [(path, reason), *_] = refusal(data)
    assert (path, reason.split(":")[0]) == ("group[0].population[0].code", "codes that disagree")


def test_a_duplicated_group_is_refused() -> None:
    data = full_wire()
    data["group"].append(copy.deepcopy(data["group"][2]))
    assert refusal(data) == [("group[17].code", "repeats 'moderate', given in group[2]")]


def test_a_duplicated_population_is_refused() -> None:
    data = full_wire()
    data["group"][0]["population"][2] = copy.deepcopy(data["group"][0]["population"][1])
    assert refusal(data) == [
        ("group[0].population[2].code", "repeats 'occupied', given in group[0].population[1]"),
        ("group[0].population", "is missing staffed"),
    ]


def test_a_missing_flow_group_is_refused() -> None:
    data = full_wire()
    del data["group"][FLOW_INDEX]
    assert refusal(data) == [("group", "is missing the patient-flow group (admissions, discharges, deaths)")]


def test_a_period_spanning_two_days_is_refused() -> None:
    data = full_wire()
    data["period"]["end"] = "2024-03-02T23:59:59+09:00"
    assert refusal(data) == [
        (
            "period.end",
            "must be 23:59:59 Seoul time of 2024-03-01, got 2024-03-02T23:59:59+09:00: "
            "a report covers one Seoul calendar day",
        )
    ]


def test_a_period_not_starting_at_seoul_midnight_is_refused() -> None:
    data = full_wire()
    data["period"]["start"] = "2024-03-01T00:00:00Z"  # 09:00 in Seoul
    assert refusal(data) == [
        ("period.start", "must be 00:00:00 Seoul time (+09:00): a report covers one Seoul calendar day")
    ]


def test_a_period_given_as_dates_only_is_refused() -> None:
    data = full_wire()
    data["period"] = {"start": "2024-03-01", "end": "2024-03-01"}
    reason = "must be a date-time to the second with an offset, e.g. 2024-03-01T00:00:00+09:00"
    assert refusal(data) == [("period.start", reason), ("period.end", reason)]


def test_an_invalid_date_time_is_refused_by_the_fhir_validation() -> None:
    data = full_wire()
    data["period"]["start"] = "yesterday"
    assert refusal(data) == [("period.start", "is not a valid FHIR dateTime")]


def test_an_element_measure_report_does_not_have_is_refused() -> None:
    data = full_wire()
    data["group"][4]["beds"] = 3
    assert refusal(data) == [("group[4].beds", "is not an element of a MeasureReport here")]


def test_a_code_given_as_text_is_refused_by_the_fhir_validation() -> None:
    data = full_wire()
    data["group"][0]["code"] = "critical"
    assert refusal(data) == [("group[0].code", "must be a JSON object")]


def test_a_forecast_with_six_days_is_refused() -> None:
    data = full_wire()
    del data["group"][FORECAST_INDEX]["population"][-1]
    assert refusal(data) == [(f"group[{FORECAST_INDEX}].population", "a forecast gives 7 days (+1 to +7), got 6")]


def test_a_supply_without_days_of_supply_or_in_weeks_is_refused() -> None:
    data = full_wire()
    del data["group"][11]["measureScore"]
    data["group"][12]["measureScore"].update(unit="weeks", code="wk")
    assert refusal(data) == [
        ("group[11].measureScore", "is missing: a supply group gives its days of supply as measureScore"),
        ("group[12].measureScore", f"must be in days (UCUM code 'd' of {UCUM})"),
    ]


def test_every_problem_is_reported_at_once_and_in_the_message() -> None:
    data = full_wire()
    data["status"] = "error"
    data["group"][0]["population"][0]["count"] = -5
    data["group"][FORECAST_INDEX]["population"] = data["group"][FORECAST_INDEX]["population"][:3]
    with pytest.raises(FhirError) as caught:
        from_measure_report(data)
    assert [path for path, _ in caught.value.problems] == [
        "status",
        "group[0].population[0].count",
        f"group[{FORECAST_INDEX}].population",
    ]
    assert "group[0].population[0].count: must not be negative, got -5" in str(caught.value)
