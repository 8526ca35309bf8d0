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
from seoul.metro.actions.notify import large_charge_threshold, notify
from seoul.metro.actions.riders import category_of
from seoul.metro.engine import data
from seoul.metro.engine.fares import FareError, Leg, SubwayTrip, price_journey, price_subway
from seoul.metro.engine.journeys import (
    PAIR_LIMIT,
    JourneyDraft,
    PassPeriod,
    Pattern,
    Priced,
    Status,
    Tap,
    apply_caps,
    build_journeys,
    chain_legs,
    pass_covers,
    pass_in_force,
    usual_other_end,
)
from seoul.metro.engine.journeys import BusRide as BusRide_
from seoul.metro.engine.ledger import RIDER, Posting, reconcile
from seoul.metro.engine.network import UNREACHABLE
from seoul.metro.events import MetroEvent
from seoul.metro.models import BusRide, GateEvent, Journey, LedgerTransaction, Notification, Rider
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


def _price_incomplete(
    draft: JourneyDraft, rider: Rider, history: list[JourneyDraft]
) -> tuple[int, dict[str, Any]] | None:
    """Incomplete journeys pay the fare to (from) the rider's usual other end when their own
    pattern is clear (``usual_other_end``), else the maximum fare; journeys in progress are not
    charged yet."""
    if draft.status == Status.IN_PROGRESS:
        return None
    tap = draft.entry or draft.exit
    assert tap is not None  # noqa: S101
    usual = usual_other_end(draft, history, Pattern.from_raw(data.tariffs().raw))
    if usual is not None:
        station, n, of = usual
        trip = SubwayTrip(tap.station, station) if draft.entry else SubwayTrip(station, tap.station)
        b = price_subway(data.network(), data.tariffs(), trip, category=_category(rider, tap.at), at=tap.at)
        return b.fare, {
            **b.as_dict(),
            "policy": str(draft.status),
            "completed_with": station,
            "pattern": {"support": n, "of": of},
            "rules": [*b.rules, "completed_from_pattern"],
        }
    fare, farthest = maximum_fare(tap.station, _category(rider, tap.at), tap.at.astimezone(SEOUL).date())
    return fare, {"policy": str(draft.status), "maximum_fare_to": farthest, "fare": fare, "rules": ["maximum_fare"]}


def _notify_postings(rider: Rider, postings: list[Posting], posted: dict[str, int], charged: dict[str, Priced]) -> None:
    """Tell the rider about a first charge above the threshold, a journey charged the maximum
    fare for want of an exit or entry, and any charge that went down (a refund); each once."""
    threshold = large_charge_threshold()
    for posting in postings:
        priced = charged.get(posting.journey)
        if posting.amount < 0:
            notify(rider, Notification.Kind.REFUND, f"refund:{posting.key}", {"amount": -posting.amount})
            continue
        if priced is None or posted.get(posting.journey, 0):
            continue
        tap = priced.draft.entry or priced.draft.exit
        station = tap.station if tap is not None else ""
        if "maximum_fare" in priced.breakdown.get("rules", []):  # type: ignore[operator]
            notify(rider, Notification.Kind.INCOMPLETE, f"incomplete:{posting.journey}", {"station": station})
        elif posting.amount > threshold:
            notify(
                rider,
                Notification.Kind.LARGE_CHARGE,
                f"large:{posting.journey}",
                {"amount": posting.amount, "station": station},
            )


def _category(rider: Rider, at: datetime) -> str:
    """The rider's fare category on the Seoul-local day of ``at`` (actions/riders.py)."""
    return category_of(rider, at.astimezone(SEOUL).date())


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
    leg = chain[0]
    if len(chain) == 1 and leg.subway is not None:  # a plain subway journey (card or free)
        b = price_subway(
            net, tariffs, leg.subway, category=_category(rider, leg.board_at), at=leg.board_at, overstay=leg.overstay
        )
        return b.fare, b.as_dict()
    priced = price_journey(data.network(), data.tariffs(), chain, category=_category(rider, leg.board_at))
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


def _taps_of(draft: JourneyDraft, chain: list[Leg] | None, drafts: list[JourneyDraft]) -> list[Tap | None]:
    """The gate taps behind a charged unit (a chain's subway journeys, or the draft itself)."""
    if chain is None:
        return [draft.entry, draft.exit]
    refs = {leg.ref for leg in chain if leg.mode == "subway"}
    return [t for d in drafts if d.key in refs for t in (d.entry, d.exit)]


def _rides_as(actor: User, rider_id: int) -> bool:
    return Rider.objects.filter(pk=rider_id, user=actor).exists()


def _local_day(at: datetime) -> tuple[int, int, int]:
    d = at.astimezone(SEOUL).date()
    return (d.year, d.month, d.day)


# --- the bounded rebuild (docs/metro-journeys.md "Bounded rebuild") ---------------------------


# Journeys and transfer chains never span a quiet gap this long in a rider's events: an exit
# pairs with an entry at most 10 hours earlier (PAIR_LIMIT, over 5 hours with one more base
# fare), and may be up to 5 minutes ahead of the clock that judges "5 hours have passed"; a
# transfer waits at most 60 minutes; a bus ride lasts at most 5 hours.
QUIET = PAIR_LIMIT + FUTURE_TOLERANCE + timedelta(minutes=1)


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
    if stop is not None:
        # Complete journeys in the window are the pattern of incomplete ones up to 8 weeks later
        # (usual_other_end): those are priced again too.
        later = (
            Journey.objects.filter(
                rider=rider,
                superseded=False,
                status__in=[Journey.Status.NO_EXIT, Journey.Status.NO_ENTRY],
                started_at__gte=stop,
                started_at__lt=stop + Pattern.from_raw(data.tariffs().raw).lookback,
            )
            .order_by("-started_at")
            .values_list("started_at", flat=True)
            .first()
        )
        if later is not None:
            stop = _cut_after(rider, later)
    if capped and stop is not None:
        stop = _cut_after(rider, next_month(stop))
    return start, stop


def _history_before(rider: Rider, start: datetime | None, now: datetime) -> list[JourneyDraft]:
    """The rider's journeys of the pattern lookback before a rebuild window that starts at
    ``start`` (a quiet cut), built from their events as a full rebuild would."""
    if start is None:
        return []
    begin = _cut_before(rider, start - Pattern.from_raw(data.tariffs().raw).lookback)
    q = Q(at__lt=start) & (Q(at__gte=begin) if begin is not None else Q())
    taps = [
        Tap(e.event_id, e.kind, e.gate.station, e.gate.line, e.at, _source(e))
        for e in GateEvent.objects.filter(q, rider=rider).select_related("gate")
    ]
    return build_journeys(taps, now)


def _source(event: GateEvent) -> str:
    return "rider" if event.source == GateEvent.Source.RIDER else ""


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
        taps = [Tap(e.event_id, e.kind, e.gate.station, e.gate.line, e.at, _source(e)) for e in events]
        drafts = build_journeys(taps, now)
        incomplete = any(d.status in (Status.NO_EXIT, Status.NO_ENTRY) for d in drafts)
        history = (_history_before(rider, start, now) + drafts) if incomplete else []
        rides = [
            BusRide_(b.event_id, b.mode, b.route, b.board_at, b.alight_at, b.metres)
            for b in BusRide.objects.filter(bus_span, rider=rider)
        ]
        priced = []
        legs_of: dict[str, list[Leg]] = {}
        for draft, chain in _units(drafts, rides):
            try:
                p = _price_incomplete(draft, rider, history) if chain is None else _price_chain(chain, rider)
            except FareError as exc:
                log.warning("journey %s of rider %s cannot be priced: %s", draft.key, rider.account, exc)
                p = (0, {"error": str(exc)})
            if p is not None:
                fare, breakdown = p
                if any(t is not None and t.source == "rider" for t in _taps_of(draft, chain, drafts)):
                    breakdown = {**breakdown, "rules": [*breakdown.get("rules", []), "rider_correction"]}
                priced.append((draft, fare, breakdown))
                legs_of[draft.key] = chain or []
        fare_of = {draft.key: fare for draft, fare, _ in priced}
        passes = [
            PassPeriod(first, last or first, ended)
            for first, last, ended in rider.passes.values_list("month", "ends_on", "refunded_at")
        ]
        raw = data.tariffs().raw
        covered = []
        for draft, fare, breakdown in priced:
            if draft.status != Status.COMPLETE or not pass_in_force(passes, draft.started_at):
                covered.append((draft, fare, breakdown))
            elif pass_covers(raw, legs_of[draft.key]) and not breakdown.get("separate_surcharges"):
                rules = [*breakdown.get("rules", []), "pass_covered"]
                extra = {"covered_by": "climate_card", "fare_without_pass": fare, "rules": rules}
                covered.append((draft, 0, {**breakdown, **extra}))
            else:
                rules = [*breakdown.get("rules", []), "outside_pass_coverage"]
                covered.append((draft, fare, {**breakdown, "rules": rules}))
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
            if "cap_reduction" in c.breakdown:
                capped = list(c.breakdown.get("rules", []))  # type: ignore[call-overload]
                c = Priced(c.draft, c.fare, c.charge, {**c.breakdown, "rules": [*capped, "fare_cap"]})
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
        _notify_postings(rider, postings, posted, {c.draft.key: c for c in charged})
        if postings:
            audit.record(
                MetroEvent.JOURNEYS_CHARGED,
                actor=actor,
                target=rider,
                new={"postings": [{"key": p.key, "amount": p.amount} for p in postings]},
                service="metro",
            )
    return {"journeys": len(desired), "postings": len(postings)}
