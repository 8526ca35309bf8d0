"""``seoul tracing ...``: synthetic cities, exposure discovery and movement-data import."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, cast

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
@click.option(
    "--case",
    "person_ids",
    required=True,
    multiple=True,
    help="the case's person id in the movement data; repeat for a cluster (one pass over the data)",
)
@click.option(
    "--onset",
    "onset_texts",
    multiple=True,
    metavar="YYYY-MM-DD",
    help="symptom onset (or test) date; one per --case, in the same order",
)
@click.option(
    "--isolated-at",
    "isolated_texts",
    multiple=True,
    metavar="ISO-DATETIME",
    help="default: 3 days after onset; if given, one per --case",
)
@click.option("--days-before", type=click.IntRange(min=0, max=14), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="print at most this many candidates per case")
@click.option("--actor", "username", default=None, help="the supervisor asking (needed for the platform's store)")
@click.option("--reason", default=None, help="why (needed for the platform's store; audited)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def discover(
    data_dir: Path,
    person_ids: tuple[str, ...],
    onset_texts: tuple[str, ...],
    isolated_texts: tuple[str, ...],
    days_before: int,
    limit: int | None,
    username: str | None,
    reason: str | None,
    as_json: bool,
) -> None:
    """Everyone co-present with the case inside its infectious window, best score first.

    Without --onset the window is all the data in DIR. With --case repeated (and --onset, if
    given, once per case in the same order) the cases of a cluster are searched in one pass and
    the JSON holds one entry per case plus the union (everyone once, those near several cases
    first). When DIR is the platform's own movement store, the search discloses residents'
    co-presence: it needs --actor (a tracing supervisor) and --reason, and is audited."""
    live = data_dir.resolve() == movement_dir().resolve()
    if live and not (username and reason):
        fail("--data is the platform's movement store: give --actor (tracing:approver) and --reason; it is audited")
    if onset_texts and len(onset_texts) != len(person_ids):
        fail(f"--onset: give one per --case ({len(person_ids)}), in the same order; got {len(onset_texts)}")
    if isolated_texts and len(isolated_texts) != len(person_ids):
        fail(f"--isolated-at: give one per --case ({len(person_ids)}), in the same order; got {len(isolated_texts)}")
    try:
        windows = []
        for i in range(len(person_ids)):
            if onset_texts:
                isolated = _datetime(isolated_texts[i]) if isolated_texts else None
                onset = _date(onset_texts[i], "--onset")
                windows.append(discovery.infectious_window(onset, None, isolated, days_before=days_before))
            else:
                windows.append(_whole(data_dir))
        began = time.perf_counter()
        if live:  # each search audited on its own
            found = [
                _search_store(str(username), p, w, str(reason), limit) for p, w in zip(person_ids, windows, strict=True)
            ]
        else:
            found = discovery.discover_cluster(data_dir, list(zip(person_ids, windows, strict=True)), limit=limit)
        seconds = time.perf_counter() - began
    except discovery.DiscoveryError as exc:
        fail(str(exc))
    entries = [
        {
            "case": person,
            "window": {"start": window.start.isoformat(), "end": window.end.isoformat()},
            "candidates": [c.as_json() for c in candidates],
        }
        for person, window, candidates in zip(person_ids, windows, found, strict=True)
    ]
    if as_json:
        if len(person_ids) == 1:
            click.echo(json.dumps({**entries[0], "seconds": round(seconds, 3)}, ensure_ascii=False))
            return
        merged = discovery.union(person_ids, found)
        doc = {
            "seconds": round(seconds, 3),
            "cases": entries,
            "union": [
                {
                    "person_id": u.person_id,
                    "cases": list(u.cases),
                    "best_score": u.best_score,
                    "total_score": u.total_score,
                }
                for u in merged
            ],
            "overlaps": sum(1 for u in merged if len(u.cases) > 1),
        }
        click.echo(json.dumps(doc, ensure_ascii=False))
        return
    for person, window, candidates in zip(person_ids, windows, found, strict=True):
        click.echo(f"case {person}, window {window.start:%Y-%m-%d %H:%M} – {window.end:%Y-%m-%d %H:%M} (Seoul)")
        click.echo(f"{len(candidates)} candidates")
        for rank, c in enumerate(candidates, 1):
            click.echo(
                f"{rank:4d}. {c.person_id}  score {c.score:.1f}  {c.overlap_minutes:.0f} min, {c.episodes_count} episode(s)"
            )
            for line in c.reasons:
                click.echo(f"        {line}")
    if len(person_ids) > 1:
        merged = discovery.union(person_ids, found)
        overlaps = [u for u in merged if len(u.cases) > 1]
        click.echo(f"union: {len(merged)} people, {len(overlaps)} near more than one case")
        for u in overlaps:
            click.echo(f"  {u.person_id}  near {', '.join(u.cases)}  best score {u.best_score:.1f}")
    click.echo(f"in {seconds:.2f} s")


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
    """Load presence records from a CSV or Parquet file, or a directory of them: intervals, or a
    building's entry-card tap log (person_id, place_id, time, direction), paired into intervals.

    Bad rows are reported with file, line and reason; good rows are kept. Exit status 1 when
    any row was refused, 2 when nothing could be read."""
    try:
        with Progress(disable=as_json, transient=True) as bar:
            task = bar.add_task("reading", total=None)
            result = ingest.import_presence(
                path,
                data_dir or movement_dir(),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except ingest.ImportError_ as exc:
        fail(str(exc))
    if as_json:
        doc = {
            "files": result.files,
            "accepted": result.accepted,
            "intervals": result.intervals,
            "refused": len(result.errors),
            "errors": [{"file": e.file, "line": e.line, "reason": e.reason} for e in result.errors],
        }
        click.echo(json.dumps(doc, ensure_ascii=False))
    else:
        for error in result.errors:
            click.echo(str(error), err=True)
        click.echo(
            f"{result.accepted:,} rows imported from {result.files} file(s) as {result.intervals:,} presence "
            f"intervals, {len(result.errors):,} refused"
        )
    if result.errors:
        sys.exit(1)


@group.command(name="import-linelist")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--kind", type=click.Choice(["cases", "contacts", "follow_ups"]), required=True, help="what the file lists"
)
@click.option("--actor", "username", required=True, help="who imports (their scope and role apply to every row)")
@click.option("--outbreak", "outbreak_id", type=int, default=None, help="for cases: the outbreak's number")
@click.option(
    "--map",
    "pairs",
    multiple=True,
    metavar="FIELD=COLUMN",
    help="the column holding a field (repeatable); fields not given are found by their header",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def import_linelist(
    path: Path, kind: str, username: str, outbreak_id: int | None, pairs: tuple[str, ...], as_json: bool
) -> None:
    """Import a line list of cases, contacts or follow-ups from CSV or XLSX, streamed.

    Each refused row is printed with its line, field and reason; the good rows are kept. Exit
    status 1 when any row was refused, 2 when the file or the mapping cannot be used."""
    from django.core.exceptions import ValidationError

    from seoul.tracing import actions
    from seoul.tracing.engine import linelist
    from seoul.tracing.models import Outbreak

    actor = _actor(username)
    outbreak = Outbreak.objects.filter(pk=outbreak_id).first() if outbreak_id else None
    if outbreak_id and outbreak is None:
        fail(f"--outbreak: no outbreak {outbreak_id}")
    try:
        headers, _rows = linelist.read_rows(path)
    except linelist.LineListError as exc:
        fail(actions.file_words(exc))
    mapping = linelist.suggest_mapping(cast("linelist.Kind", kind), headers)
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep:
            fail(f"--map {pair!r}: write FIELD=COLUMN")
        mapping[field.strip()] = column.strip()
    with Progress(disable=as_json, transient=True) as bar:
        task = bar.add_task("importing", total=None)
        try:
            done = actions.import_line_list(
                path,
                cast("linelist.Kind", kind),
                mapping,
                actor=actor,
                outbreak=outbreak,
                progress=lambda n: bar.update(task, completed=n),
            )
        except ValidationError as exc:
            fail(_message(exc))
    if as_json:
        doc = {
            "import": done.pk,
            "rows": done.rows,
            "imported": done.imported,
            "referred": done.referred,
            "refused": done.refused,
            "mapping": mapping,
        }
        click.echo(json.dumps(doc, ensure_ascii=False))
    else:
        for r in done.refused:
            click.echo(f"{path.name}:{r['line']}: {r['field']}: {r['reason']}", err=True)
        click.echo(f"{done.imported:,} of {done.rows:,} rows imported, {len(done.refused):,} refused ({done})")
    if done.refused:
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
    """Close as completed every contact whose monitoring period ended before today, and as lost
    to follow-up every contact silent for their outbreak's lost_after_days."""
    from django.utils import timezone

    from seoul.tracing import actions

    today = _date(today_text, "--today") if today_text else timezone.localdate(timezone.now(), SEOUL)
    closed = actions.complete_finished_monitoring(today)
    lost = actions.close_silent_contacts(today)
    if as_json:
        click.echo(json.dumps({"today": today.isoformat(), "completed": closed, "lost": lost}))
    else:
        click.echo(f"{closed:,} contacts' monitoring completed, {lost:,} closed as lost to follow-up on {today}")


@group.command(name="daily-texts")
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="the platform's public address for the link (default: the SEOUL_PUBLIC_URL setting)",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def daily_texts(base_url: str | None, as_json: bool) -> None:
    """Text today's self-report link and code to every contact under monitoring who has not
    reported today (safe to run twice: nobody gets a second code the same day)."""
    from django.conf import settings

    from seoul.tracing import actions

    result = actions.send_daily_texts(base_url or settings.SEOUL_PUBLIC_URL)
    # texted: codes recorded and handed to the gateway once committed; sent: accepted by it
    doc = {"texted": len(result.codes), "sent": result.sent, "not_sent": result.not_sent, "skipped": result.skipped}
    if as_json:
        click.echo(json.dumps(doc))
    else:
        click.echo(
            f"{result.sent:,} self-report texts sent, {result.not_sent:,} not delivered, {result.skipped:,} not due"
        )
    if result.not_sent:
        sys.exit(1)


@group.command(name="send-mass-texts")
@click.option("--rate", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="messages per second")
@click.option(
    "--batch", type=click.IntRange(min=1), default=500, show_default=True, help="messages per committed batch"
)
@click.option("--base-url", default=None, metavar="URL", help="for the opt-out link (default: SEOUL_PUBLIC_URL)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def send_mass_texts(rate: float, batch: int, base_url: str | None, as_json: bool) -> None:
    """Send the long-tail texts supervisors planned, in batches under the rate limit (safe to
    run twice: each text goes once)."""
    from django.conf import settings

    from seoul.tracing import actions

    report = actions.send_pending_mass_texts(base_url or settings.SEOUL_PUBLIC_URL, rate=rate, batch=batch)
    doc = {"sent": report.sent, "failed": report.failed, "batches": report.batches}
    if as_json:
        click.echo(json.dumps(doc))
    else:
        click.echo(
            f"{report.sent:,} long-tail texts sent, {report.failed:,} not delivered, in {report.batches} batches"
        )


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
