"""The scenario contract: parsing, every error reported, the result, and the model's directions."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from seoul.care.engine import ScenarioError, parse_scenario, risk

SAMPLES = 60_000

DAYCARE: dict[str, Any] = {
    "room": {"volume_m3": 150, "inside_temp_k": 293.15, "humidity": 0.4},
    "location": {"lat": 37.5665, "lon": 126.978},
    "month": 1,
    "ventilation": [
        {
            "type": "window_sliding",
            "height_m": 1.2,
            "opening_m": 0.1,
            "count": 2,
            "schedule": [[10, 10.25], [12, 12.25], [14, 14.25], [16, 16.25]],
        },
        {"type": "hepa", "flow_m3h": 300, "schedule": "always"},
        {"type": "ach", "ach": 0.25, "schedule": "always"},
    ],
    "infected": {
        "count": 1,
        "virus": "Omicron",
        "activity": "Light activity",
        "expiration": {"Breathing": 0.7, "Speaking": 0.3},
        "mask": "none",
        "presence": [[9, 12], [13, 17]],
    },
    "exposed": {"count": 16, "activity": "Light activity", "mask": "none", "presence": [[9, 12], [13, 17]]},
    "samples": SAMPLES,
    "seed": 42,
}


def scenario(**changes: Any) -> dict[str, Any]:
    """DAYCARE with dotted-path changes, e.g. ``scenario(**{"infected.mask": "FFP2"})``."""
    out = copy.deepcopy(DAYCARE)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = out
        for key in parents:
            node = node[key]
        node[last] = value
    return out


def p(s: dict[str, Any]) -> float:
    return float(risk(s)["p_infection_percent"])


# --- the result -----------------------------------------------------------------------------


def test_result_has_the_contract_fields() -> None:
    result = risk(DAYCARE)
    for key in ("p_infection_percent", "expected_cases", "mean_dose", "emission_rate"):
        assert isinstance(result[key], float)
        assert result[key] > 0
    assert 0 < result["p_infection_percent"] < 100
    assert result["expected_cases"] == pytest.approx(result["p_infection_percent"] / 100 * 16)
    assert result["p_infection_percent_p05"] <= result["p_infection_percent_p50"] <= result["p_infection_percent_p95"]
    assert result["dose_p05"] <= result["dose_p50"] <= result["dose_p95"]
    assert result["samples"] == SAMPLES
    assert result["seed"] == 42
    assert result["warnings"] == []
    # 2 sliding windows open 1 h of 7 in January, 300 m³/h in 150 m³, 0.25 infiltration.
    assert 2.25 < result["mean_air_changes_per_hour"] < 4.0
    json.dumps(result)  # plain JSON types


def test_same_seed_same_result_and_another_seed_close() -> None:
    first, second = risk(DAYCARE), risk(copy.deepcopy(DAYCARE))
    assert first == second
    other = risk(scenario(seed=43))
    assert other["p_infection_percent"] != first["p_infection_percent"]
    assert other["p_infection_percent"] == pytest.approx(first["p_infection_percent"], rel=0.05)


def test_missing_seed_is_drawn_and_returned() -> None:
    s = scenario()
    del s["seed"]
    result = risk(s)
    assert isinstance(result["seed"], int)
    assert risk(scenario(seed=result["seed"])) == result


def test_outside_seoul_is_accepted_with_a_warning() -> None:
    result = risk(scenario(location={"lat": 35.1796, "lon": 129.0756}))  # Busan
    assert len(result["warnings"]) == 1
    assert "Seoul" in result["warnings"][0]
    assert result["p_infection_percent"] == risk(DAYCARE)["p_infection_percent"]


def test_fixed_viral_load_narrows_the_spread() -> None:
    free, fixed = risk(DAYCARE), risk(scenario(**{"infected.viral_load": 1e9}))
    assert (
        fixed["emission_rate_p95"] / fixed["emission_rate_p05"] < free["emission_rate_p95"] / free["emission_rate_p05"]
    )
    assert fixed["p_infection_percent"] > free["p_infection_percent"]  # 1e9 is above the mean load


def test_single_expiration_name_is_accepted() -> None:
    assert p(scenario(**{"infected.expiration": "Speaking"})) == p(scenario(**{"infected.expiration": {"Speaking": 3}}))


# --- errors -----------------------------------------------------------------------------------


def test_every_bad_field_is_reported() -> None:
    bad = {
        "room": {"volume_m3": -1, "humidity": 50, "colour": "red"},
        "month": 13,
        "ventilation": [
            {"type": "window_hinged", "height_m": 1, "opening_m": 0.5},
            {"type": "fan"},
            {"type": "hepa", "flow_m3h": "a lot", "schedule": [[10, 9]]},
            {"type": "window_sliding", "height_m": 1, "opening_m": 0.2, "count": 1.5},
        ],
        "infected": {
            "count": 0,
            "virus": "Beta",
            "activity": "Seated",
            "expiration": {"Singing": 1},
            "mask": "N95",
            "presence": [[9, 12], [11, 13]],
        },
        "exposed": {"count": 3},
        "samples": 0,
        "seed": -1,
        "extra": True,
    }
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(bad)
    paths = {path for path, _ in caught.value.errors}
    assert paths == {
        "extra",
        "room.colour",
        "room.volume_m3",
        "room.humidity",
        "month",
        "ventilation[0].width_m",
        "ventilation[1].type",
        "ventilation[2].schedule[0]",
        "ventilation[2].flow_m3h",
        "ventilation[3].count",
        "infected.count",
        "infected.virus",
        "infected.expiration.Singing",
        "infected.mask",
        "infected.presence[1]",
        "exposed.activity",
        "exposed.mask",
        "exposed.presence",
        "samples",
        "seed",
    }
    reasons = dict(caught.value.errors)
    assert reasons["room.humidity"] == "must be at most 1 (got 50)"
    assert reasons["ventilation[2].schedule[0]"] == "must end after it starts"
    assert isinstance(caught.value, ValueError)
    assert "infected.virus" in str(caught.value)


def test_missing_top_level_parts_are_reported() -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario({})
    assert {path for path, _ in caught.value.errors} == {"room", "ventilation", "infected", "exposed"}


@pytest.mark.parametrize("value", [None, [], "scenario", 3])
def test_not_an_object(value: Any) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(value)
    assert caught.value.errors == [("(top)", "must be an object")]


def test_a_window_needs_the_month() -> None:
    s = scenario()
    del s["month"]
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(s)
    assert [path for path, _ in caught.value.errors] == ["month"]


def test_hinged_opening_beyond_the_sash_is_refused() -> None:
    s = scenario(ventilation=[{"type": "window_hinged", "height_m": 0.5, "opening_m": 1.2, "width_m": 1.0}])
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(s)
    assert [path for path, _ in caught.value.errors] == ["ventilation[0].opening_m"]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"room.volume_m3": True}, "room.volume_m3"),
        ({"room.inside_temp_k": 20}, "room.inside_temp_k"),  # Celsius by mistake
        ({"infected.presence": []}, "infected.presence"),
        ({"infected.presence": [[9, 25]]}, "infected.presence[0][1]"),
        ({"exposed.presence": "always"}, "exposed.presence"),
        ({"infected.viral_load": 0}, "infected.viral_load"),
        ({"infected.expiration": {"Breathing": 0}}, "infected.expiration"),
        ({"samples": 3_000_000}, "samples"),
        ({"location": {"lat": 37.5}}, "location.lon"),
    ],
)
def test_single_errors(change: dict[str, Any], path: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(scenario(**change))
    assert [p for p, _ in caught.value.errors] == [path]


# --- directions of the model --------------------------------------------------------------------


def test_more_ventilation_lowers_the_risk() -> None:
    base = p(DAYCARE)
    more_hepa = copy.deepcopy(DAYCARE)
    more_hepa["ventilation"][1]["flow_m3h"] = 600
    windows_open_all_day = copy.deepcopy(DAYCARE)
    windows_open_all_day["ventilation"][0]["schedule"] = [[9, 17]]
    no_hepa = copy.deepcopy(DAYCARE)
    del no_hepa["ventilation"][1]
    assert p(no_hepa) > base > p(more_hepa)
    assert p(windows_open_all_day) < base
    hinged = copy.deepcopy(DAYCARE)
    hinged["ventilation"].append(
        {"type": "window_hinged", "height_m": 0.6, "opening_m": 0.15, "width_m": 1.0, "count": 3, "schedule": [[9, 17]]}
    )
    mechanical = copy.deepcopy(DAYCARE)
    mechanical["ventilation"].append({"type": "mechanical", "flow_m3h": 450, "schedule": [[8, 18]]})
    assert p(hinged) < base
    assert p(mechanical) < base


def test_masks_lower_the_risk() -> None:
    none = p(DAYCARE)
    exposed = {mask: p(scenario(**{"exposed.mask": mask})) for mask in ("Cloth", "Type I", "FFP2")}
    assert none > exposed["Cloth"] > exposed["Type I"] > exposed["FFP2"]
    assert p(scenario(**{"infected.mask": "Type I"})) < none


def test_longer_presence_gives_a_higher_dose() -> None:
    morning = scenario(**{"infected.presence": [[9, 12]], "exposed.presence": [[9, 12]]})
    day = DAYCARE
    long_day = scenario(**{"infected.presence": [[8, 12], [13, 19]], "exposed.presence": [[8, 12], [13, 19]]})
    doses = [risk(s)["mean_dose"] for s in (morning, day, long_day)]
    assert doses[0] < doses[1] < doses[2]
    # the exposed leave earlier, the infected stay: lower dose
    leaves_early = scenario(**{"exposed.presence": [[9, 12], [13, 15]]})
    assert risk(leaves_early)["mean_dose"] < doses[1]


def test_variants_louder_voices_more_infected_and_smaller_rooms() -> None:
    by_virus = [p(scenario(**{"infected.virus": v})) for v in ("SARS_CoV_2", "Alpha", "Delta", "Omicron")]
    assert by_virus == sorted(by_virus)
    by_voice = [p(scenario(**{"infected.expiration": {e: 1}})) for e in ("Breathing", "Speaking", "Shouting")]
    assert by_voice == sorted(by_voice)
    assert p(scenario(**{"infected.count": 2})) > p(DAYCARE)
    assert p(scenario(**{"room.volume_m3": 100})) > p(DAYCARE) > p(scenario(**{"room.volume_m3": 250}))


def test_winter_windows_ventilate_more_than_summer_ones() -> None:
    # Buoyancy flow grows with the inside-outside difference: January (cold) beats July.
    january = scenario(ventilation=[{"type": "window_sliding", "height_m": 1.2, "opening_m": 0.2, "count": 2}])
    july = scenario(month=7, ventilation=january["ventilation"])
    assert risk(january)["mean_air_changes_per_hour"] > 5 * risk(july)["mean_air_changes_per_hour"]
    assert p(january) < p(july)
