"""``seoul care ...``: a care facility's design checks from its model (JSON or IFC;
docs/care-facility.md) and a room's airborne infection risk from a scenario file
(docs/care-airborne.md); both are contracts of issue 17."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

log = logging.getLogger("seoul.care")


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _read_json(path: Path, option: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{option}: cannot read {path}: {exc}")
    except json.JSONDecodeError as exc:
        fail(f"{option}: {path} is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}")


@click.group(name="care")
def group() -> None:
    """S-돌봄 infection-prevention design: design checks and airborne risk of care facilities."""


@group.command(name="risk")
@click.option("--scenario", "path", required=True, type=click.Path(path_type=Path), help="the scenario (JSON)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def risk_cmd(path: Path, as_json: bool) -> None:
    """One room's airborne infection risk (CAiMIRA's model, Monte-Carlo): the probability of
    infection of an exposed occupant, the expected new cases, the mean dose and the emission
    rate. Every error of the scenario is listed with where it is (exit 2)."""
    from seoul.care.engine import ScenarioError, risk

    data = _read_json(path, "--scenario")
    try:
        found = risk(data)
    except ScenarioError as exc:
        log.warning("care risk: scenario %s refused: %s", path, exc.errors)
        for where, why in exc.errors:
            click.echo(f"error: {where}: {why}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False))
        return
    click.echo(
        f"probability of infection {found['p_infection_percent']:.2f} % "
        f"(5-95 %: {found['p_infection_percent_p05']:.2f}-{found['p_infection_percent_p95']:.2f}); "
        f"expected new cases {found['expected_cases']:.2f}; mean dose {found['mean_dose']:.3g} virions; "
        f"emission {found['emission_rate']:.3g} virions/h per infected person"
    )
    for warning in found.get("warnings", []):
        click.echo(f"note: {warning}")


@group.command(name="check")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--only", multiple=True, metavar="CHECK", help="run only this check (repeatable)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def check_cmd(model: Path, only: tuple[str, ...], as_json: bool) -> None:
    """The design checks of a facility model (``.json`` in the platform's format, or ``.ifc``):
    each with whether it passed, the evidence and the rule's source. A model that cannot be
    read is refused with every problem and where it is (exit 2); failed checks are results,
    not errors (exit 0)."""
    from seoul.care.engine import checks, facility, ifc

    unknown = sorted(set(only) - set(checks.check_ids()))
    if unknown:
        fail(f"--only: unknown check(s) {', '.join(unknown)}; checks are {', '.join(checks.check_ids())}")
    notes: list[str] = []
    try:
        if model.suffix.lower() == ".ifc":
            if not model.is_file():
                fail(f"MODEL: no file {model}")
            imported = ifc.import_ifc(model)
            found = imported.facility
            notes = [f"{i.kind}: {i.element}: {i.message}" for i in imported.issues]
        else:
            found = facility.parse_facility(_read_json(model, "MODEL"))
        result = checks.report(found, only or None)
    except facility.ValidationErrors as exc:
        log.warning("care check: model %s refused: %s", model, exc.errors)
        for where, why in exc.errors:
            click.echo(f"error: {where}: {why}", err=True)
        sys.exit(2)
    if notes:
        result["import_notes"] = notes
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    for item in result["checks"]:
        mark = "pass" if item["passed"] else "FAIL"
        click.echo(f"{mark}  {item['title']}: {item['summary']}")
    for note in notes:
        click.echo(f"note: {note}")
