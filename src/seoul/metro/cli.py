"""``seoul metro ...``: fares, simulation, batch pricing, and the scheduled roll-up and
close-journeys jobs (loaded by ``seoul.cli`` once Django is set up)."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from django.core.exceptions import ValidationError
from django.utils import timezone

from seoul.metro import actions
from seoul.metro.engine import batch, data
from seoul.metro.engine import simulate as simulation
from seoul.metro.engine.fares import Breakdown, Category, FareError, Payment, SubwayTrip, price_subway
from seoul.metro.engine.network import UnknownStation


@click.group(name="metro")
def group() -> None:
    """Seoul Metro: fares, tagless gates, journeys."""


@group.command()
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--card",
    "category",
    type=click.Choice([c.value for c in Category]),
    default="adult",
    show_default=True,
    help="rider category",
)
@click.option("--payment", type=click.Choice([p.value for p in Payment]), default="card", show_default=True)
@click.option(
    "--at",
    "at_text",
    default=None,
    metavar="ISO-DATETIME",
    help="boarding time (default: now; no zone means Seoul time)",
)
@click.option(
    "--line", "lines", multiple=True, metavar="LINE", help="a separately charged line the journey used, e.g. SBD"
)
@click.option(
    "--exit-at",
    "exit_text",
    default=None,
    metavar="ISO-DATETIME",
    help="exit time: more than 5 hours after boarding adds one base fare (rule over_five_hours)",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object (its `rules` lists the rules that applied)")
def fare(
    origin: str,
    destination: str,
    category: str,
    payment: str,
    at_text: str | None,
    lines: tuple[str, ...],
    exit_text: str | None,
    as_json: bool,
) -> None:
    """The fare of a subway journey from ORIGIN to DESTINATION (station names as in stations.csv)."""
    try:
        at = parse_at(at_text)
        exit_at = parse_at(exit_text) if exit_text else None
        if exit_at is not None and exit_at < at:
            raise ValueError("the exit time is before the boarding time")
        tariffs = data.tariffs()
        overstay = exit_at is not None and exit_at - at > tariffs.overstay_limit
        if exit_at is not None and exit_at - at > tariffs.overstay_pairs_up_to:
            raise ValueError("an exit more than 10 hours after boarding is not the same journey")
        b = price_subway(
            data.network(),
            tariffs,
            SubwayTrip(origin, destination, frozenset(lines)),
            category=category,
            payment=payment,
            at=at,
            overstay=overstay,
        )
    except (UnknownStation, FareError, ValueError) as exc:
        fail(str(exc))
        return
    if as_json:
        click.echo(json.dumps(fare_json(b), ensure_ascii=False))
        return
    click.echo(
        f"{origin} → {destination}: {b.fare:,}원  ({b.distance_km} km, tariff {b.tariff_version}, {category}, {payment})"
    )
    if b.rules:
        click.echo("  rules: " + ", ".join(b.rules))
    click.echo(
        f"  base {b.base:,} − early bird {b.early_bird_discount:,} + distance {b.distance_steps} steps {b.distance_surcharge:,}"
        f" + surcharges {sum(b.separate_surcharges.values()):,} + cash {b.cash_extra:,}"
    )


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@group.command()
@click.option("--journeys", "journeys", type=click.IntRange(min=0), required=True, help="how many journeys")
@click.option("--date", "day_text", required=True, metavar="YYYY-MM-DD", help="the service day (Seoul time)")
@click.option("--seed", type=int, default=0, show_default=True, help="random seed: same seed, same file")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="parquet file to write"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def simulate(journeys: int, day_text: str, seed: int, out: Path, as_json: bool) -> None:
    """Generate synthetic subway journeys of one day into a parquet file (see docs/metro-batch.md)."""
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        fail(f"bad date '{day_text}': expected YYYY-MM-DD")
        return
    if not out.parent.is_dir():
        fail(f"no such directory: {out.parent}")
    start = time.perf_counter()
    rows = simulation.simulate(data.network(), journeys, day, seed, out)
    seconds = time.perf_counter() - start
    if as_json:
        click.echo(
            json.dumps(
                {"rows": rows, "date": day.isoformat(), "seed": seed, "out": str(out), "seconds": round(seconds, 3)}
            )
        )
        return
    click.echo(f"{rows:,} journeys of {day.isoformat()} (seed {seed}) → {out}  in {seconds:.2f} s")


@group.command()
@click.argument("journeys_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="charges parquet to write"
)
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True, help="DuckDB threads")
@click.option("--memory-limit", default="3GB", show_default=True, help="DuckDB memory limit")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def price(journeys_file: Path, out: Path, threads: int, memory_limit: str, as_json: bool) -> None:
    """Price every journey of FILE in one DuckDB pass into a charges parquet file."""
    if not out.parent.is_dir():
        fail(f"no such directory: {out.parent}")
    try:
        result = batch.price_file(
            data.network(),
            data.tariffs(),
            journeys_file,
            out,
            threads=threads,
            memory_limit=memory_limit,
            derived_dir=data.derived_dir(),
        )
    except batch.BatchInputError as exc:
        fail(str(exc))
        return
    if as_json:
        click.echo(json.dumps(result.as_dict()))
        return
    click.echo(
        f"{result.rows:,} journeys priced ({result.errors:,} refused) → {out}\n"
        f"  revenue {result.revenue:,}원  in {result.seconds:.2f} s"
        f" (lookups {result.lookup_seconds:.2f} s, pricing pass {result.pass_seconds:.2f} s)"
    )


@group.command(name="close-journeys")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def close_journeys(as_json: bool) -> None:
    """Charge entries with no exit after the 5-hour maximum (every 15 minutes)."""
    result = actions.close_open_entries(actor=None)
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(f"{result['riders']} riders with an entry past 5 hours: {result['no_exit_journeys']} journeys closed")


@group.command(name="roll-up")
@click.option(
    "--days", type=click.IntRange(min=0, max=366), default=8, show_default=True, help="closed days before today"
)
@click.option("--today", "with_today", is_flag=True, help="today as well, as summed so far")
@click.option(
    "--hours",
    type=click.IntRange(min=0, max=24 * 31),
    default=2,
    show_default=True,
    help="closed hours of gate activity",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def roll_up(days: int, with_today: bool, hours: int, as_json: bool) -> None:
    """Sum revenue per day, line and entry station, and gate activity per closed hour, for the
    operations page."""
    now = timezone.now()
    today = timezone.localdate(now, data.tariffs_timezone())
    revenue = actions.roll_up_revenue(
        [today - timedelta(days=i) for i in range(0 if with_today else 1, days + 1)], actor=None
    )
    last = now.replace(minute=0, second=0, microsecond=0)
    gates = actions.roll_up_gate_hours([last - timedelta(hours=i) for i in range(1, hours + 1)], actor=None, now=now)
    result = {
        "days": revenue["days"],
        "revenue_rows": revenue["rows"],
        "hours": gates["hours"],
        "gate_rows": gates["rows"],
    }
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(
        f"revenue rolled up for {result['days']} days up to {today} ({result['revenue_rows']} station rows);"
        f" gate activity for {result['hours']} hours ({result['gate_rows']} gate rows)"
    )


def _day(text: str | None) -> date:
    """A Seoul-local day from YYYY-MM-DD; yesterday when none is given."""
    if not text:
        return timezone.localdate(timezone.now(), data.tariffs_timezone()) - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--day: '{text}' is not a date (YYYY-MM-DD)")
        raise


@group.command()
@click.option("--day", "day_text", metavar="YYYY-MM-DD", help="the day to settle (default: yesterday, Seoul time)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def settle(day_text: str | None, as_json: bool) -> None:
    """Capture what each postpaid rider owes for a day, once per rider and day (daily, after
    midnight); a declined capture puts the rider on the deny list. Then ask again for payments
    left pending by a timeout."""
    from seoul.metro.actions import money

    day = _day(day_text)
    try:
        run = money.settle_day(day, actor=None)
    except ValidationError as exc:
        fail("; ".join(exc.messages))
        return
    retried = money.retry_pending()
    result = {
        "day": day.isoformat(),
        "settlements": len(run.asked),
        "won": sum(p.amount for p in run.asked),
        "nothing_owed": run.nothing_owed,
        "no_card": run.no_card,
        "retried": retried,
        "deny_list": money.open_listings(),
    }
    if as_json:
        click.echo(json.dumps(result))
        return
    click.echo(
        f"{day}: {result['settlements']} settlements for {result['won']:,} won; {run.nothing_owed} owed nothing;"
        f" {run.no_card} without a card; {retried} pending payments asked again; {result['deny_list']} on the deny list"
    )


@group.command()
@click.option("--day", "day_text", metavar="YYYY-MM-DD", help="the day to reconcile (default: yesterday)")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def reconcile(day_text: str | None, as_json: bool) -> None:
    """Compare a day's card payments and refunds in the ledger with the payment gateway's report;
    exits 1 when they differ, listing each difference."""
    from seoul.metro.actions import money

    day = _day(day_text)
    run = money.reconcile_gateway(day, actor=None)
    differences = [
        {"kind": d.kind, "reference": d.reference, "ledger": d.ledger_amount, "gateway": d.gateway_amount}
        for d in run.differences.all()
    ]
    result = {
        "day": day.isoformat(),
        "matched": run.matched,
        "ledger_total": run.ledger_total,
        "gateway_total": run.gateway_total,
        "differences": differences,
    }
    if as_json:
        click.echo(json.dumps(result))
    else:
        click.echo(
            f"{day}: {run.matched} movements match; ledger {run.ledger_total:,} won, gateway {run.gateway_total:,} won"
        )
        for d in differences:
            click.echo(f"  {d['kind']}: {d['reference']} ledger={d['ledger']} gateway={d['gateway']}")
    if differences:
        sys.exit(1)


def parse_at(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=data.tariffs_timezone())
    return at


def fare_json(b: Breakdown) -> dict[str, object]:
    d = b.as_dict()
    return {
        "fare": d["fare"],
        "distance_km": d["distance_km"],
        "base": d["base"],
        "distance_surcharge": d["distance_surcharge"],
        "rules": d["rules"],
        "breakdown": d,
    }


@group.command()
@click.option("--from", "start_text", metavar="YYYY-MM-DD", help="first day (default: 6 days before --to)")
@click.option("--to", "end_text", metavar="YYYY-MM-DD", help="last day (default: today, Seoul time)")
@click.option("--line", default="", metavar="LINE", help="only the stations of this line, e.g. 2")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def report(start_text: str | None, end_text: str | None, line: str, as_json: bool) -> None:
    """The operator reports (docs/metro-riders.md "Operator reports"): incomplete journeys and
    refunds per station and line, settlement per day, the deny list and the latest gateway
    reconciliation of each day. Totals only; no rider is named."""
    from seoul.metro import reports

    def day(option: str, text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            fail(f"{option}: '{text}' is not a date (YYYY-MM-DD)")
            raise

    end = day("--to", end_text) if end_text else timezone.localdate(timezone.now(), data.tariffs_timezone())
    start = day("--from", start_text) if start_text else end - timedelta(days=6)
    if end < start or (end - start).days + 1 > reports.MAX_DAYS:
        fail(f"--from/--to: a period of 1 to {reports.MAX_DAYS} days, the end not before the start")
    if line and line not in data.line_names():
        fail(f"--line: unknown line '{line}'")
    found = reports.report(reports.ReportFilters(start=start, end=end, line=line))
    if as_json:
        click.echo(json.dumps(found, default=str, ensure_ascii=False))
        return
    inc = found["incomplete"]["totals"]
    click.echo(
        f"{start}..{end}{' line ' + line if line else ''}: {inc['incomplete']} incomplete journeys"
        f" ({inc['pattern']} from the pattern, {inc['maximum']} maximum fare, {inc['late_tap']} later tap,"
        f" {inc['correction']} corrected by the rider); refunds: {inc['dispute_refunds']} disputes"
        f" {inc['dispute_won']:,} won, {inc['automatic_refunds']} automatic {inc['automatic_won']:,} won"
    )
    for r in found["settlement"]:
        click.echo(
            f"  {r['day']}: settlements {r['asked']} asked {r['asked_won']:,} won, {r['captured']} captured,"
            f" {r['declined']} declined, {r['pending']} pending; top-ups {r['top_ups_won']:,} won;"
            f" payouts {r['payouts_won']:,} won"
        )
    click.echo(f"  deny list: {found['deny_list']['open_now']} open now")
    for run in found["reconciliations"]:
        click.echo(f"  reconciled {run['day']}: {run['matched']} matched, {len(run['differences'])} differences")


@group.group(name="maintenance")
def maintenance() -> None:
    """Smart train: failure signs in train and track sensor streams."""


@maintenance.command(name="sweep")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def sweep_cmd(as_json: bool) -> None:
    """Find sensors that have stopped sending (the scheduled job, every 5 minutes): each silence
    opens a work order once (deploy/systemd/seoul-metro-sensor-sweep.timer)."""
    orders = actions.sweep_silent(actor=None)
    if as_json:
        click.echo(json.dumps({"silent_work_orders": orders}))
    else:
        click.echo(f"{len(orders)} silent sensor(s): work orders {', '.join(map(str, orders)) or 'none'}")


@maintenance.command(name="add-device")
@click.option("--asset", "asset_code", required=True, help="the train set or track section the device is on")
@click.option("--name", required=True, help="the device's name, as fleet files refer to it")
def add_device_cmd(asset_code: str, name: str) -> None:
    """Register a sensor device and print its token once (only its hash is kept)."""
    from seoul.metro.models import Asset

    asset = Asset.objects.filter(code=asset_code).first()
    if asset is None:
        fail(f"--asset: no asset {asset_code} (load the fleet file first)")
        return
    try:
        device, token = actions.register_device(asset, name, actor=None)
    except ValidationError as exc:
        fail(f"--name: {'; '.join(exc.messages)}")
        return
    click.echo(f"device {device.name} on {asset.code}: token {token}")
    click.echo("Give the token to the device now: it is not shown again.")


@maintenance.command(name="load-fleet")
@click.argument("path", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def load_fleet_cmd(path: Path, as_json: bool) -> None:
    """Assets and sensors from a CSV file with the columns asset, kind, line, parent, sensor,
    sensor_kind, device, low, high (a line without a sensor is an asset only). Each bad line is
    reported with its number, field and reason; the good lines are kept. Exits 1 if any line
    was refused."""
    import csv

    from seoul.metro.actions.maintenance import FLEET_COLUMNS, load_fleet

    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("asset", "kind", "line") if c not in (reader.fieldnames or [])]
        if missing:
            fail(f"{path.name} line 1: missing column(s) {', '.join(missing)} (expected {', '.join(FLEET_COLUMNS)})")
            return
        result = load_fleet(reader, actor=None)
    out = {"assets": result.assets, "sensors": result.sensors, "unchanged": result.unchanged, "errors": result.errors}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
    else:
        click.echo(
            f"{result.assets} asset(s) and {result.sensors} sensor(s) added, {result.unchanged} line(s) unchanged"
        )
        for e in result.errors:
            click.echo(f"  {path.name} line {e['line']}, {e['field']}: {e['reason']}", err=True)
    if result.errors:
        sys.exit(1)


@maintenance.command(name="nab")
@click.option(
    "--data",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("../shared/data/nab"),
    show_default=True,
    help="the NAB corpus (data/, labels/, config/)",
)
@click.option(
    "--score-results",
    "results",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="score a detector's raw results in NAB's layout (DIR/<category>/<detector>_<file>.csv) instead",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def nab_cmd(root: Path, results: Path | None, as_json: bool) -> None:
    """Score the platform's anomaly detector (or, with --score-results, another's) on the Numenta
    Anomaly Benchmark, each profile at its best threshold (and, for a detector on NAB's
    scoreboard, at its published threshold too)."""
    from seoul.metro.engine.maintenance import nab  # only this command needs it

    try:
        corpus = nab.load_corpus(root)
        scores = nab.platform_detector(corpus) if results is None else nab.read_results(results, corpus)
    except nab.NabError as exc:
        fail(str(exc))
        return
    detector = "seoul" if results is None else results.name
    published = _published(root, detector)
    best = {profile: nab.score_profile(corpus, scores, profile) for profile in nab.PROFILES}
    at_published = {
        profile: nab.score_profile(corpus, scores, profile, threshold).score
        for profile, threshold in published.get("thresholds", {}).items()
    }
    out: dict[str, object] = {profile: round(b.score, 3) for profile, b in best.items()}
    out |= {"detector": detector, "thresholds": {profile: b.threshold for profile, b in best.items()}}
    lead = nab.lead_time(corpus, scores, best["standard"].threshold, nab.load_labels(root))
    out["lead"] = {
        "windows": lead.windows,
        "detected": lead.detected,
        "before_label": lead.before_label,
        "median_hours_before_label": round(lead.median_hours, 2),
        "median_window_share_before_label": round(lead.median_window_share, 3),
    }
    if at_published:
        out["at_published_thresholds"] = {profile: round(v, 3) for profile, v in at_published.items()}
    if "scores" in published:
        out["published"] = published["scores"]
    if as_json:
        click.echo(json.dumps(out, sort_keys=True))
        return
    click.echo(f"NAB v1.1, {len(corpus.files)} files, {corpus.windows} windows; detector {detector}")
    for profile, b in best.items():
        line = f"  {profile:20} {b.score:7.2f}  (best threshold {b.threshold:.6g}, {b.windows_found} windows found)"
        if profile in at_published:
            line += f"; at the published threshold {at_published[profile]:.2f}"
        if profile in published.get("scores", {}):
            line += f"; published {published['scores'][profile]:.2f}"
        click.echo(line)
    click.echo(
        f"  lead (standard threshold): {lead.detected} of {lead.windows} windows after probation detected, "
        f"{lead.before_label} before the labelled anomaly; median {lead.median_hours:.1f} h "
        f"({lead.median_window_share:.0%} of the window) before it"
    )


def _published(root: Path, detector: str) -> dict[str, dict[str, float]]:
    """NAB's scoreboard entries for ``detector``: its thresholds and normalised scores, if listed."""
    found: dict[str, dict[str, float]] = {}
    for key, path, field in (
        ("thresholds", root / "config" / "thresholds.json", "threshold"),
        ("scores", root / "results" / "final_results.json", None),
    ):
        if path.exists():
            entry = json.loads(path.read_text(encoding="utf-8")).get(detector)
            if entry:
                found[key] = {p: float(v[field] if field else v) for p, v in entry.items()}
    return found


@group.group(name="congestion")
def congestion() -> None:
    """Per-car congestion of the next trains at a platform (issue 16)."""


@congestion.command(name="pull")
@click.option("--line", "lines", multiple=True, metavar="LINE", help="a line (1-8); default every line")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def congestion_pull(lines: tuple[str, ...], as_json: bool) -> None:
    """Store the departures (weighed loads per car) since the last stored one, from the
    departures feed, and count the last half hour's gate entries per station and minute (the
    scheduled job, every minute). Exits 1 if a line's feed failed."""
    from seoul.metro.engine.congestion.baseline import CARS

    unknown = [line for line in lines if line not in CARS]
    if unknown:
        fail(f"--line: {', '.join(unknown)}: lines with congestion figures are {', '.join(sorted(CARS))}")
    result = actions.pull_departures(list(lines) or None, actor=None)
    entries = actions.count_entries(actor=None)
    if as_json:
        click.echo(json.dumps({**result.as_dict(), "gate_entries": entries}, ensure_ascii=False))
    else:
        click.echo(f"gate entries: {entries['entries']} in the last {entries['minutes']} minute(s) counted")
        for line, n in sorted(result.stored.items()):
            skipped = len(result.skipped.get(line, []))
            click.echo(f"line {line}: {n} departure(s) stored" + (f", {skipped} record(s) skipped" if skipped else ""))
        for line, why in sorted(result.failed.items()):
            click.echo(f"line {line}: the feed failed ({why})", err=True)
    if result.failed:
        sys.exit(1)


@congestion.command(name="forecast")
@click.option("--station", required=True, help="the platform's station (Korean or English name)")
@click.option(
    "--direction",
    required=True,
    help="where the train goes: a station ahead or the terminal (toward 성수, 성수 방면), 상행/하행, 내선/외선, up/down",
)
@click.option(
    "--at", "at_text", default=None, metavar="ISO-DATETIME", help="when (default: now; no zone means Seoul time)"
)
@click.option("--line", default=None, metavar="LINE", help="the line (1-8), if the station is on more than one")
@click.option("--trains", type=click.IntRange(1, 10), default=3, show_default=True, help="how many next trains")
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def congestion_forecast(
    station: str, direction: str, at_text: str | None, line: str | None, trains: int, as_json: bool
) -> None:
    """The next trains leaving a platform with the congestion of each car (100 % = 160 riders)
    and its level (여유 ≤ 80 %, 보통 < 130 %, 주의 < 150 %, 혼잡), with an 80 % band. Until the
    platform stores live measurements, they are simulated (seeded by the date)."""
    from seoul.metro.engine.congestion import board  # only this command needs them
    from seoul.metro.engine.congestion import forecast as congestion_forecast_engine

    network = data.network()
    try:
        at = parse_at(at_text)
    except ValueError:
        fail(f"--at: '{at_text}' is not an ISO date and time")
        return
    try:
        platform = board.find_platform(station, direction, line, network.resolve)
    except board.PlatformError as exc:
        fail(f"--{exc.field}: {exc}")
        return
    name, route, forward = platform.station, platform.route, platform.forward
    try:
        out = congestion_forecast_engine.simulated_platform(route, forward, name, at, trains)
    except ValueError as exc:
        fail(f"--at: {exc}")
        return
    out["station_en"] = network.name_en(name)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False))
        return
    click.echo(
        f"{name} ({out['station_en']}) line {route.line} toward {out['toward']}, {out['at']}"
        f" ({out['day_type']}; published {out['published_percent']} % for the {out['slot']} slot)"
    )
    click.echo(f"source: {out['source']} - {out['note']}")
    if not out["trains"]:
        click.echo("no more trains in this service day")
    for t in out["trains"]:
        cars = "  ".join(f"{c['car']}:{c['percent']:5.1f}% {c['level_ko']}" for c in t["cars"])
        click.echo(f"  {t['leaves_at'][11:16]} (+{t['minutes_away']:.0f} min) train {t['percent']:5.1f}% {t['level']}")
        click.echo(f"    {cars}")
