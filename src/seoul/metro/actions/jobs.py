"""Scheduled jobs of the metro service (deploy/systemd/, docs/operations.md): closing entries
that never saw an exit, and the revenue and gate-activity roll-ups the operations page reads.

Each runs as the platform itself (``actor=None``, from ``seoul metro ...``) or as metro operator
staff; each is idempotent, so the jobs may run as often as wanted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro.actions.access import check_role
from seoul.metro.actions.journeys import rebuild_rider
from seoul.metro.engine.journeys import MAX_JOURNEY, Status
from seoul.metro.errors import MetroError
from seoul.metro.models import (
    GateEvent,
    GateHourCount,
    GateHourRollup,
    IncompleteRollupRow,
    Journey,
    RevenueRollup,
    RevenueRollupRow,
    activity_by_gate,
)

log = logging.getLogger("seoul.metro")


def close_open_entries(
    *, actor: User | None, now: datetime | None = None, lookback: timedelta = timedelta(days=2)
) -> dict[str, int]:
    """Rebuild every rider whose entry has had no exit for longer than the 5-hour maximum, so
    the journey is charged by the no-exit policy now rather than at the rider's next tap.

    An entry still in progress has no journey row (it is not charged yet); those older than
    ``MAX_JOURNEY`` and younger than ``lookback`` are looked at. Rebuilding is idempotent, so
    the job may run as often as wanted (every 15 minutes, docs/operations.md)."""
    check_role(actor, Role.OPERATOR)
    now = now or timezone.now()
    open_entries = list(
        GateEvent.objects.filter(kind=GateEvent.Kind.ENTRY, at__lt=now - MAX_JOURNEY, at__gte=now - lookback)
        .filter(~Exists(Journey.objects.filter(entry=OuterRef("pk"), superseded=False)))
        .values_list("pk", "rider_id", "at")
    )
    first: dict[int, datetime] = {}
    for _pk, rider_id, at in open_entries:
        first[rider_id] = min(at, first.get(rider_id, at))
    for rider_id, at in sorted(first.items()):
        rebuild_rider(rider_id, actor=actor, now=now, touched=(at, at))
    closed = Journey.objects.filter(
        entry_id__in=[pk for pk, _, _ in open_entries], status=Status.NO_EXIT, superseded=False
    ).count()
    log.info("open entries past %s: %d riders rebuilt, %d journeys without exit", MAX_JOURNEY, len(first), closed)
    return {"riders": len(first), "no_exit_journeys": closed}


def roll_up_revenue(days: Sequence[date], *, actor: User | None, now: datetime | None = None) -> dict[str, int]:
    """Sum each day's charged journeys per line and entry station into ``RevenueRollup``
    (replacing an earlier roll-up of that day), so the operations page reads a few hundred rows
    per day instead of the day's journeys; and the day's incomplete journeys per station
    (``IncompleteRollupRow``) for the operator reports, whose live count joins every journey
    of the period to its events. Later days than today are refused.

    A roll-up is a snapshot: a change to its day (a journey closing, a late event) shows when
    the day is rolled up again. Jobs re-roll today and yesterday every 10 minutes and the last
    8 days every morning (docs/operations.md)."""
    check_role(actor, Role.OPERATOR)
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    wanted = sorted(set(days))
    if wanted and wanted[-1] > today:
        raise MetroError.FUTURE_DAY.error("days", day=wanted[-1].isoformat())
    rows = 0
    for day in wanted:
        with transaction.atomic():
            totals = Journey.objects.started_on([day]).revenue_by_day_and_gate()
            RevenueRollup.objects.filter(day=day).delete()
            rollup = RevenueRollup.objects.create(day=day, computed_at=now)
            RevenueRollupRow.objects.bulk_create(
                RevenueRollupRow(
                    rollup=rollup, line=t["line"], station=t["station"], journeys=t["journeys"], won=t["won"] or 0
                )
                for t in totals
            )
            # the operator reports' incomplete journeys of the day, snapshotted with its revenue
            IncompleteRollupRow.objects.bulk_create(
                IncompleteRollupRow(
                    rollup=rollup,
                    line=r["k_line"] or "",
                    station=r["k_station"] or "",
                    missing=r["missing"],
                    outcome=r["outcome"],
                    journeys=r["n"],
                    won=r["won"] or 0,
                )
                for r in Journey.objects.started_on([day]).incomplete_by_gate()
            )
        rows += len(totals)
    log.info("revenue rolled up for %d days (%d rows)", len(wanted), rows)
    return {"days": len(wanted), "rows": rows}


def roll_up_gate_hours(hours: Sequence[datetime], *, actor: User | None, now: datetime | None = None) -> dict[str, int]:
    """Count each closed hour's gate events and flagged passages per gate into
    ``GateHourRollup`` (replacing an earlier count of that hour), so gate health reads a few
    hundred rows per hour instead of the hour's events. Hours must start on the hour and have
    ended; like the revenue roll-up this is a snapshot, re-rolled by the jobs for late events."""
    check_role(actor, Role.OPERATOR)
    now = now or timezone.now()
    wanted = sorted(set(hours))
    for hour in wanted:
        if hour.tzinfo is None or (hour.minute, hour.second, hour.microsecond) != (0, 0, 0):
            raise MetroError.NOT_AN_HOUR.error("hours", hour=hour.isoformat())
        if hour + timedelta(hours=1) > now:
            raise MetroError.HOUR_NOT_ENDED.error("hours", hour=hour.isoformat())
    rows = 0
    for hour in wanted:
        with transaction.atomic():
            events, flags = activity_by_gate(Q(at__gte=hour, at__lt=hour + timedelta(hours=1)))
            GateHourRollup.objects.filter(hour=hour).delete()
            rollup = GateHourRollup.objects.create(hour=hour, computed_at=now)
            gates = sorted(events.keys() | flags.keys())
            GateHourCount.objects.bulk_create(
                GateHourCount(rollup=rollup, gate_id=g, events=events.get(g, 0), flagged=flags.get(g, 0)) for g in gates
            )
        rows += len(gates)
    log.info("gate activity rolled up for %d hours (%d rows)", len(wanted), rows)
    return {"hours": len(wanted), "rows": rows}
