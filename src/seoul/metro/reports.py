"""Operator reports of the metro service (docs/metro-riders.md "Operator reports"): incomplete
journeys and refunds per station and line, settlement totals, the deny list and the gateway
reconciliation, over a period of Seoul-local days. Aggregates only: every figure is a grouped
count or sum in the database (no loop over journeys or payments in Python); the rows that come
back are a few per station, day or difference.

No rider is named: the tables hold stations, lines, days and amounts. A reconciliation
difference is shown by the **gateway's** id of the movement, never by our payment key, which
holds the rider's account id (``settle:<account>:<day>``, the id a phone presents at gates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seoul.core.engine.time import SEOUL
from seoul.metro.engine import data
from seoul.metro.models import (
    DenyListing,
    Dispute,
    IncompleteRollupRow,
    Journey,
    LedgerTransaction,
    Payment,
    Reconciliation,
    ReconciliationDifference,
    RevenueRollup,
    day_start,
)

MAX_DAYS = 92  # a quarter: the longest period the page and the CLI read live (no roll-up yet)

OUTCOMES = ("pattern", "maximum", "late_tap", "correction")


@dataclass(frozen=True)
class ReportFilters:
    """Seoul-local days ``start``..``end`` (both included) and, for the station tables, one line."""

    start: date
    end: date
    line: str = ""

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return day_start(self.start), day_start(self.end + timedelta(days=1))


def _in(field: str, f: ReportFilters) -> Q:
    lo, hi = f.bounds
    return Q(**{f"{field}__gte": lo, f"{field}__lt": hi})


# --- incomplete journeys and refunds per station --------------------------------------------


def _incomplete_rows(f: ReportFilters) -> list[dict[str, Any]]:
    """The incomplete journeys of the period per station, outcome and missing tap
    (``JourneyQuerySet.incomplete_by_gate``): each day from its roll-up (``roll_up_revenue``
    keeps them with the day's revenue) when it has one, else counted from the journeys."""
    rolled = {r.day: r for r in RevenueRollup.objects.filter(day__gte=f.start, day__lte=f.end)}
    rolled_rows = IncompleteRollupRow.objects.filter(rollup__in=rolled.values())
    if f.line:
        rolled_rows = rolled_rows.filter(line=f.line)
    rows: list[dict[str, Any]] = [
        {"k_line": line, "k_station": station, "outcome": outcome, "missing": missing, "n": n, "won": won}
        for line, station, outcome, missing, n, won in rolled_rows.values_list(
            "line", "station", "outcome", "missing", "journeys", "won"
        )
    ]
    live = [d for d in f.days if d not in rolled]
    if live:
        rows += Journey.objects.started_on(live).incomplete_by_gate(f.line)
    return rows


def _dispute_refund_rows(f: ReportFilters) -> list[dict[str, Any]]:
    """Disputes decided with a refund in the period, per station of the journey."""
    rows = Dispute.objects.filter(_in("resolved_at", f), status=Dispute.Status.REFUNDED, refund__gt=0).annotate(
        k_line=Coalesce(F("journey__entry__gate__line"), F("journey__exit__gate__line")),
        k_station=Coalesce(F("journey__entry__gate__station"), F("journey__exit__gate__station")),
    )
    if f.line:
        rows = rows.filter(k_line=f.line)
    return list(rows.values("k_line", "k_station").annotate(n=Count("id"), won=Sum("refund")).order_by())


def _automatic_refund_rows(f: ReportFilters) -> list[dict[str, Any]]:
    """Money given back by rebuilds in the period, per station: a journey charge posting below
    zero (the journey's charge went down: a late or corrected tap, a pass, a cap). When the
    journey itself was replaced (a lone exit whose entry came later is keyed by that entry), the
    refund is what was reversed less what the journey that took its exit is charged now."""
    journey = Journey.objects.filter(key=OuterRef("journey_key"))
    replacement = Journey.objects.filter(exit_id=OuterRef("old_exit"), superseded=False).exclude(
        key=OuterRef("journey_key")
    )
    rows = (
        LedgerTransaction.objects.filter(_in("posted_at", f), kind=LedgerTransaction.Kind.CHARGE, amount__lt=0)
        .annotate(
            old_superseded=Subquery(journey.values("superseded")[:1]),
            old_exit=Subquery(journey.values("exit_id")[:1]),
            k_line=Subquery(
                journey.annotate(v=Coalesce(F("entry__gate__line"), F("exit__gate__line"))).values("v")[:1]
            ),
            k_station=Subquery(
                journey.annotate(v=Coalesce(F("entry__gate__station"), F("exit__gate__station"))).values("v")[:1]
            ),
        )
        .annotate(replaced_by=Subquery(replacement.values("charge")[:1]))
        .annotate(
            back=Case(
                When(old_superseded=False, then=-F("amount")),
                When(
                    replaced_by__isnull=False,
                    then=Greatest(-F("amount") - F("replaced_by"), Value(0)),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .filter(back__gt=0)
    )
    if f.line:
        rows = rows.filter(k_line=f.line)
    return list(
        rows.values("k_line", "k_station").annotate(n=Count("journey_key", distinct=True), won=Sum("back")).order_by()
    )


def _pass_refunds(f: ReportFilters) -> dict[str, int]:
    """기후동행카드 refunds posted in the period (a pass belongs to no station)."""
    got = LedgerTransaction.objects.filter(
        _in("posted_at", f), kind=LedgerTransaction.Kind.REFUND, key__startswith="pass-refund:"
    ).aggregate(n=Count("id"), won=Sum("amount"))
    return {"n": int(got["n"] or 0), "won": -int(got["won"] or 0)}


def _blank(line: str, station: str) -> dict[str, Any]:
    row: dict[str, Any] = {"line": line, "station": station, "no_exit": 0, "no_entry": 0, "incomplete": 0}
    for o in OUTCOMES:
        row[o] = 0
    row["maximum_won"] = 0
    for kind in ("dispute", "automatic"):
        row[f"{kind}_refunds"] = 0
        row[f"{kind}_won"] = 0
    return row


def incomplete_and_refunds(f: ReportFilters) -> dict[str, Any]:
    """Per station and per line (the line of the station where the gates saw the rider): the
    incomplete journeys that started in the period and how each ended, and the refunds posted
    in it; ``totals`` over all stations, and ``pass_refunds`` (no station)."""
    stations: dict[tuple[str, str], dict[str, Any]] = {}

    def at(line: str | None, station: str | None) -> dict[str, Any]:
        key = (line or "", station or "")
        if key not in stations:
            stations[key] = _blank(*key)
        return stations[key]

    for r in _incomplete_rows(f):
        row = at(r["k_line"], r["k_station"])
        row["no_exit" if r["missing"] == "exit" else "no_entry"] += r["n"]
        row["incomplete"] += r["n"]
        row[r["outcome"]] += r["n"]
        if r["outcome"] == "maximum":
            row["maximum_won"] += r["won"] or 0
    for kind, got in (("dispute", _dispute_refund_rows(f)), ("automatic", _automatic_refund_rows(f))):
        for r in got:
            row = at(r["k_line"], r["k_station"])
            row[f"{kind}_refunds"] += r["n"]
            row[f"{kind}_won"] += int(r["won"] or 0)
    lang = get_language() or "ko"
    names = data.line_names(lang.startswith("en"))
    by_station = sorted(
        stations.values(),
        key=lambda r: (-r["incomplete"], -r["dispute_won"] - r["automatic_won"], r["line"], r["station"]),
    )
    lines: dict[str, dict[str, Any]] = {}
    totals = _blank("", "")
    for row in by_station:
        row["line_name"] = names.get(row["line"], row["line"])
        line = lines.setdefault(row["line"], {**_blank(row["line"], ""), "line_name": row["line_name"], "stations": 0})
        line["stations"] += 1
        for k, v in row.items():
            if isinstance(v, int):
                line[k] += v
                totals[k] += v
    by_line = sorted(lines.values(), key=lambda r: (-r["incomplete"], r["line"]))
    return {"by_station": by_station, "by_line": by_line, "totals": totals, "pass_refunds": _pass_refunds(f)}


# --- money per day ---------------------------------------------------------------------------


def _per_day(qs: QuerySet[Any], field: str, f: ReportFilters, *group: str) -> list[dict[str, Any]]:
    return list(
        qs.filter(_in(field, f))
        .annotate(d=TruncDate(field, tzinfo=SEOUL))
        .values("d", *group)
        .annotate(n=Count("id"), won=Sum("amount"))
        .order_by()
    )


def settlement(f: ReportFilters) -> list[dict[str, Any]]:
    """Per Seoul-local day: the postpaid settlements of that day (asked, captured, declined or
    refused by the gateway, pending — by the day they cover), and the top-ups, debt payments and payouts to cards that
    the gateway completed (by the day they were asked)."""
    days = {d: _money_day(d) for d in f.days}
    for r in (
        Payment.objects.filter(purpose=Payment.Purpose.SETTLEMENT, day__gte=f.start, day__lte=f.end)
        .values("day", "status")
        .annotate(n=Count("id"), won=Sum("amount"))
        .order_by()
    ):
        row = days[r["day"]]
        row["asked"] += r["n"]
        row["asked_won"] += r["won"] or 0
        # a payment the gateway refused outright (failed) will not be captured either
        status = {Payment.Status.FAILED: "declined"}.get(r["status"], r["status"])
        if status in ("captured", "declined", "pending"):
            row[status] += r["n"]
            row[f"{status}_won"] += r["won"] or 0
    done = {
        Payment.Purpose.TOP_UP: ("top_ups", Payment.Status.CAPTURED),
        Payment.Purpose.DEBT: ("debts", Payment.Status.CAPTURED),
        Payment.Purpose.PAYOUT: ("payouts", Payment.Status.REFUNDED),
    }
    for r in _per_day(
        Payment.objects.filter(
            Q(purpose__in=[Payment.Purpose.TOP_UP, Payment.Purpose.DEBT], status=Payment.Status.CAPTURED)
            | Q(purpose=Payment.Purpose.PAYOUT, status=Payment.Status.REFUNDED)
        ),
        "created_at",
        f,
        "purpose",
    ):
        name, _status = done[r["purpose"]]
        days[r["d"]][name] += r["n"]
        days[r["d"]][f"{name}_won"] += r["won"] or 0
    return [days[d] for d in f.days]


def _money_day(d: date) -> dict[str, Any]:
    row: dict[str, Any] = {"day": d}
    for name in ("asked", "captured", "declined", "pending", "top_ups", "debts", "payouts"):
        row[name] = 0
        row[f"{name}_won"] = 0
    return row


def deny_list(f: ReportFilters) -> dict[str, Any]:
    """Listings open now, and per day: accounts listed, cleared, and open at the end of the day."""
    lo, _hi = f.bounds
    open_before = DenyListing.objects.filter(
        Q(cleared_at__isnull=True) | Q(cleared_at__gte=lo), listed_at__lt=lo
    ).count()

    def per_day(field: str) -> dict[date, int]:
        rows = DenyListing.objects.filter(_in(field, f)).annotate(d=TruncDate(field, tzinfo=SEOUL))
        return dict(rows.values("d").annotate(n=Count("id")).order_by().values_list("d", "n"))

    listed, cleared = per_day("listed_at"), per_day("cleared_at")
    rows, size = [], open_before
    for d in f.days:
        size += listed.get(d, 0) - cleared.get(d, 0)
        rows.append({"day": d, "listed": listed.get(d, 0), "cleared": cleared.get(d, 0), "open": size})
    return {"open_now": DenyListing.objects.filter(cleared_at__isnull=True).count(), "by_day": rows}


def reconciliations(f: ReportFilters) -> list[dict[str, Any]]:
    """The latest reconciliation of each day of the period that has one, with its differences
    named by the gateway's id of the movement (``gateway_id``; empty when the gateway never
    answered us about it) and what kind of movement it is."""
    latest = Reconciliation.objects.filter(day=OuterRef("day")).order_by("-ran_at", "-pk").values("pk")[:1]
    runs = list(
        Reconciliation.objects.filter(day__gte=f.start, day__lte=f.end, pk=Subquery(latest))
        .annotate(n_differences=Count("differences"))
        .order_by("day")
    )
    diffs = list(
        ReconciliationDifference.objects.filter(run__in=runs).select_related("run").order_by("run__day", "kind", "pk")
    )
    keys = [d.reference.removeprefix("capture:") for d in diffs if d.reference.startswith("capture:")]
    payments = {
        k: (g, p) for k, g, p in Payment.objects.filter(key__in=keys).values_list("key", "gateway_id", "purpose")
    }
    by_run: dict[int, list[dict[str, Any]]] = {}
    for d in diffs:
        gateway_id: str
        purpose: str
        if d.reference.startswith("refund:"):
            gateway_id, purpose = d.reference.removeprefix("refund:"), Payment.Purpose.PAYOUT
        else:
            gateway_id, purpose = payments.get(d.reference.removeprefix("capture:"), ("", ""))
        by_run.setdefault(d.run_id, []).append(
            {
                "day": d.run.day,
                "kind": d.kind,
                "kind_label": ReconciliationDifference.Kind(d.kind).label,
                "gateway_id": gateway_id,
                "purpose": purpose,
                "purpose_label": Payment.Purpose(purpose).label if purpose else _("Unknown to the platform"),
                "ledger": d.ledger_amount,
                "gateway": d.gateway_amount,
            }
        )
    return [
        {
            "day": r.day,
            "ran_at": r.ran_at,
            "matched": r.matched,
            "ledger_total": r.ledger_total,
            "gateway_total": r.gateway_total,
            "differences": by_run.get(r.pk, []),
        }
        for r in runs
    ]


def report(f: ReportFilters) -> dict[str, Any]:
    return {
        "period": {"start": f.start, "end": f.end, "line": f.line},
        "incomplete": incomplete_and_refunds(f),
        "settlement": settlement(f),
        "deny_list": deny_list(f),
        "reconciliations": reconciliations(f),
    }


def incomplete_chart(by_line: list[dict[str, Any]]) -> dict[str, Any]:
    """Vega-Lite spec: incomplete journeys per line, stacked by how they ended."""
    labels = outcome_labels()
    values = [
        {"line": r["line_name"], "outcome": labels[o], "order": i, "n": r[o]}
        for r in by_line
        for i, o in enumerate(OUTCOMES)
        if r[o]
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Incomplete journeys per line, by how they ended"),
        "width": "container",
        "height": 220,
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "line", "type": "nominal", "title": None, "sort": "-x", "axis": {"labelLimit": 90}},
            "x": {
                "field": "n",
                "type": "quantitative",
                "title": _("Journeys"),
                "axis": {"tickMinStep": 1, "format": "d"},
            },
            "color": {
                "field": "outcome",
                "type": "nominal",
                "title": None,
                "sort": [labels[o] for o in OUTCOMES],
                "legend": {"orient": "bottom", "columns": 1, "labelLimit": 320},
            },
            "order": {"field": "order", "type": "quantitative"},
        },
    }


def outcome_labels() -> dict[str, str]:
    return {
        "pattern": _("Completed from the rider's pattern"),
        "maximum": _("Charged the maximum fare"),
        "late_tap": _("Completed by a later tap"),
        "correction": _("Completed by the rider's correction"),
    }
