"""``seoul fund ...``: the dashboard's figures, and the committee's membership."""

from __future__ import annotations

import json

import click


@click.group(name="fund", help="Start-up policy fund (서울신용보증재단, 500억 원).")
def group() -> None:
    pass


@group.command(
    "report", help="Print the fund's figures: committed, invested, remaining, by sector and stage, TVPI, IRR."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--on", "on", default="", help="As of this day (YYYY-MM-DD); default today.")
def report_command(as_json: bool, on: str) -> None:
    from datetime import date

    from django.utils import timezone

    from seoul.fund import reports

    day = date.fromisoformat(on) if on else timezone.localdate()
    found = reports.dashboard(day)
    if as_json:
        click.echo(json.dumps({"on": day.isoformat()} | found.to_dict(), ensure_ascii=False))
        return
    click.echo(f"as of {day}")
    click.echo(f"size:      {found.size:>20,} won")
    click.echo(f"committed: {found.committed:>20,} won")
    click.echo(f"invested:  {round(found.invested):>20,} won")
    click.echo(f"remaining: {found.remaining:>20,} won")
    click.echo(f"TVPI:      {'—' if found.tvpi is None else f'{found.tvpi:.2f}x':>20}")
    click.echo(f"IRR:       {'—' if found.irr is None else f'{found.irr * 100:.1f} %':>20}")
    for title, rows in (("by sector", found.by_sector), ("by stage", found.by_stage)):
        click.echo(title + ":")
        for code, t in rows.items():
            click.echo(f"  {code:<20} committed {t.committed:>16,}  invested {round(t.invested):>16,}  ({t.count})")


@group.command("member", help="Make a fund approver a member of the investment committee, or end it.")
@click.argument("username")
@click.option("--end", is_flag=True, help="End the membership.")
@click.option("--seat", default="", help="The seat on the committee (e.g. 위원장).")
def member_command(username: str, end: bool, seat: str) -> None:
    from seoul.core.models import User
    from seoul.fund import actions

    user = User.objects.get(username=username)
    found = actions.set_member(user, active=not end, seat=seat, actor=None)
    click.echo(f"{username}: {'member' if found.active else 'not a member'}")
