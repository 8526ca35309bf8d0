"""The command-line contract of issue #4: simulate, discover --json, import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from seoul.cli import main


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "city"
    result = CliRunner().invoke(
        main, ["tracing", "simulate", "--people", "2000", "--days", "6", "--seed", "5", "--out", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["rows"] == sum(doc["rows_by_source"].values()) > 0
    return out


def test_discover_json_lists_the_planted_contacts(city: Path) -> None:
    planted = json.loads((city / "planted.json").read_text())
    case = planted["cases"][0]
    result = CliRunner().invoke(
        main,
        ["tracing", "discover", "--data", str(city), "--case", case["person_id"], "--onset", case["onset"], "--json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["case"] == case["person_id"]
    assert doc["window"]["start"].startswith(f"{int(case['onset'][:4])}-")
    assert doc["window"]["end"] == case["isolated_at"]
    ids = [c["person_id"] for c in doc["candidates"]]
    assert set(case["true_contacts"]) <= set(ids)
    first = doc["candidates"][0]
    assert isinstance(first["score"], float) and first["reasons"]


def test_discover_refuses_unknown_case_and_bad_dates(city: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["tracing", "discover", "--data", str(city), "--case", "P99999999"])
    assert result.exit_code == 2 and "no person 'P99999999'" in result.output
    result = runner.invoke(
        main, ["tracing", "discover", "--data", str(city), "--case", "P00000001", "--onset", "March"]
    )
    assert result.exit_code == 2 and "--onset" in result.output


def test_simulate_refuses_a_non_empty_directory(city: Path) -> None:
    result = CliRunner().invoke(main, ["tracing", "simulate", "--people", "200", "--days", "5", "--out", str(city)])
    assert result.exit_code == 2 and "not empty" in result.output


def test_import_reports_bad_rows_and_exits_1(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text(
        "person_id,place_id,start,end,source\n"
        "A,cafe,2020-03-05T08:00:00+09:00,2020-03-05T09:00:00+09:00,venue\n"
        "B,cafe,2020-03-05T08:00:00+09:00,yesterday,venue\n"
    )
    result = CliRunner().invoke(main, ["tracing", "import", str(f), "--data", str(tmp_path / "store"), "--json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["accepted"] == 1
    assert doc["errors"] == [{"file": str(f), "line": 3, "reason": "end: yesterday has no UTC offset (e.g. +09:00)"}]
    missing = CliRunner().invoke(main, ["tracing", "import", str(tmp_path / "nothing.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
