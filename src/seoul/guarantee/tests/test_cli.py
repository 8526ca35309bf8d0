from __future__ import annotations

import json

from click.testing import CliRunner

from seoul.guarantee.cli import group


def test_simulate_json_has_both_runs_with_the_required_figures() -> None:
    result = CliRunner().invoke(
        group, ["simulate", "--applications-per-day", "120", "--examiners", "4", "--days", "3", "--seed", "5", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"with_automation", "without_automation"}
    for run in data.values():
        assert {"median_hours_to_loan", "p90_hours_to_loan", "backlog_at_end"} <= set(run)
        assert run["applications"] == 360
    assert data["with_automation"]["median_hours_to_loan"] < data["without_automation"]["median_hours_to_loan"]


def test_simulate_table_and_bad_options() -> None:
    runner = CliRunner()
    ok = runner.invoke(group, ["simulate", "--applications-per-day", "50", "--examiners", "2", "--days", "1"])
    assert ok.exit_code == 0 and "median hours to loan" in ok.output
    bad = runner.invoke(group, ["simulate", "--applications-per-day", "0", "--examiners", "2", "--days", "1"])
    assert bad.exit_code == 2


def test_check_brn() -> None:
    runner = CliRunner()
    assert runner.invoke(group, ["check-brn", "2208162517"]).output.strip() == "220-81-62517 is valid"
    assert runner.invoke(group, ["check-brn", "2208162518"]).exit_code == 2
