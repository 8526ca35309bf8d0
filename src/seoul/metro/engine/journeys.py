"""From gate taps to journeys, and from journeys to charges, as pure functions of the set
of taps: the same taps in any order, with any duplicates, give the same journeys.

Policy (docs/metro-journeys.md):
- Taps are ordered by (time, event id). An entry opens a journey; the next exit within the
  5-hour maximum closes it. A second entry while one is open leaves the first incomplete.
- Entry with no exit: once 5 hours have passed (against the processing clock ``now``) it is
  *incomplete*, charged the maximum fare from that station, and can be disputed; if the exit
  arrives later the journey is rebuilt and the correct fare replaces the maximum.
- Exit with no entry: *incomplete*, charged the maximum fare to that station.
- An entry younger than 5 hours with no exit is *in progress* and not charged yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from seoul.core.engine.time import SEOUL
from seoul.metro.engine.fares import Leg, SubwayTrip, Tariffs, split_journeys

MAX_JOURNEY = timedelta(hours=5)
# An exit pairs with its entry up to this long after it (tariffs.json over_five_hours); beyond
# 5 hours the journey pays one more base fare.
PAIR_LIMIT = timedelta(hours=10)


class Status(StrEnum):
    COMPLETE = "complete"
    IN_PROGRESS = "in_progress"
    NO_EXIT = "incomplete_no_exit"
    NO_ENTRY = "incomplete_no_entry"


@dataclass(frozen=True)
class Tap:
    event_id: str
    kind: str  # "entry" | "exit"
    station: str
    line: str
    at: datetime
    source: str = ""  # "rider": a tap the rider gave afterwards (a correction)


@dataclass(frozen=True)
class JourneyDraft:
    key: str
    status: Status
    entry: Tap | None
    exit: Tap | None
    start: datetime | None = None  # set for chains that begin with a bus ride
    over_limit: bool = False  # exit more than 5 hours after the entry

    @property
    def started_at(self) -> datetime:
        if self.start is not None:
            return self.start
        tap = self.entry or self.exit
        assert tap is not None  # noqa: S101 - a draft always has one tap
        return tap.at


def build_journeys(
    taps: Iterable[Tap], now: datetime, max_journey: timedelta = MAX_JOURNEY, pair_limit: timedelta = PAIR_LIMIT
) -> list[JourneyDraft]:
    unique = {t.event_id: t for t in taps}
    ordered = sorted(unique.values(), key=lambda t: (t.at, t.event_id))
    out: list[JourneyDraft] = []
    open_entry: Tap | None = None
    for tap in ordered:
        if tap.kind == "entry":
            if open_entry is not None:
                out.append(JourneyDraft(open_entry.event_id, Status.NO_EXIT, open_entry, None))
            open_entry = tap
        elif tap.kind == "exit":
            if open_entry is not None and tap.at - open_entry.at <= pair_limit:
                over = tap.at - open_entry.at > max_journey
                out.append(JourneyDraft(open_entry.event_id, Status.COMPLETE, open_entry, tap, over_limit=over))
                open_entry = None
            else:
                if open_entry is not None:
                    out.append(JourneyDraft(open_entry.event_id, Status.NO_EXIT, open_entry, None))
                    open_entry = None
                out.append(JourneyDraft(tap.event_id, Status.NO_ENTRY, None, tap))
        else:
            raise ValueError(f"tap {tap.event_id}: unknown kind '{tap.kind}'")
    if open_entry is not None:
        status = Status.NO_EXIT if now - open_entry.at > max_journey else Status.IN_PROGRESS
        out.append(JourneyDraft(open_entry.event_id, status, open_entry, None))
    return out


@dataclass(frozen=True)
class Priced:
    draft: JourneyDraft
    fare: int  # before caps
    charge: int  # after caps and passes
    breakdown: dict[str, object]


def apply_caps(
    priced: Iterable[tuple[JourneyDraft, int, dict[str, object]]],
    *,
    daily_cap: int | None,
    monthly_cap: int | None,
    local_day: Callable[[datetime], tuple[int, int, int]],
    spent_day: Mapping[tuple[int, int, int], int] | None = None,
    spent_month: Mapping[tuple[int, int], int] | None = None,
) -> list[Priced]:
    """Charge journeys in time order so that no (local) day or month exceeds its cap.

    ``spent_day`` / ``spent_month`` are what earlier journeys, not passed here, were already
    charged in a day or month (a rebuild of part of a rider's history)."""
    out: list[Priced] = []
    by_day: dict[tuple[int, int, int], int] = dict(spent_day or {})
    by_month: dict[tuple[int, int], int] = dict(spent_month or {})
    for draft, fare, breakdown in sorted(priced, key=lambda p: (p[0].started_at, p[0].key)):
        day = local_day(draft.started_at)
        month = day[:2]
        room = fare
        if daily_cap is not None:
            room = min(room, max(0, daily_cap - by_day.get(day, 0)))
        if monthly_cap is not None:
            room = min(room, max(0, monthly_cap - by_month.get((month[0], month[1]), 0)))
        by_day[day] = by_day.get(day, 0) + room
        by_month[(month[0], month[1])] = by_month.get((month[0], month[1]), 0) + room
        capped = {**breakdown, "cap_reduction": fare - room} if room != fare else breakdown
        out.append(Priced(draft, fare, room, capped))
    return out


@dataclass(frozen=True)
class BusRide:
    event_id: str
    mode: str
    route: str
    board_at: datetime
    alight_at: datetime
    metres: int


def chain_legs(drafts: Iterable[JourneyDraft], rides: Iterable[BusRide], tariffs: Tariffs) -> list[list[Leg]]:
    """Complete subway journeys and bus rides as legs, grouped into integrated-transfer chains.

    A chain's key is its first leg's ``ref`` (the subway journey key or the bus event id).
    Incomplete and in-progress subway journeys do not take part in transfers.
    """
    legs = [
        Leg(
            "subway",
            d.entry.at,
            d.exit.at,
            subway=SubwayTrip(
                d.entry.station,
                d.exit.station,
                frozenset({d.entry.line, d.exit.line}) & tariffs.separately_charged_lines,
            ),
            ref=d.key,
            entry_line=d.entry.line,
            exit_line=d.exit.line,
            overstay=d.over_limit,
        )
        for d in drafts
        if d.status == Status.COMPLETE and d.entry is not None and d.exit is not None
    ]
    unique = {r.event_id: r for r in rides}
    legs += [
        Leg(r.mode, r.board_at, r.alight_at, bus_route=r.route, bus_metres=r.metres, ref=r.event_id)
        for r in unique.values()
    ]
    return split_journeys(tariffs, legs)


# --- Incomplete journeys completed from the rider's own pattern ---------------------------


@dataclass(frozen=True)
class Pattern:
    """The conservative rule of tariffs.json ``incomplete.pattern``."""

    lookback: timedelta = timedelta(days=56)
    min_history: int = 5
    min_share: float = 0.9
    time_of_day: timedelta = timedelta(minutes=90)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Pattern:
        p = raw.get("incomplete", {}).get("pattern", {})
        return cls(
            timedelta(days=p.get("lookback_days", 56)),
            p.get("min_history", 5),
            p.get("min_share", 0.9),
            timedelta(minutes=p.get("time_of_day_minutes", 90)),
        )


def _minutes_apart(a: datetime, b: datetime) -> float:
    """Minutes between two Seoul times of day, around midnight."""
    ma = a.astimezone(SEOUL).hour * 60 + a.astimezone(SEOUL).minute
    mb = b.astimezone(SEOUL).hour * 60 + b.astimezone(SEOUL).minute
    d = abs(ma - mb)
    return float(min(d, 24 * 60 - d))


def usual_other_end(draft: JourneyDraft, history: Sequence[JourneyDraft], rule: Pattern) -> tuple[str, int, int] | None:
    """For an incomplete journey, the station at its missing end that the rider's own complete
    journeys of the ``lookback`` before it nearly always used: those that entered (for a missing
    exit; left, for a missing entry) at the same station within ``time_of_day`` of the same time
    of day. ``(station, support, of)`` when at least ``min_history`` such journeys exist and one
    station has at least ``min_share`` of them; None otherwise (then the maximum fare applies)."""
    known = draft.entry or draft.exit
    if known is None or draft.status not in (Status.NO_EXIT, Status.NO_ENTRY):
        return None
    missing_exit = draft.status == Status.NO_EXIT
    similar = [
        h
        for h in history
        if h.status == Status.COMPLETE
        and h.entry is not None
        and h.exit is not None
        and known.at - rule.lookback <= h.entry.at < known.at
        and (h.entry if missing_exit else h.exit).station == known.station
        and _minutes_apart((h.entry if missing_exit else h.exit).at, known.at) <= rule.time_of_day.total_seconds() / 60
    ]
    if len(similar) < rule.min_history:
        return None
    counts = Counter((h.exit if missing_exit else h.entry).station for h in similar)  # type: ignore[union-attr]
    (station, n), *_ = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if n < rule.min_share * len(similar) or station == known.station:
        return None
    return station, n, len(similar)


# --- The 기후동행카드 (tariffs.json products.climate_card) ---------------------------------


@dataclass(frozen=True)
class PassPeriod:
    """A 30-day pass: covers journeys that start from 04:00 of ``first_day`` to 04:00 after
    ``last_day`` (Seoul time), and none after ``ended_at`` (a refund)."""

    first_day: date
    last_day: date
    ended_at: datetime | None = None


DAY_STARTS = time(4, 0)


def service_day(at: datetime) -> date:
    """The pass day a moment belongs to: a day runs from 04:00 to 04:00 (Seoul time)."""
    return (at.astimezone(SEOUL) - timedelta(hours=DAY_STARTS.hour, minutes=DAY_STARTS.minute)).date()


def pass_in_force(passes: Iterable[PassPeriod], at: datetime) -> bool:
    day = service_day(at)
    return any(p.first_day <= day <= p.last_day and (p.ended_at is None or at < p.ended_at) for p in passes)


def pass_covers(raw: Mapping[str, Any], legs: Sequence[Leg]) -> bool:
    """Whether the 기후동행카드 covers a journey: every subway leg boards inside Seoul and
    alights inside Seoul or at an alight-only station, and no leg uses a separately charged
    line; otherwise the whole journey pays its regular fare (tariffs.json coverage)."""
    card = raw["products"]["climate_card"]["coverage"]
    outside = frozenset(raw.get("seoul_boundary", {}).get("outside_stations", ()))
    alight_only = frozenset(card.get("alight_only_stations", ()))
    lines = frozenset(card["covers_subway_lines"])
    for leg in legs:
        if leg.mode != "subway":
            if leg.mode not in card["covers_bus"]:
                return False
            continue
        trip = leg.subway
        if trip is None or trip.lines_used or leg.entry_line not in lines or leg.exit_line not in lines:
            return False
        if trip.origin in outside or (trip.destination in outside and trip.destination not in alight_only):
            return False
    return True


def young_adult_band(raw: Mapping[str, Any], on: date) -> tuple[int, int] | None:
    """(youngest, oldest) age of the young-adult price on ``on``; None before the first band."""
    bands = sorted(raw["products"]["climate_card"]["young_adult_bands"], key=lambda b: b["effective_from"])
    found = [b for b in bands if date.fromisoformat(b["effective_from"]) <= on]
    return (found[-1]["min_age"], found[-1]["max_age"]) if found else None


def pass_refund(raw: Mapping[str, Any], variant: str, price: int, used: int) -> tuple[int, dict[str, int]]:
    """What a refund returns before the pass ends: the price less the regular fares of the
    journeys it covered, less the fee (none when less than ``fee_waived_below`` is left), less
    the bike deduction for bike variants (its maximum: the platform has no bike data)."""
    terms = raw["products"]["climate_card"]["refund"]
    bike = terms["bike_max"] if raw["products"]["climate_card"]["variants"][variant]["bike"] else 0
    left = max(0, price - used - bike)
    fee = 0 if left < terms["fee_waived_below"] else terms["fee"]
    refund = max(0, left - fee)
    return refund, {"price": price, "used": used, "bike": bike, "fee": fee, "refund": refund}
