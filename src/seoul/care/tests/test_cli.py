"""The command-line contracts of issue 17: ``seoul care risk --scenario FILE --json`` and
``seoul care check MODEL --json`` (seoul/care/cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from seoul.care.cli import group
from seoul.care.engine import facility, risk

ROOM: dict[str, Any] = {
    "room": {"volume_m3": 150, "inside_temp_k": 294, "humidity": 0.5},
    "location": {"lat": 37.57, "lon": 126.98},
    "month": 1,
    "ventilation": [
        {"type": "window_sliding", "height_m": 1.2, "opening_m": 0.1, "count": 2, "schedule": [[10, 10.25]]},
        {"type": "hepa", "flow_m3h": 300, "schedule": "always"},
    ],
    "infected": {
        "count": 1,
        "virus": "Omicron",
        "activity": "Light activity",
        "expiration": {"Breathing": 0.7, "Speaking": 0.3},
        "mask": "none",
        "presence": [[9, 12], [13, 16]],
    },
    "exposed": {"count": 16, "activity": "Light activity", "mask": "none", "presence": [[9, 12], [13, 16]]},
    "samples": 20000,
    "seed": 3,
}


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_risk_prints_the_contracts_figures(tmp_path: Path) -> None:
    out = CliRunner().invoke(group, ["risk", "--scenario", str(_write(tmp_path, "s.json", ROOM)), "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert {"p_infection_percent", "expected_cases", "mean_dose", "emission_rate"} <= set(body)
    assert body == risk(ROOM)  # the same seed: the same figures as the engine
    assert body["expected_cases"] == pytest.approx(body["p_infection_percent"] / 100 * 16, rel=1e-9)
    masked = json.loads(
        CliRunner()
        .invoke(
            group,
            [
                "risk",
                "--scenario",
                str(_write(tmp_path, "m.json", {**ROOM, "exposed": {**ROOM["exposed"], "mask": "FFP2"}})),
                "--json",
            ],
        )
        .output
    )
    assert masked["p_infection_percent"] < body["p_infection_percent"] / 2


def test_a_bad_scenario_is_refused_with_every_field_and_reason(tmp_path: Path) -> None:
    bad = {
        **ROOM,
        "month": 13,
        "room": {**ROOM["room"], "volume_m3": -1},
        "infected": {**ROOM["infected"], "mask": "N95"},
    }
    out = CliRunner().invoke(group, ["risk", "--scenario", str(_write(tmp_path, "b.json", bad))])
    assert out.exit_code == 2
    for where in ("month", "room.volume_m3", "infected.mask"):
        assert f"error: {where}:" in out.output
    (tmp_path / "x.json").write_text("{not json", encoding="utf-8")
    broken = CliRunner().invoke(group, ["risk", "--scenario", str(tmp_path / "x.json")])
    assert broken.exit_code == 2 and "line 1" in broken.output


def test_check_reports_the_examples_failures_and_a_washbasin_fixes_one(tmp_path: Path) -> None:
    out = CliRunner().invoke(group, ["check", str(facility.example_path()), "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["failed"] == ["washbasin_on_entry", "route_separation", "pressure_cascade"]
    assert all({"id", "passed", "evidence", "source"} <= set(c) for c in body["checks"])
    model = json.loads(facility.example_path().read_text(encoding="utf-8"))
    model["washbasins"].append({"id": "wb_entrance", "room": "entrance", "count": 1})
    fixed = CliRunner().invoke(
        group, ["check", str(_write(tmp_path, "f.json", model)), "--json", "--only", "washbasin_on_entry"]
    )
    assert json.loads(fixed.output)["failed"] == []


def test_check_refuses_a_broken_model_with_where(tmp_path: Path) -> None:
    model = json.loads(facility.example_path().read_text(encoding="utf-8"))
    model["rooms"][0]["ceiling_height_m"] = 0.5
    model["doors"][0]["rooms"] = ["entrance", "nowhere"]
    out = CliRunner().invoke(group, ["check", str(_write(tmp_path, "b.json", model))])
    assert out.exit_code == 2
    assert "error: rooms[0]" in out.output and "error: doors[0]" in out.output
    unknown = CliRunner().invoke(group, ["check", str(facility.example_path()), "--only", "nothing"])
    assert unknown.exit_code == 2 and "--only" in unknown.output
