"""``seoul business ...``: the outcome job."""

from __future__ import annotations

import json

import click


@click.group(name="business", help="Small-business life-cycle programmes (서울산업진흥원).")
def group() -> None:
    pass


@group.command("outcomes", help="Take the outcomes of completed programmes (survival at 1 and 3 years, sales growth).")
@click.option("--no-refresh", is_flag=True, help="Compute from what the profiles hold; read nothing again.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def outcomes_command(no_refresh: bool, as_json: bool) -> None:
    from seoul.business import actions

    counts = actions.take_outcomes(refresh=not no_refresh)
    click.echo(json.dumps(counts) if as_json else ", ".join(f"{k}: {v}" for k, v in counts.items()))
