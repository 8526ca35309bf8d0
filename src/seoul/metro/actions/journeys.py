"""Journeys rebuilt from a rider's events and the ledger reconciled to them (exactly once).

Each accepted batch rebuilds the affected riders' journeys from their events and posts the
ledger differences (engine/ledger.py) under a per-rider row lock, so charges are exactly once
whatever the arrival order or duplication. Only the journeys a change can affect are rebuilt
(docs/metro-journeys.md "Bounded rebuild").
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.roles import Role
from seoul.metro.actions.access import check_role
from seoul.metro.actions.ledger import post
from seoul.metro.engine import data
from seoul.metro.engine.fares import FareError, Leg, SubwayTrip, price_journey, price_subway
from seoul.metro.engine.journeys import MAX_JOURNEY, JourneyDraft, Status, Tap, apply_caps, build_journeys, chain_legs
from seoul.metro.engine.journeys import BusRide as BusRide_
from seoul.metro.engine.ledger import RIDER, reconcile
from seoul.metro.engine.network import UNREACHABLE
from seoul.metro.events import MetroEvent
from seoul.metro.models import BusRide, GateEvent, Journey, LedgerTransaction, Rider
from seoul.metro.schemas import FUTURE_TOLERANCE

log = logging.getLogger("seoul.metro")


@lru_cache(maxsize=4096)
def maximum_fare(station: str, category: str, on: date) -> tuple[int, str]:
    """The highest fare from (or to) ``station``: charged for an incomplete journey."""
    net, tariffs = data.network(), data.tariffs()
    row = net.integrated[net.station(station)]
    reachable = [(int(m), net.names[i]) for i, m in enumerate(row) if m < UNREACHABLE]
    _, farthest = max(reachable)
    at = datetime(on.year, on.month, on.day, 12, tzinfo=SEOUL)
    return price_subway(net, tariffs, SubwayTrip(station, farthest), category=category, at=at).fare, farthest


def _price_incomplete(draft: JourneyDraft, rider: Rider) -> tuple[int, dict[str, Any]] | None:
    """Incomplete journeys pay the maximum fare; journeys in progress are not charged yet."""
    if draft.status == Status.IN_PROGRESS:
        return None
    tap = draft.entry or draft.exit
    assert tap is not None  # noqa: S101
    fare, farthest = maximum_fare(tap.station, rider.category, tap.at.astimezone(SEOUL).date())
    return fare, {"policy": str(draft.status), "maximum_fare_to": farthest, "fare": fare}


def _units(drafts: list[JourneyDraft], rides: list[BusRide_]) -> list[tuple[JourneyDraft, list[Leg] | None]]:
    """What gets charged: incomplete subway journeys alone (no legs), and chains of complete
    subway journeys and bus rides under the integrated transfer rules."""
    by_key = {d.key: d for d in drafts}
    units: list[tuple[JourneyDraft, list[Leg] | None]] = [(d, None) for d in drafts if d.status != Status.COMPLETE]
    for chain in chain_legs(drafts, rides, data.tariffs()):
        subway = [by_key[leg.ref] for leg in chain if leg.mode == "subway"]
        if len(chain) == 1 and subway:
            units.append((subway[0], chain))
            continue
        draft = JourneyDraft(
            chain[0].ref,
            Status.COMPLETE,
            subway[0].entry if subway else None,
            subway[-1].exit if subway else None,
            start=chain[0].board_at,
        )
        units.append((draft, chain))
    return units


def _price_chain(chain: list[Leg], rider: Rider) -> tuple[int, dict[str, Any]]:
    net, tariffs = data.network(), data.tariffs()
    if len(chain) == 1 and chain[0].subway is not None:  # a plain subway journey (card or free)
        b = price_subway(net, tariffs, chain[0].subway, category=rider.category, at=chain[0].board_at)
        return b.fare, b.as_dict()
    priced = price_journey(data.network(), data.tariffs(), chain, category=rider.category)
    breakdown = priced.breakdown.as_dict()
    breakdown["legs"] = [
        {
            "ref": lc.leg.ref,
            "mode": lc.leg.mode,
            "route": lc.leg.bus_route,
            "from": lc.leg.subway.origin if lc.leg.subway else "",
            "to": lc.leg.subway.destination if lc.leg.subway else "",
            "charge": lc.charge,
            "transfer_credit": lc.transfer_credit,
        }
        for lc in priced.legs
    ]
    return priced.total, breakdown


def _rides_as(actor: User, rider_id: int) -> bool:
    return Rider.objects.filter(pk=rider_id, user=actor).exists()


def _local_day(at: datetime) -> tuple[int, int, int]:
    d = at.astimezone(SEOUL).date()
    return (d.year, d.month, d.day)


# --- the bounded rebuild (docs/metro-journeys.md "Bounded rebuild") ---------------------------


# Journeys and transfer chains never span a quiet gap this long in a rider's events: a journey
# lasts at most 5 hours (and its exit may be up to 5 minutes ahead of the clock that judges
# "5 hours have passed"); a transfer waits at most 60 minutes; a bus ride lasts at most 5 hours.
QUIET = MAX_JOURNEY + FUTURE_TOLERANCE + timedelta(minutes=1)


def _cut_before(rider: Rider, t: datetime) -> datetime | None:
    """The latest instant ``c <= t`` such that everything the rider did before ``c`` ended
    more than QUIET before it (so no journey or chain spans ``c``); None: from the start."""
    c = t
    while True:
        found: list[tuple[datetime, datetime]] = []
        tap = GateEvent.objects.filter(rider=rider, at__lt=c).order_by("-at").values_list("at", flat=True).first()
        if tap is not None:
            found.append((tap, tap))
        ride = (
            BusRide.objects.filter(rider=rider, board_at__lt=c)
            .order_by("-alight_at")
            .values_list("board_at", "alight_at")
            .first()
        )
        if ride is not None:
            found.append(ride)
        if not found:
            return None
        start, end = max(found, key=lambda x: x[1])
        if end < c - QUIET:
            return c
        c = start


def _cut_after(rider: Rider, t: datetime) -> datetime | None:
    """The earliest instant ``c > t`` such that everything the rider started before ``c``
    ended more than QUIET before it; None: nothing later (to the end)."""
    end = max(
        [t, *BusRide.objects.filter(rider=rider, board_at__lte=t, alight_at__gt=t).values_list("alight_at", flat=True)]
    )
    cur = t
    while True:
        found: list[tuple[datetime, datetime]] = []
        tap = GateEvent.objects.filter(rider=rider, at__gt=cur).order_by("at").values_list("at", flat=True).first()
        if tap is not None:
            found.append((tap, tap))
        ride = (
            BusRide.objects.filter(rider=rider, board_at__gt=cur)
            .order_by("board_at", "-alight_at")
            .values_list("board_at", "alight_at")
            .first()
        )
        if ride is not None:
            found.append(ride)
        if not found:
            return None
        start = min(x[0] for x in found)
        if start > end + QUIET:
            return start
        end = max([end, *(x[1] for x in found if x[0] == start)])
        cur = start


def _month_start(at: datetime) -> datetime:
    local = at.astimezone(SEOUL)
    return datetime(local.year, local.month, 1, tzinfo=SEOUL)


def next_month(at: datetime) -> datetime:
    m = _month_start(at)
    return datetime(m.year + m.month // 12, m.month % 12 + 1, 1, tzinfo=SEOUL)


def _rebuild_window(
    rider: Rider, touched: tuple[datetime, datetime], capped: bool
) -> tuple[datetime | None, datetime | None]:
    """``[lo, hi)`` of event times whose journeys a change in ``touched`` can affect.

    Both ends are quiet gaps (no journey or chain spans them), an entry that was still in
    progress is inside (its status depends on the clock), and with caps the window runs on to the end
    of the last affected month (later journeys of that month may now hit the cap sooner or
    later); what the month spent before ``lo`` is carried in (:func:`_spent_before`).
    """
    lo, hi = touched
    # Only the rider's last tap can be a journey in progress (an earlier open entry is closed
    # by the tap after it). In progress means uncharged, so no journey row holds it yet.
    last = GateEvent.objects.filter(rider=rider).order_by("-at", "-event_id").values_list("pk", "kind", "at").first()
    open_entry = last is not None and last[1] == GateEvent.Kind.ENTRY
    if open_entry and not Journey.objects.filter(entry_id=last[0], superseded=False).exists():  # type: ignore[index]
        lo, hi = min(lo, last[2]), max(hi, last[2])  # type: ignore[index]
    start, stop = _cut_before(rider, lo), _cut_after(rider, hi)
    if capped and stop is not None:
        stop = _cut_after(rider, next_month(stop))
    return start, stop


def _spent_before(rider: Rider, start: datetime) -> tuple[dict[tuple[int, int, int], int], dict[tuple[int, int], int]]:
    """What the rider was charged per local day and month from the start of ``start``'s month
    up to ``start``: the cap room already used before a bounded rebuild's window."""
    by_day: dict[tuple[int, int, int], int] = {}
    by_month: dict[tuple[int, int], int] = {}
    rows = Journey.objects.filter(
        rider=rider, superseded=False, started_at__gte=_month_start(start), started_at__lt=start
    ).values_list("started_at", "charge")
    for at, charge in rows:
        day = _local_day(at)
        by_day[day] = by_day.get(day, 0) + charge
        month = (day[0], day[1])
        by_month[month] = by_month.get(month, 0) + charge
    return by_day, by_month


def _between(name: str, start: datetime | None, stop: datetime | None) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{name}__gte": start})
    if stop is not None:
        q &= Q(**{f"{name}__lt": stop})
    return q


def rebuild_rider(
    rider_id: int,
    *,
    actor: User | None,
    now: datetime | None = None,
    touched: tuple[datetime, datetime] | None = None,
) -> dict[str, int]:
    """Recompute the rider's journeys and post the ledger differences.

    ``touched`` is the span of event times that changed (new events, a pass month): only the
    journeys those can affect are rebuilt (:func:`_rebuild_window`); the result is the same as
    rebuilding from all events, which ``touched=None`` does. ``actor``: the metro operator (a
    gate controller) or the rider whose change caused it; None for the platform's own jobs.
    """
    if actor is not None and not _rides_as(actor, rider_id):
        check_role(actor, Role.OPERATOR)
    now = now or timezone.now()
    caps = data.tariffs().raw.get("caps", {})
    daily_cap = getattr(settings, "SEOUL_METRO_DAILY_CAP", None) or caps.get("daily")
    monthly_cap = getattr(settings, "SEOUL_METRO_MONTHLY_CAP", None) or caps.get("monthly")
    with transaction.atomic():
        rider = Rider.objects.select_for_update().get(pk=rider_id)
        start, stop = (None, None)
        if touched is not None:
            start, stop = _rebuild_window(rider, touched, daily_cap is not None or monthly_cap is not None)
        span, bus_span, journey_span = (_between(f, start, stop) for f in ("at", "board_at", "started_at"))
        events = list(GateEvent.objects.filter(span, rider=rider).select_related("gate"))
        by_id = {e.event_id: e for e in events}
        taps = [Tap(e.event_id, e.kind, e.gate.station, e.gate.line, e.at) for e in events]
        drafts = build_journeys(taps, now)
        rides = [
            BusRide_(b.event_id, b.mode, b.route, b.board_at, b.alight_at, b.metres)
            for b in BusRide.objects.filter(bus_span, rider=rider)
        ]
        priced = []
        for draft, chain in _units(drafts, rides):
            try:
                p = _price_incomplete(draft, rider) if chain is None else _price_chain(chain, rider)
            except FareError as exc:
                log.warning("journey %s of rider %s cannot be priced: %s", draft.key, rider.account, exc)
                p = (0, {"error": str(exc)})
            if p is not None:
                priced.append((draft, p[0], p[1]))
        fare_of = {draft.key: fare for draft, fare, _ in priced}
        pass_months = {(m.year, m.month) for m in rider.passes.values_list("month", flat=True)}
        covered = []
        for draft, fare, breakdown in priced:
            d = _local_day(draft.started_at)
            uses_separate = bool(breakdown.get("separate_surcharges"))
            if (d[0], d[1]) in pass_months and not uses_separate and draft.status == Status.COMPLETE:
                covered.append((draft, 0, {**breakdown, "covered_by": "climate_card", "fare_without_pass": fare}))
            else:
                covered.append((draft, fare, breakdown))
        spent_day, spent_month = _spent_before(rider, start) if start is not None else ({}, {})
        charged = apply_caps(
            covered,
            daily_cap=daily_cap,
            monthly_cap=monthly_cap,
            local_day=_local_day,
            spent_day=spent_day,
            spent_month=spent_month,
        )
        desired: dict[str, int] = {}
        seen_keys = set()
        for c in charged:
            draft = c.draft
            seen_keys.add(draft.key)
            Journey.objects.update_or_create(
                key=draft.key,
                defaults={
                    "rider": rider,
                    "status": draft.status,
                    "entry": by_id.get(draft.entry.event_id) if draft.entry else None,
                    "exit": by_id.get(draft.exit.event_id) if draft.exit else None,
                    "started_at": draft.started_at,
                    "fare": fare_of[draft.key],
                    "charge": c.charge,
                    "breakdown": c.breakdown,
                    "superseded": False,
                },
            )
            desired[draft.key] = c.charge
        # Journeys that the events no longer produce: their charges are reversed to zero.
        in_window = Journey.objects.filter(journey_span, rider=rider)
        in_window.exclude(key__in=seen_keys).update(superseded=True, charge=0)
        keys = set(in_window.values_list("key", flat=True)) | seen_keys
        sums = (
            LedgerTransaction.objects.filter(rider=rider, kind=LedgerTransaction.Kind.CHARGE, journey_key__in=keys)
            .values("journey_key")
            .annotate(total=Sum("amount"), n=Count("id"))
        )
        posted = {r["journey_key"]: r["total"] for r in sums}
        revision = {r["journey_key"]: r["n"] for r in sums}
        postings = reconcile(f"{RIDER}:{rider.account}", desired, posted, revision)
        for posting in postings:
            post(
                rider,
                posting.key,
                LedgerTransaction.Kind.CHARGE,
                posting.amount,
                posting.entries,
                journey_key=posting.journey,
                memo="journey charge" if posting.amount > 0 else "journey charge corrected",
            )
        if postings:
            audit.record(
                MetroEvent.JOURNEYS_CHARGED,
                actor=actor,
                target=rider,
                new={"postings": [{"key": p.key, "amount": p.amount} for p in postings]},
                service="metro",
            )
    return {"journeys": len(desired), "postings": len(postings)}
