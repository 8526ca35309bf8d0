"""``seoul overseas kpis`` and ``seoul overseas import-sales`` print what they did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from seoul.core.models import User
from seoul.overseas.cli import group
from seoul.overseas.models import Round, SalesLine
from seoul.overseas.tests import builders

pytestmark = pytest.mark.django_db


def test_import_sales_prints_each_refused_line_and_kpis_count_the_good_ones(
    round: Round, citizen: User, officer: User, tmp_path: Path
) -> None:
    app = builders.selected(round, citizen, officer)
    csv = tmp_path / "oct.csv"
    csv.write_text(
        "month,marketplace,country,currency,orders,units,gross_sales,returns\n"
        "2026-10,amazon,US,USD,2,2,100.00,0\n"
        "2026-10,amazon,US,USD,1,1,abc,0\n"
    )
    out = CliRunner().invoke(
        group, ["import-sales", str(csv), "--application", app.reference, "--as", officer.username]
    )
    assert out.exit_code == 0, out.output
    assert "2 lines read, 1 accepted" in out.output
    assert "line 3: gross_sales:" in out.output
    assert SalesLine.objects.get().net_won == 140_000
    shown = CliRunner().invoke(group, ["kpis", "--json"])
    data = json.loads(shown.output)
    assert data["export_sales_total_won"] == 140_000 and data["selected"] == 1
    refused = CliRunner().invoke(
        group, ["import-sales", str(csv), "--application", app.reference, "--as", citizen.username + "x"]
    )
    assert refused.exit_code != 0 and "no user" in refused.output
