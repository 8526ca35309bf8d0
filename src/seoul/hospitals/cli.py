"""``seoul hospitals ...``: the surge simulation."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from seoul.core.engine.districts import by_name, centroids
from seoul.hospitals import selectors, state
from seoul.hospitals.engine import simulate
from seoul.hospitals.engine.placement import Method


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(name="hospitals")
def group() -> None:
    """City hospital network: surge simulation."""


@group.command(name="simulate")
@click.option(
    "--scenario", "path", type=click.Path(path_type=Path, dir_okay=False), required=True, help="scenario JSON file"
)
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def simulate_cmd(path: Path, as_json: bool) -> None:
    """Play a surge scenario with the placement engine and with the nearest-available rule on the
    same arrivals (schema: docs/hospitals-simulation.md)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"{path}: {exc.strerror}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path}: not a JSON file ({exc})")
    points = centroids()
    regions = state.region_codes()
    try:
        scenario = simulate.parse(
            data,
            registered=selectors.network(),
            district_index=lambda name: by_name(name).index,
            district_point=points,
            district_region=regions,
        )
    except simulate.ScenarioError as exc:
        for where, why in exc.problems:
            click.echo(f"error: {path}: {where}: {why}", err=True)
        sys.exit(2)
    results = {
        "optimised": simulate.run(scenario, Method.OPTIMISED, district_point=points, district_region=regions).as_json(),
        "nearest": simulate.run(scenario, Method.NEAREST, district_point=points, district_region=regions).as_json(),
    }
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False))
        return
    click.echo(f"{len(scenario.hospitals)} hospitals, {scenario.days} days from {scenario.start}")
    keys = [k for k in results["optimised"] if k != "by_tier"]
    click.echo(f"{'':28}{'optimised':>12}{'nearest':>12}")
    for key in keys:
        click.echo(f"{key:28}{results['optimised'][key]!s:>12}{results['nearest'][key]!s:>12}")
