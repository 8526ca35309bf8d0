"""Reads of the metro service for pages (the network and tariffs are in ``engine.data``)."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Case, Count, Max, Q, QuerySet, Sum, When
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _

from seoul.core.engine.time import SEOUL
from seoul.metro import storage
from seoul.metro.engine import data
from seoul.metro.engine.congestion import baseline as congestion_baseline
from seoul.metro.engine.congestion import board
from seoul.metro.engine.congestion import forecast as congestion_forecast
from seoul.metro.engine.congestion import levels as congestion_levels
from seoul.metro.engine.congestion import live as congestion_live
from seoul.metro.engine.congestion import opendata as congestion_opendata
from seoul.metro.engine.congestion import taps as congestion_taps
from seoul.metro.models import (
    Asset,
    Dispute,
    Gate,
    GateHourCount,
    GateHourRollup,
    Journey,
    LedgerEntry,
    RevenueRollup,
    RevenueRollupRow,
    RiderPass,
    Sensor,
    SensorDevice,
    WorkOrder,
    activity_by_gate,
)

# --- pages -------------------------------------------------------------------------------


def rider_journeys(rider_id: int) -> QuerySet[Journey]:

    return (
        Journey.objects.filter(rider_id=rider_id, superseded=False)
        .select_related("entry__gate", "exit__gate")
        .prefetch_related("disputes")
        .order_by("-started_at")
    )


def rider_passes(rider_id: int) -> QuerySet[RiderPass]:

    return RiderPass.objects.filter(rider_id=rider_id).order_by("-month")


def rider_balance(account: str) -> int:

    return int(LedgerEntry.objects.filter(account=f"rider:{account}").aggregate(s=Sum("amount"))["s"] or 0)


@dataclass(frozen=True)
class DisputeFilters:
    """What the dispute worklist shows: a status ("" for all), disputes opened more than
    ``older_than_days`` ago, a charge of at least ``min_charge``, an entry or exit ``station``
    (its name in the data), in the order ``sort`` (oldest, newest, charge, station)."""

    status: str = "open"
    older_than_days: int | None = None
    min_charge: int | None = None
    station: str | None = None
    sort: str = "oldest"


DISPUTE_ORDER = {
    "oldest": ("opened_at", "pk"),
    "newest": ("-opened_at", "-pk"),
    "charge": ("-journey__charge", "opened_at"),
    "station": ("journey__entry__gate__station", "opened_at"),
}


def disputes(reader: Any, filters: DisputeFilters) -> QuerySet[Dispute]:
    """The disputes ``reader`` may see (``Dispute.objects.visible_to``), filtered and ordered."""
    rows = Dispute.objects.visible_to(reader).select_related("journey__entry__gate", "journey__exit__gate")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.older_than_days:
        rows = rows.filter(opened_at__lt=timezone.now() - timedelta(days=filters.older_than_days))
    if filters.min_charge:
        rows = rows.filter(journey__charge__gte=filters.min_charge)
    if filters.station:
        rows = rows.filter(
            Q(journey__entry__gate__station=filters.station) | Q(journey__exit__gate__station=filters.station)
        )
    return rows.order_by(*DISPUTE_ORDER.get(filters.sort, DISPUTE_ORDER["oldest"]))


def revenue(days: int, today: date) -> dict[str, Any]:
    """Charged journeys over the last ``days`` days (Seoul time), by day, by line and by entry
    station: each day from its roll-up (``actions.roll_up_revenue``) when it has one, else
    counted from the journeys (``live_days``). Each ``by_day`` row says ``as_of`` when its day
    was summed (None: counted now)."""
    window = [today - timedelta(days=i) for i in reversed(range(days))]
    rolled = {r.day: r for r in RevenueRollup.objects.filter(day__in=window)}
    live = [d for d in window if d not in rolled]
    rows: list[dict[str, Any]] = [
        {"day": day, "line": line, "station": station, "journeys": journeys, "won": won}
        for day, line, station, journeys, won in RevenueRollupRow.objects.filter(
            rollup__in=rolled.values()
        ).values_list("rollup__day", "line", "station", "journeys", "won")
    ]
    if live:
        rows += Journey.objects.started_on(live).revenue_by_day_and_gate()
    names = data.line_names((get_language() or "ko").startswith("en"))
    by_line = _totals(rows, "line")
    for row in by_line:
        row["line_name"] = names.get(row["line"], row["line"])
    by_day = sorted(_totals(rows, "day"), key=lambda r: r["day"])
    for row in by_day:
        row["as_of"] = rolled[row["day"]].computed_at if row["day"] in rolled else None
    return {"by_day": by_day, "by_line": by_line, "by_station": _totals(rows, "station")[:30], "live_days": live}


def _totals(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Journeys and won summed per value of ``key``, the largest revenue first."""
    sums: dict[Any, dict[str, Any]] = {}
    for r in rows:
        t = sums.setdefault(r[key], {key: r[key], "journeys": 0, "won": 0})
        t["journeys"] += r["journeys"]
        t["won"] += r["won"] or 0
    return sorted(sums.values(), key=lambda t: (-t["won"], str(t[key])))


def gate_health(hours: int, now: datetime, limit: int = 25) -> list[dict[str, Any]]:
    """Per gate over the last ``hours``: events, flagged passages and their share; the gates with
    the most flagged passages first, then the busiest. Whole hours rolled up
    (``actions.roll_up_gate_hours``) are read from their counts; the rest of the window (its
    partial first and last hours, and hours not rolled up) is counted from the events."""
    hour = timedelta(hours=1)
    since = now - timedelta(hours=hours)
    first = since.replace(minute=0, second=0, microsecond=0)
    first += hour if first < since else timedelta(0)
    whole = [first + i * hour for i in range(max(0, (now - first) // hour))]
    rolled = list(GateHourRollup.objects.filter(hour__in=whole))
    events: Counter[int] = Counter()
    flags: Counter[int] = Counter()
    for gate, n_events, n_flagged in GateHourCount.objects.filter(rollup__in=rolled).values_list(
        "gate", "events", "flagged"
    ):
        events[gate] += n_events
        flags[gate] += n_flagged
    # the rest is counted from the events, one indexed range scan per stretch between roll-ups
    start, ranges = since, []
    for done in sorted(r.hour for r in rolled):
        if start < done:
            ranges.append(Q(at__gte=start, at__lt=done))
        start = done + hour
    for q in [*ranges, Q(at__gte=start)]:
        live_events, live_flags = activity_by_gate(q)
        events.update(live_events)
        flags.update(live_flags)
    ranked = sorted(events.keys() | flags.keys(), key=lambda g: (-flags[g], -events[g], g))[:limit]
    gates = Gate.objects.in_bulk(ranked)
    out = []
    for pk in ranked:
        n_events, n_flagged = events[pk], flags[pk]
        total = n_events + n_flagged
        out.append(
            {
                "gate": gates[pk],
                "events": n_events,
                "flagged": n_flagged,
                "flag_share": n_flagged / total if total else 0.0,
            }
        )
    return out


def revenue_chart(by_day: list[dict[str, Any]]) -> dict[str, Any]:
    """The Vega-Lite spec of revenue per day: one bar per day (labelled MM-DD, the same in every
    language), no legend (one series), axis labels that never overlap and amounts in 만/억 won
    on Korean pages, so it reads at 390 px."""
    korean = not (get_language() or "ko").startswith("en")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Charged revenue per day"),
        "width": "container",
        "height": 200,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": [{"day": r["day"].strftime("%m-%d"), "won": r["won"] or 0} for r in by_day]},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "x": {
                "field": "day",
                "type": "ordinal",
                "sort": None,
                "title": None,
                "axis": {"labelAngle": 0, "labelOverlap": "parity", "labelLimit": 48},
            },
            "y": {
                "field": "won",
                "type": "quantitative",
                "title": _("Won"),
                "axis": {
                    "labelOverlap": True,
                    "tickCount": 4,
                    # 2,500,000 won reads 250만 on a Korean page and 2.5M on an English one
                    "labelExpr": "format(datum.value / 10000, ',') + '만'" if korean else "format(datum.value, '~s')",
                },
            },
        },
    }


# --- smart train: work orders and asset histories (docs/metro-maintenance.md) ------------------


@dataclass(frozen=True)
class OrderFilters:
    """What the maintenance worklist shows: ``status`` ("active": not closed; "" for all),
    ``severity``, ``kind``, ``line`` ("" for any), in the order ``sort`` (due, severity, newest, asset)."""

    status: str = "active"
    severity: str = ""
    kind: str = ""
    line: str = ""
    sort: str = "due"


ORDER_SORTS = {
    "due": ("due_at", "pk"),
    "severity": (
        Case(When(severity="high", then=0), When(severity="medium", then=1), default=2),
        "due_at",
        "pk",
    ),
    "newest": ("-opened_at", "-pk"),
    "asset": ("asset__code", "due_at", "pk"),
}


def work_orders(reader: Any, filters: OrderFilters) -> QuerySet[WorkOrder]:
    """The work orders ``reader`` may see (``WorkOrder.objects.visible_to``), filtered and ordered."""
    rows = WorkOrder.objects.visible_to(reader).select_related("asset", "sensor")
    if filters.status == "active":
        rows = rows.exclude(status=WorkOrder.Status.CLOSED)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.line:
        rows = rows.filter(asset__line=filters.line)
    return rows.order_by(*ORDER_SORTS.get(filters.sort, ORDER_SORTS["due"]))


SIGNAL_MARGIN = timedelta(minutes=10)
SIGNAL_POINTS = 600


def order_signal(order: WorkOrder) -> list[dict[str, Any]]:
    """The sensor's readings around the order's alerts (from ten minutes before the first to ten
    after the last, from the store), or its evidence once the store has let them go; at most
    ``SIGNAL_POINTS`` (evenly thinned), each with its time in Seoul, value and score."""
    rows = storage.window(order.sensor_id, order.first_alert_at - SIGNAL_MARGIN, order.last_alert_at + SIGNAL_MARGIN)
    points = [(t, v, s) for t, v, s in rows] or [
        (datetime.fromtimestamp(t, tz=SEOUL), v, s) for t, v, s in order.evidence
    ]
    if len(points) > SIGNAL_POINTS:
        step = len(points) / SIGNAL_POINTS
        points = [points[int(i * step)] for i in range(SIGNAL_POINTS)]
    return [
        {"at": t.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M:%S"), "value": round(v, 4), "score": round(s, 3)}
        for t, v, s in points
    ]


def signal_chart(order: WorkOrder, points: list[dict[str, Any]], alert_at: float) -> dict[str, Any]:
    """The Vega-Lite spec of a sensor's signal around an alert: the readings as a line, the
    readings that scored at least ``alert_at`` as red points, the first alert as a rule."""
    unit = order.sensor.unit
    sensor = Sensor.Kind(order.sensor.kind).label
    first = order.first_alert_at.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("%(sensor)s of %(asset)s around the alert") % {"sensor": sensor, "asset": order.asset.code},
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": [dict(p, alert=p["score"] >= alert_at) for p in points]},
        "layer": [
            {
                "mark": {"type": "line", "tooltip": True},
                "encoding": {
                    "x": {
                        "field": "at",
                        "type": "temporal",
                        "title": None,
                        "axis": {"format": "%H:%M", "labelOverlap": True, "tickCount": 5},
                    },
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": f"{sensor} ({unit})",
                        "scale": {"zero": False},
                    },
                },
            },
            {
                "transform": [{"filter": "datum.alert"}],
                "mark": {"type": "point", "filled": True, "size": 60, "color": "#d63d4a", "tooltip": True},
                "encoding": {"x": {"field": "at", "type": "temporal"}, "y": {"field": "value", "type": "quantitative"}},
            },
            {
                "data": {"values": [{"at": first}]},
                "mark": {"type": "rule", "color": "#d63d4a", "strokeDash": [4, 3]},
                "encoding": {"x": {"field": "at", "type": "temporal"}},
            },
        ],
    }


def asset_tree(asset: Asset) -> list[int]:
    """The ids of ``asset`` and every part of it (a train's cars and their bogies)."""
    ids, frontier = [asset.pk], [asset.pk]
    for _depth in range(4):
        frontier = list(Asset.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        if not frontier:
            break
        ids += frontier
    return ids


def asset_history(asset: Asset, *, limit: int = 20) -> dict[str, Any]:
    """An asset's page: what it is part of, its parts, the sensors on it and its parts, and the
    work orders of the last ``limit`` alerts with the signal around each."""
    tree = asset_tree(asset)
    orders = list(
        WorkOrder.objects.filter(asset_id__in=tree)
        .select_related("asset", "sensor__asset", "closed_by")
        .order_by("-opened_at")[:limit]
    )
    return {
        "lineage": asset.lineage(),
        "parts": list(asset.parts.order_by("code")),
        "sensors": list(Sensor.objects.filter(asset_id__in=tree).select_related("asset").order_by("code")),
        "devices": list(
            SensorDevice.objects.filter(asset_id__in=tree)
            .select_related("asset")
            .annotate(sensor_count=Count("sensors"), last_reading=Max("sensors__last_reading_at"))
            .order_by("name")
        ),
        "orders": orders,
        "counts": dict(
            WorkOrder.objects.filter(asset_id__in=tree).values_list("finding").annotate(n=Count("pk")).order_by()
        ),
    }


# --- per-car congestion (docs/metro-congestion.md) ----------------------------------------------


LEVEL_WORDS = {
    "relaxed": pgettext_lazy("congestion", "Relaxed"),
    "normal": pgettext_lazy("congestion", "Normal"),
    "caution": pgettext_lazy("congestion", "Caution"),
    "crowded": pgettext_lazy("congestion", "Crowded"),
}


def level_word(level: str) -> str:
    """A congestion level in the page's language (여유 / 보통 / 주의 / 혼잡 on Korean pages)."""
    return str(LEVEL_WORDS[level])


def toward_words(platform: board.Platform, lang: str) -> str:
    """Where the platform's trains go, as a rider reads it: 하남검단산 방면 / toward Hanam Geomdansan,
    or the 2호선 loop's inner or outer circle."""
    if platform.route.loop:
        return _("Inner circle (clockwise)") if platform.forward else _("Outer circle (counter-clockwise)")
    return _("toward %(station)s") % {"station": data.station_name(platform.toward, lang)}


def find_platform(station: str, direction: str, line: str | None) -> board.Platform:
    """The platform a rider means (``board.PlatformError`` names the field that is wrong)."""
    return board.find_platform(station, direction, line or None, data.network().resolve)


def platform_forecast(platform: board.Platform, at: datetime, trains: int = 3) -> dict[str, Any]:
    """The engine's answer for a platform: from the departures measured today when the store has
    any for its line (``source`` "measured"), else from the simulated day ("simulated")."""
    at = at.astimezone(SEOUL)
    day = congestion_baseline.service_day(at)
    measured = storage.read_departures(day, platform.line)
    if not measured:
        return congestion_forecast.simulated_platform(platform.route, platform.forward, platform.station, at, trains)
    minute = congestion_baseline.minute_of_service(at)
    split = congestion_taps.split(gate_entries(day), platform.route, platform.forward, day)
    live = congestion_live.live_from_departures(platform.route, platform.forward, day, measured, split, minute)
    sources = {d.source for d in measured}
    found = congestion_live.platform_from_live(
        platform.route, platform.forward, platform.station, at, live, trains, sources
    )
    late = (at - measured[-1].departed_at).total_seconds() / 60  # the store reads them in time order
    found["late_minutes"] = round(late) if late > STALE_MINUTES and found["trains"] else None
    return found


def gate_entries(day: date) -> dict[str, Any]:
    """Station → the platform's gate entries a minute of service (``seoul metro congestion pull``
    counts them every minute); empty before the first count of the day."""
    version = storage.entries_version(day)
    return {} if version is None else _pooled_entries(version)


@functools.lru_cache(maxsize=4)
def _pooled_entries(version: tuple[str, int, int]) -> dict[str, Any]:
    return congestion_taps.pooled(*storage.entry_columns(version))


STALE_MINUTES = 10
"""A line's last stored departure further back than this, while trains run, means the pull job
or the feed has stopped: the pages say the measurements are late (a train leaves some station
of a line every minute or two)."""


def congestion_board(platform: board.Platform, at: datetime, trains: int = 3) -> dict[str, Any]:
    """The next ``trains`` trains leaving ``platform`` after ``at`` with each car's congestion,
    level and 80 % band, in the page's language. Raises ValueError for a time the forecast has
    no calendar for. Counts only: nothing here is about a person."""
    lang = get_language() or "ko"
    found = platform_forecast(platform, at, trains)
    for train in found["trains"]:
        train["leaves"] = datetime.fromisoformat(train["leaves_at"])
        train["level_word"] = level_word(train["level"])
        for car in train["cars"]:
            car["level_word"] = level_word(car["level"])
            bar = round(min(car["percent"], 200.0) / 200 * 100, 1)  # of the bar's height: 200 % fills it
            car["bar"], car["bar_top"] = bar, round(100 - bar, 1)
    found["station_name"] = data.station_name(platform.station, lang)
    found["line_name"] = data.line_name(platform.line, lang)
    found["toward_words"] = toward_words(platform, lang)
    return found


def station_summary(platform: board.Platform, day: date) -> dict[str, Any]:
    """The published congestion of the station's two directions on ``day``'s day type, slot by
    slot (None where nothing is published)."""
    kind = congestion_baseline.day_type(day)
    profile = congestion_baseline.table().profile(platform.line, platform.station, kind)
    lang = get_language() or "ko"
    rows: list[dict[str, Any]] = []
    for slot, label in enumerate(congestion_baseline.SLOT_LABELS):
        values = [None if np.isnan(v) else round(float(v), 1) for v in profile[:, slot]]
        if any(v is not None for v in values):
            rows.append({"slot": label, "values": values})
    directions: list[dict[str, Any]] = []
    for forward in (True, False):
        other = board.Platform(platform.station, platform.route, forward, platform.lines)
        directions.append({"words": toward_words(other, lang), "row": platform.route.row(forward)})
    for r in rows:
        r["cells"] = [r["values"][d["row"]] for d in directions]  # in the order of ``directions``
    return {"day_type": kind, "rows": rows, "directions": directions}


def summary_chart(summary: dict[str, Any], now_slot: str | None) -> dict[str, Any]:
    """The Vega-Lite spec of a station's published day: one line per direction, the level
    boundaries as faint rules, the current half-hour marked."""
    values = [
        {"slot": r["slot"], "direction": d["words"], "percent": r["values"][d["row"]]}
        for r in summary["rows"]
        for d in summary["directions"]
        if r["values"][d["row"]] is not None
    ]
    layers: list[dict[str, Any]] = [
        {
            "mark": {"type": "line", "point": True, "tooltip": True},
            "encoding": {
                "x": {
                    "field": "slot",
                    "type": "ordinal",
                    "sort": None,
                    "title": None,
                    "axis": {
                        "labelAngle": 0,
                        "values": ["06:00", "09:00", "12:00", "15:00", "18:00", "21:00", "24:00"],
                    },
                },
                "y": {"field": "percent", "type": "quantitative", "title": "%"},
                "color": {"field": "direction", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
            },
        },
        {
            "data": {"values": [{"y": b} for b in congestion_levels.BOUNDS]},
            "mark": {"type": "rule", "color": "#8a949e", "strokeDash": [2, 3]},
            "encoding": {"y": {"field": "y", "type": "quantitative"}},
        },
    ]
    if now_slot is not None:
        layers.append(
            {
                "data": {"values": [{"slot": now_slot}]},
                "mark": {"type": "rule", "color": "#1e2124"},
                "encoding": {"x": {"field": "slot", "type": "ordinal", "sort": None}},
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Published congestion of this station through the day, by direction"),
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "layer": layers,
    }


def platform_choices(station: str) -> list[dict[str, str]]:
    """Every platform of ``station`` (its data name) with published congestion: per line and
    direction, the words a rider reads and the ``line``/``direction`` that name it in a link."""
    lang = get_language() or "ko"
    out = []
    for line in congestion_baseline.table().lines_of(station):
        for route in congestion_baseline.table().routes_of(line, station)[:1]:
            for forward in (True, False):
                platform = board.Platform(station, route, forward)
                names, _minutes = route.ordered(forward)
                if not route.loop and names.index(station) == len(names) - 1:
                    continue  # the end of the line: no train leaves that way
                value = ("내선" if forward else "외선") if route.loop else platform.toward
                out.append(
                    {
                        "line": line,
                        "line_name": data.line_name(line, lang),
                        "toward": toward_words(platform, lang),
                        "direction": value,
                    }
                )
    return out


def measured_csv(day: date) -> str | None:
    """The open-data CSV of a past service day's measured departures (None if none were
    stored), written beside them the first time it is asked for."""
    kept = storage.loads_root() / day.isoformat() / "open-data.csv"
    if kept.exists():
        return kept.read_text(encoding="utf-8")
    departures = storage.read_departures(day)
    if not departures:
        return None
    body = congestion_opendata.to_csv(congestion_opendata.daily_table(departures))
    kept.write_text(body, encoding="utf-8")
    return body


def yesterday_with_measurements(now: datetime) -> date | None:
    """The last ended service day, if its departures were stored (for the open-data link)."""
    day = congestion_baseline.service_day(now.astimezone(SEOUL)) - timedelta(days=1)
    return day if (storage.loads_root() / day.isoformat()).is_dir() else None
