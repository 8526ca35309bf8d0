"""``seoul tracing ...``: synthetic cities, exposure discovery and movement-data import."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click
from rich.progress import Progress

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine import discovery, ingest, simulate, store
from seoul.tracing.models import movement_dir
from seoul.tracing.sources import geometry

if TYPE_CHECKING:
    from seoul.core.models import User


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(name="tracing")
def group() -> None:
    """Contact tracing: synthetic cities, exposure discovery, movement data."""


@group.command(name="simulate")
@click.option("--people", type=click.IntRange(min=100), required=True, help="residents")
@click.option("--days", type=click.IntRange(min=5, max=60), required=True, help="days of movement data")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="data directory to write")
@click.option("--start", "start_text", default="2020-03-02", show_default=True, metavar="YYYY-MM-DD", help="first day")
@click.option("--cases", type=click.IntRange(min=1), default=3, show_default=True, help="outbreak cases to plant")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def simulate_cmd(people: int, days: int, seed: int, out: Path, start_text: str, cases: int, as_json: bool) -> None:
    """Write a synthetic city (presence by day, people, places) and DIR/planted.json."""
    start = _date(start_text, "--start")
    if out.exists() and any(out.iterdir()):
        fail(f"{out} is not empty; choose a new directory")
    with Progress(disable=as_json, transient=True) as bar:
        task = bar.add_task("simulating", total=days)
        summary = simulate.simulate(
            geometry(),
            people=people,
            days=days,
            seed=seed,
            out=out,
            start=start,
            cases=cases,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
    doc = {
        "out": str(out),
        "people": summary.people,
        "days": summary.days,
        "rows": summary.rows,
        "rows_by_source": summary.rows_by_source,
        "cases": summary.cases,
        "seconds": round(summary.seconds, 2),
        "rows_per_second": round(summary.rows / summary.seconds),
    }
    if as_json:
        click.echo(json.dumps(doc))
        return
    click.echo(f"{summary.rows:,} presence records for {people:,} people over {days} days in {summary.seconds:.1f} s")
    click.echo(f"planted {cases} cases: {out / 'planted.json'}")


@group.command()
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False, exists=True), required=True)
@click.option("--case", "person_id", required=True, help="the case's person id in the movement data")
@click.option("--onset", "onset_text", default=None, metavar="YYYY-MM-DD", help="symptom onset (or test) date")
@click.option(
    "--isolated-at", "isolated_text", default=None, metavar="ISO-DATETIME", help="default: 3 days after onset"
)
@click.option("--days-before", type=click.IntRange(min=0, max=14), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="print at most this many candidates")
@click.option("--actor", "username", default=None, help="the supervisor asking (needed for the platform's store)")
@click.option("--reason", default=None, help="why (needed for the platform's store; audited)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def discover(
    data_dir: Path,
    person_id: str,
    onset_text: str | None,
    isolated_text: str | None,
    days_before: int,
    limit: int | None,
    username: str | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """Everyone co-present with the case inside its infectious window, best score first.

    Without --onset the window is all the data in DIR. When DIR is the platform's own movement
    store, the search discloses residents' co-presence: it needs --actor (a tracing supervisor)
    and --reason, and is audited."""
    live = data_dir.resolve() == movement_dir().resolve()
    if live and not (username and reason):
        fail("--data is the platform's movement store: give --actor (tracing:approver) and --reason; it is audited")
    try:
        if onset_text:
            window = discovery.infectious_window(
                _date(onset_text, "--onset"),
                None,
                _datetime(isolated_text) if isolated_text else None,
                days_before=days_before,
            )
        else:
            window = _whole(data_dir)
        began = time.perf_counter()
        if live:
            found = _search_store(str(username), person_id, window, str(reason), limit)
        else:
            found = discovery.discover(data_dir, person_id, window, limit=limit)
        seconds = time.perf_counter() - began
    except discovery.DiscoveryError as exc:
        fail(str(exc))
    if as_json:
        doc = {
            "case": person_id,
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "seconds": round(seconds, 3),
            "candidates": [c.as_json() for c in found],
        }
        click.echo(json.dumps(doc, ensure_ascii=False))
        return
    click.echo(f"case {person_id}, window {window.start:%Y-%m-%d %H:%M} – {window.end:%Y-%m-%d %H:%M} (Seoul)")
    click.echo(f"{len(found)} candidates in {seconds:.2f} s")
    for rank, c in enumerate(found, 1):
        click.echo(
            f"{rank:4d}. {c.person_id}  score {c.score:.1f}  {c.overlap_minutes:.0f} min, {c.episodes_count} episode(s)"
        )
        for reason in c.reasons:
            click.echo(f"        {reason}")


def _search_store(
    username: str, person_id: str, window: discovery.Window, reason: str, limit: int | None
) -> list[discovery.Candidate]:
    from django.core.exceptions import PermissionDenied, ValidationError

    from seoul.tracing import actions

    actor = _actor(username)
    try:
        return list(actions.search_store(person_id, window, actor=actor, reason=reason, limit=limit))
    except (PermissionDenied, ValidationError) as exc:
        fail(_message(exc))


def _actor(username: str) -> User:
    from seoul.core.models import User

    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        fail(f"--actor: no active user {username!r}")
    return actor


def _message(exc: Exception) -> str:
    """``field: message`` for each message of a ValidationError; the text of anything else."""
    by_field = getattr(exc, "message_dict", None) if hasattr(exc, "error_dict") else None
    if by_field:
        return "; ".join(f"{field}: {m}" for field, ms in by_field.items() for m in ms)
    messages = getattr(exc, "messages", None)
    return "; ".join(str(m) for m in messages) if messages else str(exc)


@group.command(name="import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="store (default: var/tracing)",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def import_cmd(path: Path, data_dir: Path | None, as_json: bool) -> None:
    """Load presence records from a CSV or Parquet file, or a directory of them.

    Bad rows are reported with file, line and reason; good rows are kept. Exit status 1 when
    any row was refused, 2 when nothing could be read."""
    try:
        result = ingest.import_presence(path, data_dir or movement_dir())
    except ingest.ImportError_ as exc:
        fail(str(exc))
    if as_json:
        doc = {
            "files": result.files,
            "accepted": result.accepted,
            "refused": len(result.errors),
            "errors": [{"file": e.file, "line": e.line, "reason": e.reason} for e in result.errors],
        }
        click.echo(json.dumps(doc, ensure_ascii=False))
    else:
        for error in result.errors:
            click.echo(str(error), err=True)
        click.echo(f"{result.accepted:,} rows imported from {result.files} file(s), {len(result.errors):,} refused")
    if result.errors:
        sys.exit(1)


@group.command(name="pull-metro")
@click.option(
    "--since", "since_text", required=True, metavar="ISO-DATETIME", help="first journey entry (no zone: Seoul)"
)
@click.option("--until", "until_text", required=True, metavar="ISO-DATETIME", help="end, exclusive")
@click.option("--actor", "username", required=True, help="the supervisor asking (tracing:approver)")
@click.option("--reason", required=True, help="why the journeys are needed (audited by metro and tracing)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def pull_metro(since_text: str, until_text: str, username: str, reason: str, as_json: bool) -> None:
    """Import the metro service's completed journeys of a period as movement data (trains)."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from seoul.tracing import actions

    actor = _actor(username)
    try:
        counts = actions.import_metro_journeys(
            _datetime(since_text, "--since"), _datetime(until_text, "--until"), actor=actor, reason=reason
        )
    except (PermissionDenied, ValidationError, ValueError) as exc:
        fail(_message(exc))
    if as_json:
        click.echo(json.dumps(counts))
    else:
        click.echo(
            f"{counts['journeys']:,} journeys imported as {counts['rides']:,} train rides ({counts['refused']} refused)"
        )


@group.command(name="close-monitoring")
@click.option(
    "--today", "today_text", default=None, metavar="YYYY-MM-DD", help="the day it runs (default: today, Seoul)"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def close_monitoring(today_text: str | None, as_json: bool) -> None:
    """Close as completed every contact whose monitoring period ended before today."""
    from django.utils import timezone

    from seoul.tracing import actions

    today = _date(today_text, "--today") if today_text else timezone.localdate(timezone.now(), SEOUL)
    closed = actions.complete_finished_monitoring(today)
    if as_json:
        click.echo(json.dumps({"today": today.isoformat(), "completed": closed}))
    else:
        click.echo(f"{closed:,} contacts' monitoring completed on {today}")


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not a date (YYYY-MM-DD)")
        raise


def _datetime(text: str, option: str = "--isolated-at") -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option}: {text!r} is not an ISO date and time")
        raise
    return moment if moment.tzinfo else moment.replace(tzinfo=SEOUL)


def _whole(data_dir: Path) -> discovery.Window:
    """All the data: from the first day's midnight to the end of the day after the last (an
    interval may run past midnight)."""
    days = store.presence_days(data_dir)
    if not days:
        raise discovery.DiscoveryError(f"{data_dir} holds no presence data")
    first = datetime.combine(days[0], datetime.min.time(), tzinfo=SEOUL)
    return discovery.Window(first, first + (days[-1] - days[0]) + 2 * store.MAX_DURATION)
