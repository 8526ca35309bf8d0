"""``seoul guarantee ...``: the surge simulation and the bank re-send."""

from __future__ import annotations

import json

import click

from seoul.core.engine import brn as brn_rules
from seoul.guarantee.engine import portfolio
from seoul.guarantee.engine.simulate import PaidOut, Params, compare

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

#: The portfolio table (``--years``): (figure, label, kind) — kind "won" is shown in million won.
PORTFOLIO_SHOWN = [
    ("loans_paid_out", "loans paid out", "count"),
    ("loans_active", "loans active at the year's end", "count"),
    ("outstanding", "outstanding, ₩m", "won"),
    ("guarantee_balance", "guarantee balance, ₩m", "won"),
    ("principal_repaid", "principal repaid, ₩m", "won"),
    ("fees_collected", "fees collected, ₩m", "won"),
    ("new_defaults", "new defaults", "count"),
    ("defaulted_principal", "defaulted principal, ₩m", "won"),
    ("subrogation", "subrogation paid, ₩m", "won"),
    ("recoveries", "recovered, ₩m", "won"),
    ("write_offs", "written off, ₩m", "won"),
    ("claims_outstanding", "claims outstanding, ₩m", "won"),
    ("cumulative_loss", "cumulative loss, ₩m", "won"),
    ("default_rate", "default rate (of guarantees)", "rate"),
    ("recovery_rate", "recovery rate (of claims)", "rate"),
    ("pool_committed", "pool: guarantees committed, ₩m", "won"),
    ("pool_used_by_losses", "pool: used by losses, ₩m", "won"),
    ("pool_remaining", "pool: remaining, ₩m", "won"),
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
@click.option(
    "--years",
    type=click.IntRange(min=1, max=30),
    default=None,
    help="also follow the loans paid out (with automation) for this many years after the surge",
)
@click.option(
    "--pool",
    type=click.IntRange(min=0),
    default=None,
    metavar="WON",
    help=f"with --years: the city's budget pool in won  [default: {portfolio.DEFAULT_POOL:,}]",
)
@click.option(
    "--default-scale",
    type=click.FloatRange(min=0, max=10),
    default=None,
    help="with --years: multiply the published default rates (a stress; 0: no default)  [default: 1]",
)
def simulate(
    per_day: int,
    examiners: int,
    days: int,
    seed: int,
    as_json: bool,
    years: int | None,
    pool: int | None,
    default_scale: float | None,
) -> None:
    """Replay a surge through the real screening rules and scorecard, with and without automation;
    with --years, follow the loans it paid out: repayments, defaults, subrogation, recoveries,
    fees and the city's pool (see docs/guarantee.md)."""
    if years is None and (pool is not None or default_scale is not None):
        raise click.UsageError("--pool and --default-scale go with --years")
    params = Params(applications_per_day=per_day, examiners=examiners, days=days, seed=seed)
    loans: list[PaidOut] | None = None if years is None else []
    result: dict[str, object] = {**compare(params, paid_out=loans)}
    book = None
    if years is not None and loans is not None:
        assumptions = portfolio.Assumptions(default_scale=1.0 if default_scale is None else default_scale)
        book = portfolio.follow(
            loans,
            years=years,
            start=params.start,
            seed=seed,
            pool=portfolio.DEFAULT_POOL if pool is None else pool,
            assumptions=assumptions,
        )
        result["portfolio"] = {"run": "with_automation", **book.as_json()}
    if as_json:
        click.echo(json.dumps(result))
        return
    runs = {k: v for k, v in result.items() if isinstance(v, dict) and k != "portfolio"}
    click.echo(f"{per_day:,} applications a day for {days} days, {examiners} examiners, seed {seed}")
    click.echo(f"{'':32} {'with automation':>18} {'without':>18}")
    for key, label in SHOWN:
        a, m = runs["with_automation"][key], runs["without_automation"][key]
        click.echo(f"{label:32} {_fmt(a):>18} {_fmt(m):>18}")
    if book is not None:
        _portfolio_table(book)


def _portfolio_table(book: portfolio.Portfolio) -> None:
    n, paid = len(book.loans.amount), int(book.loans.paid_out.sum())
    click.echo("")
    click.echo(
        f"The {n:,} loans paid out with automation ({paid / 1e6:,.0f} million won), followed {book.horizon_years} "
        f"years from {book.start:%Y-%m}; pool {book.pool / 1e6:,.0f} million won, default rates × "
        f"{book.assumptions.default_scale:g} (rates and sources: docs/guarantee.md)"
    )
    click.echo(f"{'':32}" + "".join(f" {f'year {y.year}':>14}" for y in book.years))
    click.echo(f"{'':32}" + "".join(f" {y.first + '…':>14}" for y in book.years))
    for key, label, kind in PORTFOLIO_SHOWN:
        cells = [_cell(getattr(y, key), kind) for y in book.years]
        click.echo(f"{label:32}" + "".join(f" {c:>14}" for c in cells))
    exhausted = next((y.year for y in book.years if y.pool_remaining < 0), None)
    if exhausted is not None:
        click.echo(f"the pool is used up by losses in year {exhausted}")


def _cell(value: object, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "won" and isinstance(value, int):
        return f"{value / 1e6:,.1f}"
    if kind == "rate" and isinstance(value, float):
        return f"{value * 100:.2f} %"
    return _fmt(value)


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
    guarantee certificates, approved subrogation payments and guarantee extensions the bank has
    not confirmed. Each goes out once, however often this runs (the gateway and the bank get the
    same idempotency key)."""
    from seoul.core.adapters.config import setting
    from seoul.guarantee import actions

    url = callback_url or setting("SEOUL_GUARANTEE_CALLBACK_URL")
    if not url:
        click.echo("Error: give --callback-url or set SEOUL_GUARANTEE_CALLBACK_URL", err=True)
        raise SystemExit(2)
    counts = {
        "notifications": actions.send_pending_notifications(),
        "certificates": actions.resend_pending(str(url)),
        "subrogations": actions.resend_subrogations(str(url)),
        "renewals": actions.resend_renewals(str(url)),
    }
    if as_json:
        click.echo(json.dumps(counts))
        return
    for what, done in counts.items():
        click.echo(f"{what}: " + (", ".join(f"{v} {k}" for k, v in done.items()) or "nothing pending"))


@group.command(name="remind-instalments")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def remind_instalments(as_json: bool) -> None:
    """Remind applicants whose loan has an instalment due within three days, and tell those whose
    loan can now be extended at its term (once per instalment and per term, however often this
    runs; daily from the timer)."""
    from seoul.guarantee.actions import loans, renewals

    done = loans.remind_instalments() | renewals.tell_renewal_window()
    if as_json:
        click.echo(json.dumps(done))
    else:
        click.echo(
            f"reminded: {done.get('reminded', 0)}, told of the extension window: {done.get('renewal_window', 0)}"
        )


@group.command()
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def reconcile(as_json: bool) -> None:
    """Compare every loan's book with the bank's statement; exit 1 when any figure differs."""
    from seoul.guarantee.actions import loans

    found = loans.reconcile()
    if as_json:
        rows = [{"loan_id": d.loan_id, "field": d.field, "ours": d.ours, "bank": d.bank} for d in found]
        click.echo(json.dumps({"differences": rows}, ensure_ascii=False, default=str))
    elif not found:
        click.echo("the books agree with the bank's statements")
    for d in [] if as_json else found:
        click.echo(f"{d.loan_id} {d.field}: ours {d.ours}, bank {d.bank}")
    if found:
        raise SystemExit(1)


@group.command(name="report")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def report(as_json: bool) -> None:
    """The guarantee book by product and year of issue: guarantees issued, balances, default
    rate, paid to banks (subrogation), recovered and the recovery rate."""
    from seoul.guarantee import selectors

    rows = [r.as_dict() for r in selectors.book_report()]
    if as_json:
        click.echo(json.dumps({"rows": rows}, ensure_ascii=False))
        return
    if not rows:
        click.echo("no guarantees issued yet")
    for r in rows:
        rate = "—" if r["default_rate"] is None else f"{float(r['default_rate']) * 100:.1f}%"  # type: ignore[arg-type]
        back = "—" if r["recovery_rate"] is None else f"{float(r['recovery_rate']) * 100:.1f}%"  # type: ignore[arg-type]
        click.echo(
            f"{r['year']} {r['product']}: {r['issued']} issued, {r['guaranteed']:,} won guaranteed, "
            f"{r['loans']} loans, balance {r['guarantee_balance']:,} won, default rate {rate}, "
            f"paid to banks {r['subrogation_paid']:,} won, recovered {r['recovered']:,} won ({back})"
        )
