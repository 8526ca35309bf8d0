"""``seoul guarantee ...``: the surge simulation and the bank re-send."""

from __future__ import annotations

import json

import click

from seoul.guarantee.engine import brn as brn_rules
from seoul.guarantee.engine.simulate import Params, compare

SHOWN = [
    ("applications", "applications"),
    ("auto_approved", "auto-approved"),
    ("auto_rejected", "auto-rejected"),
    ("examined", "examined by staff"),
    ("approved", "approved in all"),
    ("median_hours_to_loan", "median hours to loan"),
    ("p90_hours_to_loan", "90th percentile hours to loan"),
    ("mean_days_to_loan", "mean days to loan"),
    ("backlog_at_end", "backlog at the end"),
    ("examiner_utilisation_in_period", "examiner utilisation"),
]


@click.group(name="guarantee")
def group() -> None:
    """Untact credit guarantee: the surge simulation and operations."""


@group.command()
@click.option("--applications-per-day", "per_day", type=click.IntRange(min=1, max=100_000), required=True)
@click.option("--examiners", type=click.IntRange(min=1, max=10_000), required=True)
@click.option("--days", type=click.IntRange(min=1, max=120), required=True)
@click.option("--seed", type=int, default=2020, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def simulate(per_day: int, examiners: int, days: int, seed: int, as_json: bool) -> None:
    """Replay a surge through the real screening rules and scorecard, with and without automation
    (see docs/guarantee.md)."""
    result = compare(Params(applications_per_day=per_day, examiners=examiners, days=days, seed=seed))
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{per_day:,} applications a day for {days} days, {examiners} examiners, seed {seed}")
    click.echo(f"{'':32} {'with automation':>18} {'without':>18}")
    for key, label in SHOWN:
        a, m = result["with_automation"][key], result["without_automation"][key]
        click.echo(f"{label:32} {_fmt(a):>18} {_fmt(m):>18}")


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 1 or value == 0 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "—" if value is None else str(value)


@group.command(name="check-brn")
@click.argument("number")
def check_brn(number: str) -> None:
    """Check a business registration number (format and check digit)."""
    try:
        valid = brn_rules.validate(number)
    except brn_rules.InvalidBRN as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    click.echo(f"{brn_rules.formatted(valid)} is valid")


@group.command(name="resend-pending")
@click.option(
    "--callback-url",
    default=None,
    metavar="URL",
    help="where the bank posts its webhooks (default: SEOUL_GUARANTEE_CALLBACK_URL)",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def resend_pending(callback_url: str | None, as_json: bool) -> None:
    """Send what did not go out: SMS and e-mail messages that failed or were left half-sent, and
    guarantee certificates the bank has not confirmed. Each goes out once, however often this
    runs (the gateway and the bank get the same idempotency key)."""
    from seoul.core.adapters.config import setting
    from seoul.guarantee import actions

    url = callback_url or setting("SEOUL_GUARANTEE_CALLBACK_URL")
    if not url:
        click.echo("Error: give --callback-url or set SEOUL_GUARANTEE_CALLBACK_URL", err=True)
        raise SystemExit(2)
    counts = {"notifications": actions.send_pending_notifications(), "certificates": actions.resend_pending(str(url))}
    if as_json:
        click.echo(json.dumps(counts))
        return
    for what, done in counts.items():
        click.echo(f"{what}: " + (", ".join(f"{v} {k}" for k, v in done.items()) or "nothing pending"))
