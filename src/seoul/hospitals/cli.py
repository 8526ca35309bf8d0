"""``seoul hospitals ...``: staff posts and the surge simulation."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from seoul.core.engine.districts import by_name, centroids
from seoul.hospitals import actions, selectors, state
from seoul.hospitals.engine import simulate
from seoul.hospitals.engine.placement import Method


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(name="hospitals")
def group() -> None:
    """City hospital network: surge simulation."""


@group.command(name="post")
@click.argument("username")
@click.option("--hospital", "hospital_code", metavar="CODE", help="a hospital's code (bed managers, supply officers)")
@click.option("--region", "region_code", metavar="CODE", help="a sub-region's code: NE, NW, SW, SE (control towers)")
@click.option("--city", is_flag=True, help="the city's patient-management team (every region)")
def post_cmd(username: str, hospital_code: str | None, region_code: str | None, city: bool) -> None:
    """Post a staff member at a hospital, at a region's control tower, or to the city's team
    (the role itself comes from `seoul core grant-role USERNAME hospitals:ROLE`)."""
    from seoul.core.models import User
    from seoul.hospitals.models import Hospital, Region

    if sum(bool(x) for x in (hospital_code, region_code, city)) != 1:
        fail("give exactly one of --hospital, --region, --city")
    user = User.objects.filter(username=username).first()
    if user is None:
        fail(f"username: no account '{username}'")
    hospital = Hospital.objects.filter(code=hospital_code).first() if hospital_code else None
    region = Region.objects.filter(code=region_code).first() if region_code else None
    if hospital_code and hospital is None:
        fail(f"--hospital: no hospital '{hospital_code}'")
    if region_code and region is None:
        fail(f"--region: no region '{region_code}'")
    actions.assign_post(user, hospital=hospital, region=region, actor=None)
    click.echo(f"{username}: {hospital_code or region_code or 'city'}")


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
