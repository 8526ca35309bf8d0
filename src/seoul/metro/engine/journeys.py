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

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from seoul.metro.engine.fares import Leg, SubwayTrip, Tariffs, split_journeys

MAX_JOURNEY = timedelta(hours=5)


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


@dataclass(frozen=True)
class JourneyDraft:
    key: str
    status: Status
    entry: Tap | None
    exit: Tap | None
    start: datetime | None = None  # set for chains that begin with a bus ride

    @property
    def started_at(self) -> datetime:
        if self.start is not None:
            return self.start
        tap = self.entry or self.exit
        assert tap is not None  # noqa: S101 - a draft always has one tap
        return tap.at


def build_journeys(taps: Iterable[Tap], now: datetime, max_journey: timedelta = MAX_JOURNEY) -> list[JourneyDraft]:
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
            if open_entry is not None and tap.at - open_entry.at <= max_journey:
                out.append(JourneyDraft(open_entry.event_id, Status.COMPLETE, open_entry, tap))
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
