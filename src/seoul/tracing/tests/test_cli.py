"""The command-line contract of issue #4: simulate, discover --json, import."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from seoul.cli import main
from seoul.core.models import AuditEvent, User


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


def test_a_cluster_in_one_pass_gives_each_case_what_a_single_run_gives_and_the_union(city: Path) -> None:
    cases = json.loads((city / "planted.json").read_text())["cases"]
    assert len(cases) >= 3
    args = ["tracing", "discover", "--data", str(city), "--json"]
    for case in cases:
        args += ["--case", case["person_id"]]
    for case in cases:
        args += ["--onset", case["onset"]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [e["case"] for e in doc["cases"]] == [c["person_id"] for c in cases]
    for entry, case in zip(doc["cases"], cases, strict=True):
        single = CliRunner().invoke(
            main,
            [
                "tracing",
                "discover",
                "--data",
                str(city),
                "--case",
                case["person_id"],
                "--onset",
                case["onset"],
                "--json",
            ],
        )
        alone = json.loads(single.output)
        assert entry["window"] == alone["window"]
        assert [(c["person_id"], c["score"]) for c in entry["candidates"]] == [
            (c["person_id"], c["score"]) for c in alone["candidates"]
        ]
    near: dict[str, set[str]] = {}
    for entry in doc["cases"]:
        for c in entry["candidates"]:
            near.setdefault(c["person_id"], set()).add(entry["case"])
    assert {u["person_id"]: set(u["cases"]) for u in doc["union"]} == near
    assert doc["overlaps"] == sum(1 for hits in near.values() if len(hits) > 1)
    counts = [len(u["cases"]) for u in doc["union"]]
    assert counts == sorted(counts, reverse=True)  # those near several cases first
    uneven = CliRunner().invoke(
        main, ["tracing", "discover", "--data", str(city), "--case", "P1", "--case", "P2", "--onset", "2020-03-04"]
    )
    assert uneven.exit_code == 2 and "one per --case" in uneven.output


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
    assert doc["intervals"] == 1
    missing = CliRunner().invoke(main, ["tracing", "import", str(tmp_path / "nothing.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output


def test_import_pairs_an_entry_card_tap_log_and_says_how_many_intervals(tmp_path: Path) -> None:
    f = tmp_path / "gate.csv"
    f.write_text(
        "person_id,place_id,time,direction\n"
        "A,tower,2020-03-09T08:55:00+09:00,in\n"
        "A,tower,2020-03-09T18:10:00+09:00,out\n"
        "B,tower,2020-03-09T09:00:00+09:00,in\n"
    )
    result = CliRunner().invoke(main, ["tracing", "import", str(f), "--data", str(tmp_path / "store")])
    assert result.exit_code == 0
    assert "3 rows imported from 1 file(s) as 2 presence intervals, 0 refused" in result.output


def test_discover_in_the_platform_store_needs_a_supervisor_and_a_reason_and_is_audited(
    city: Path, make_user: Callable[..., User], settings: Any
) -> None:
    settings.SEOUL_TRACING_DATA_DIR = city  # the simulated city stands in for the platform's store
    case = json.loads((city / "planted.json").read_text())["cases"][0]
    base = ["tracing", "discover", "--data", str(city), "--case", case["person_id"], "--onset", case["onset"]]
    runner = CliRunner()
    bare = runner.invoke(main, [*base, "--json"])
    assert bare.exit_code == 2 and "--actor" in bare.output and "--reason" in bare.output
    tracer = make_user(institution="CITY_HALL", roles={"tracing": "operator"}, username="tracer1")
    refused = runner.invoke(main, [*base, "--actor", tracer.username, "--reason", "cluster check", "--json"])
    assert refused.exit_code == 2 and "추적 관리자" in refused.output  # the supervisor's role, in words
    supervisor = make_user(institution="CITY_HALL", roles={"tracing": "approver"}, username="sup1")
    short = runner.invoke(main, [*base, "--actor", supervisor.username, "--reason", "x", "--json"])
    assert short.exit_code == 2 and "reason: 5자 이상" in short.output  # the platform speaks Korean by default
    assert not AuditEvent.objects.filter(event="tracing.movement.searched").exists()
    done = runner.invoke(main, [*base, "--actor", supervisor.username, "--reason", "outbreak 12 cluster", "--json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.stdout)["candidates"]
    assert set(case["true_contacts"]) <= {c["person_id"] for c in found}
    event = AuditEvent.objects.get(event="tracing.movement.searched")
    assert (event.actor, event.reason, event.target_id) == (supervisor, "outbreak 12 cluster", case["person_id"])
    assert event.new["candidates"] == len(found)
