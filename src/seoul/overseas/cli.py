"""``seoul overseas ...``: the programme's KPIs and importing a business's monthly sales file."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group(name="overseas", help="Overseas online sales support (서울산업진흥원).")
def group() -> None:
    pass


@group.command("kpis", help="The round's KPIs: businesses listed, live listings, export sales, subsidy paid.")
@click.option("--json", "as_json", is_flag=True, help="Print the KPIs as JSON.")
def kpis_command(as_json: bool) -> None:
    from seoul.overseas import selectors

    k = selectors.kpis(selectors.current_round())
    if as_json:
        click.echo(json.dumps(k.to_dict(), ensure_ascii=False))
        return
    click.echo(f"applications: {k.applications}, selected: {k.selected}, businesses listed: {k.businesses_listed}")
    click.echo("live listings: " + ", ".join(f"{m} {n}" for m, n in k.live_by_marketplace.items()))
    for month, market, country, orders, won in k.sales:
        click.echo(f"{month} {market} {country}: {orders} orders, {won:,} won")
    click.echo(
        f"export sales: {k.sales_total_won:,} won; subsidy paid {k.subsidy_paid_won:,} of {k.subsidy_budget_won:,} won"
    )


@group.command("import-sales", help="Import a monthly sales CSV for an application (as the programme officer).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--application", "reference", required=True, help="The application's reference (OS-…) or id.")
@click.option("--as", "username", default="overseas.officer", show_default=True, help="The officer who imports.")
def import_sales_command(file: Path, reference: str, username: str) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.db.models import Q

    from seoul.core.models import User
    from seoul.overseas import actions, labels
    from seoul.overseas.models import Application

    actor = User.objects.filter(username=username).first()
    if actor is None:
        raise click.ClickException(f"no user {username}")
    query = Q(reference=reference) | (Q(pk=int(reference)) if reference.isdigit() else Q())
    app = Application.objects.visible_to(actor).filter(query).first()
    if app is None:
        raise click.ClickException(f"no application {reference} that {username} may see")
    try:
        upload = actions.import_sales(app, content=file.read_bytes(), file_name=file.name, actor=actor)
    except (ValidationError, PermissionDenied) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{upload.lines_read} lines read, {upload.lines_accepted} accepted, {upload.lines_replaced} replaced earlier lines"
    )
    for p in labels.problem_rows(upload.problems):
        click.echo(f"line {p['line']}: {p['field']}: {p['reason']}")
