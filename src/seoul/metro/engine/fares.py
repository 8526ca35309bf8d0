"""The Seoul metropolitan integrated distance fare, driven by versioned tariff data.

Pure and typed. ``price_subway`` prices one subway journey (entry to exit); ``price_journey``
prices a chain of legs (subway and bus) under the integrated transfer rules, charging each
leg the increase of the journey fare so far. Every result carries its breakdown.

Rules and decisions (documented in docs/metro-fares.md):
- Fare distance is the shortest path over published distances, whatever route was ridden.
  It avoids separately charged lines (신분당선) unless the journey used one, i.e. entered,
  exited or passed a transfer gate of that line; then the path may use it and that line's
  section surcharges apply for the sections the path crosses.
- Base covers 10 km; one step per 5 km (or part) to 50 km, one per 8 km (or part) above.
- Card: the tariff period in force at the first boarding (SEOUL). Cash (single-journey ticket):
  adults and youths pay the adult card fare + 100, children the child fare; no transfers, no
  early-bird discount.
- Early bird: 20 % off the base fare of the first mode when boarded before 06:30 (card).
- Free riders (65+, disabilities, national merit) ride the subway free; bus legs they pay as
  adults. Percentages are rounded down to 10 won.
- Seoul's own rules (docs/metro-journeys.md "Rules", tariffs.json): a free re-entry at the same
  station and line within 10 / 15 minutes continues the journey like a transfer (``is_re_entry``);
  a journey over 5 hours inside the paid area pays one more base fare (``overstay``); entry and
  exit at the same station pay the base fare. Every breakdown lists the ``rules`` that applied.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

from seoul.core.engine.time import SEOUL
from seoul.metro.engine.network import UNREACHABLE, Network

PAID_CATEGORIES = ("adult", "youth", "child")


class Category(StrEnum):
    ADULT = "adult"
    YOUTH = "youth"
    CHILD = "child"
    SENIOR = "senior"
    DISABLED = "disabled"
    MERIT = "merit"


class Payment(StrEnum):
    CARD = "card"
    CASH = "cash"


class FareError(ValueError):
    """A journey the tariffs cannot price (no period, unreachable, unknown mode)."""


def floor10(amount: float) -> int:
    return math.floor(amount / 10.0 + 1e-9) * 10


@dataclass(frozen=True)
class Zone:
    code: str
    stations: frozenset[str]
    card: int
    card_alone: int | None


@dataclass(frozen=True)
class SurchargeTable:
    line: str
    effective_from: date
    zones: tuple[Zone, ...]
    discount_percent: dict[str, int]


@dataclass(frozen=True)
class ReEntryVersion:
    """One version of the free re-entry rule (재승차): its limit and the stations it applies at."""

    effective_from: date
    limit: timedelta
    whole_lines: frozenset[str]
    stations: dict[str, frozenset[str]]  # line -> stations of its named sections

    def applies(self, line: str, station: str) -> bool:
        return line in self.whole_lines or station in self.stations.get(line, frozenset())


@dataclass(frozen=True)
class Tariffs:
    subway_periods: tuple[tuple[date, str, dict[str, int]], ...]
    bus_periods: tuple[tuple[date, dict[str, dict[str, int]]], ...]
    base_metres: int
    bands: tuple[tuple[int | None, int], ...]
    step: dict[str, int]
    cash_extra: int
    free_categories: frozenset[str]
    early_bird_before: time
    early_bird_percent: int
    window: timedelta
    night_window: timedelta
    night_from: time
    night_until: time
    max_transfers: int
    surcharges: tuple[SurchargeTable, ...]
    re_entry: tuple[ReEntryVersion, ...] = ()
    overstay_limit: timedelta = timedelta(hours=5)
    overstay_pairs_up_to: timedelta = timedelta(hours=10)
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def re_entry_limit(self, at: datetime, line: str, station: str) -> timedelta | None:
        """The re-entry limit in force at ``at`` (Seoul date) at ``station`` of ``line``; None:
        no free re-entry there then."""
        found = [v for v in self.re_entry if v.effective_from <= _local(at).date()]
        if not found or not found[-1].applies(line, station):
            return None
        return found[-1].limit

    @property
    def first_day(self) -> date:
        """The day the first subway tariff of the data came into force: nothing earlier can be priced."""
        return self.subway_periods[0][0]

    @property
    def separately_charged_lines(self) -> frozenset[str]:
        return frozenset(t.line for t in self.surcharges)

    def subway_period(self, on: date) -> tuple[str, dict[str, int]]:
        found = [(v, card) for start, v, card in self.subway_periods if start <= on]
        if not found:
            raise FareError(f"no subway tariff in force on {on.isoformat()}")
        return found[-1]

    def bus_base(self, on: date, mode: str, category: str) -> int:
        found = [card for start, card in self.bus_periods if start <= on]
        if not found or mode not in found[-1]:
            raise FareError(f"no bus tariff for mode '{mode}' on {on.isoformat()}")
        return found[-1][mode][category]

    def distance_steps(self, metres: int) -> int:
        steps, lower = 0, self.base_metres
        for upper, every in self.bands:
            if metres <= lower:
                break
            span = metres - lower if upper is None else min(metres, upper) - lower
            steps += math.ceil(span / every)
            if upper is None:
                break
            lower = upper
        return steps


def load_tariffs(path: Path) -> Tariffs:
    raw = json.loads(path.read_text(encoding="utf-8"))
    d = raw["distance"]
    t = raw["transfer"]
    eb = raw["early_bird"]
    tables = []
    for s in raw["separately_charged"]:
        disc = {"adult": 0, "youth": s["youth_discount_percent"], "child": s["child_discount_percent"]}
        zones = tuple(Zone(z["code"], frozenset(z["stations"]), z["card"], z.get("card_alone")) for z in s["zones"])
        tables.append(SurchargeTable(s["line"], date.fromisoformat(s["effective_from"]), zones, disc))
    versions = []
    for v in sorted(raw.get("re_entry", {}).get("versions", []), key=lambda v: v["effective_from"]):
        whole = frozenset(seg["line"] for seg in v["segments"] if seg.get("all"))
        named: dict[str, frozenset[str]] = {}
        for seg in v["segments"]:
            if not seg.get("all"):
                named[seg["line"]] = named.get(seg["line"], frozenset()) | frozenset(seg["stations"])
        versions.append(
            ReEntryVersion(date.fromisoformat(v["effective_from"]), timedelta(minutes=v["minutes"]), whole, named)
        )
    over = raw.get("over_five_hours", {})
    return Tariffs(
        re_entry=tuple(versions),
        overstay_limit=timedelta(minutes=over.get("limit_minutes", 300)),
        overstay_pairs_up_to=timedelta(minutes=over.get("pairs_up_to_minutes", 600)),
        subway_periods=tuple(
            (date.fromisoformat(p["effective_from"]), p["version"], p["card"])
            for p in sorted(raw["subway_base"], key=lambda p: p["effective_from"])
        ),
        bus_periods=tuple(
            (date.fromisoformat(p["effective_from"]), p["card"])
            for p in sorted(raw["bus_base"], key=lambda p: p["effective_from"])
        ),
        base_metres=d["base_metres"],
        bands=tuple((b["up_to_metres"], b["every_metres"]) for b in d["bands"]),
        step=d["step"],
        cash_extra=raw["cash"]["extra_over_adult_card"],
        free_categories=frozenset(raw["free_categories"]),
        early_bird_before=time.fromisoformat(eb["boarding_before"]),
        early_bird_percent=eb["discount_percent"],
        window=timedelta(minutes=t["window_minutes"]),
        night_window=timedelta(minutes=t["night_window_minutes"]),
        night_from=time.fromisoformat(t["night_from"]),
        night_until=time.fromisoformat(t["night_until"]),
        max_transfers=t["max_transfers"],
        surcharges=tuple(tables),
        raw=raw,
    )


@dataclass(frozen=True)
class Breakdown:
    """Why a fare is what it is. Amounts in won; ``fare`` is what the rider pays."""

    tariff_version: str
    category: str
    payment: str
    distance_km: float
    base: int
    early_bird_discount: int
    distance_steps: int
    distance_surcharge: int
    separate_surcharges: dict[str, int]
    cash_extra: int
    fare: int
    free_reason: str = ""
    path: tuple[str, ...] = ()
    lines_used: tuple[str, ...] = ()
    over_five_hours_surcharge: int = 0
    rules: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "rules": list(self.rules),
            "over_five_hours_surcharge": self.over_five_hours_surcharge,
            "tariff_version": self.tariff_version,
            "category": self.category,
            "payment": self.payment,
            "distance_km": self.distance_km,
            "base": self.base,
            "early_bird_discount": self.early_bird_discount,
            "distance_steps": self.distance_steps,
            "distance_surcharge": self.distance_surcharge,
            "separate_surcharges": dict(self.separate_surcharges),
            "cash_extra": self.cash_extra,
            "free_reason": self.free_reason,
            "fare": self.fare,
            "path": list(self.path),
            "lines_used": list(self.lines_used),
        }


# What each rule code in a breakdown's ``rules`` means (docs/metro-journeys.md "Rules").
RULES: dict[str, str] = {
    "transfer": "Integrated transfer: one journey over several boardings, one base fare.",
    "re_entry": "Free re-entry: left and entered again at the same station and line within the limit.",
    "over_five_hours": "More than 5 hours inside the paid area: one extra base fare.",
    "same_station": "Entered and left at the same station: the base fare is charged.",
    "early_bird": "Early-bird discount: 20 % off the base fare before 06:30.",
    "free_rider": "Free rider: the subway is free for this rider category.",
    "separate_surcharge": "A separately charged line (신분당선) adds its section surcharge.",
    "cash_single_ticket": "Single-journey ticket: the adult card fare plus 100 won.",
    "maximum_fare": "Incomplete journey: the maximum fare from (to) the known station.",
    "completed_from_pattern": "Incomplete journey completed from the rider's usual journey.",
    "rider_correction": "The missing tap was given by the rider.",
    "pass_covered": "Covered by the Climate Card (기후동행카드).",
    "outside_pass_coverage": "Not covered by the Climate Card: outside Seoul or a separately charged line.",
    "fare_cap": "A daily or monthly cap reduced the charge.",
}


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise FareError("times must carry a time zone")
    return at.astimezone(SEOUL)


@dataclass(frozen=True)
class SubwayTrip:
    """Entry and exit of one subway leg, with any separately charged line it used."""

    origin: str
    destination: str
    lines_used: frozenset[str] = frozenset()


def fare_distance(
    net: Network, tariffs: Tariffs, trip: SubwayTrip, on: date
) -> tuple[int, tuple[str, ...], dict[str, int]]:
    """(metres, path, {zone: card surcharge}) of a subway leg boarded on ``on`` (Seoul date)
    under the path policy above. Refuses a separately charged line with no table in force."""
    trip = SubwayTrip(net.resolve(trip.origin), net.resolve(trip.destination), trip.lines_used)
    used = set(trip.lines_used) & tariffs.separately_charged_lines
    for end in (trip.origin, trip.destination):
        only = net.only_on_separately_charged(end)
        if only:
            used.add(only)
    o, d = net.station(trip.origin), net.station(trip.destination)
    matrix = net.all_lines if used else net.integrated
    metres = int(matrix[o, d])
    if metres >= UNREACHABLE:
        raise FareError(f"no path from {trip.origin} to {trip.destination}")
    zones: dict[str, int] = {}
    path: tuple[str, ...] = ()
    if used:
        path = tuple(net.path(trip.origin, trip.destination, integrated=False))
        hops = net.path_lines(list(path), integrated=False)
        for table in tariffs.surcharges:
            if table.line not in used:
                continue
            crossed = [
                z
                for z in table.zones
                if any(ln == table.line and a in z.stations and b in z.stations for a, b, ln in hops)
            ]
            if crossed and on < table.effective_from:
                raise FareError(f"no {table.line} surcharge table in force on {on.isoformat()}")
            for z in crossed:
                zones[z.code] = z.card_alone if (z.card_alone is not None and len(crossed) == 1) else z.card
    return metres, path, zones


def _surcharge_table(tariffs: Tariffs, zone_code: str) -> SurchargeTable:
    return next(t for t in tariffs.surcharges if any(z.code == zone_code for z in t.zones))


def price_subway(
    net: Network,
    tariffs: Tariffs,
    trip: SubwayTrip,
    *,
    category: str = "adult",
    payment: str = "card",
    at: datetime,
    overstay: bool = False,
) -> Breakdown:
    """The fare of one subway journey boarded at ``at``; ``overstay``: its exit came more than
    5 hours after the entry (one more base fare of the rider's category, card only)."""
    b = _price_subway(net, tariffs, trip, category=category, payment=payment, at=at)
    rules = list(b.rules)
    if net.resolve(trip.origin) == net.resolve(trip.destination):
        rules.append("same_station")
    extra = 0
    if overstay:
        rules.append("over_five_hours")
        extra = b.base  # the base fare of the rider's category and payment (0 for free riders)
    return replace(b, rules=tuple(rules), over_five_hours_surcharge=extra, fare=b.fare + extra)


def _price_subway(
    net: Network,
    tariffs: Tariffs,
    trip: SubwayTrip,
    *,
    category: str,
    payment: str,
    at: datetime,
) -> Breakdown:
    local = _local(at)
    version, card = tariffs.subway_period(local.date())
    if payment not in (Payment.CARD, Payment.CASH):
        raise FareError(f"unknown payment '{payment}'")
    metres, path, zones = fare_distance(net, tariffs, trip, local.date())
    km = round(metres / 1000, 3)
    ends = (net.resolve(trip.origin), net.resolve(trip.destination))
    lines = tuple(sorted(trip.lines_used | {net.only_on_separately_charged(s) or "" for s in ends} - {""}))
    if category in tariffs.free_categories:
        return Breakdown(
            version,
            category,
            payment,
            km,
            0,
            0,
            0,
            0,
            {},
            0,
            0,
            free_reason=category,
            path=path,
            lines_used=lines,
            rules=("free_rider",),
        )
    if category not in PAID_CATEGORIES:
        raise FareError(f"unknown rider category '{category}'")
    steps = tariffs.distance_steps(metres)
    if payment == Payment.CASH:
        # Single-journey ticket: adults and youths pay the adult fare + 100, children the child fare.
        fare_cat = "child" if category == "child" else "adult"
        base = card[fare_cat]
        dist = steps * tariffs.step[fare_cat]
        extra = 0 if fare_cat == "child" else tariffs.cash_extra
        sur = {code: _discounted(tariffs, code, amount, fare_cat) for code, amount in zones.items()}
        return Breakdown(
            version,
            category,
            payment,
            km,
            base,
            0,
            steps,
            dist,
            sur,
            extra,
            base + dist + sum(sur.values()) + extra,
            path=path,
            lines_used=lines,
            rules=("cash_single_ticket",) + (("separate_surcharge",) if sur else ()),
        )
    base = card[category]
    early = early_bird(tariffs, base, local)
    dist = steps * tariffs.step[category]
    sur = {code: _discounted(tariffs, code, amount, category) for code, amount in zones.items()}
    fare = base - early + dist + sum(sur.values())
    rules = (("early_bird",) if early else ()) + (("separate_surcharge",) if sur else ())
    return Breakdown(
        version, category, payment, km, base, early, steps, dist, sur, 0, fare, path=path, lines_used=lines, rules=rules
    )


def _discounted(tariffs: Tariffs, zone_code: str, amount: int, category: str) -> int:
    pct = _surcharge_table(tariffs, zone_code).discount_percent.get(category, 0)
    return floor10(amount * (100 - pct) / 100)


def early_bird(tariffs: Tariffs, base: int, boarded_local: datetime) -> int:
    if boarded_local.time() < tariffs.early_bird_before:
        return floor10(base * tariffs.early_bird_percent / 100)
    return 0


# --- Journeys of several legs under the integrated transfer rules -----------------------


@dataclass(frozen=True)
class Leg:
    """One boarding: a subway trip (entry to exit) or a bus ride with its distance."""

    mode: str  # "subway" or a bus mode: trunk, circular, village, night
    board_at: datetime
    alight_at: datetime
    subway: SubwayTrip | None = None
    bus_route: str = ""
    bus_metres: int = 0
    ref: str = ""  # the event or journey this leg comes from (identity for chaining)
    entry_line: str = ""  # subway: the line of the entry and exit gates (for re-entry)
    exit_line: str = ""
    overstay: bool = False  # subway: exit more than 5 hours after the entry


@dataclass(frozen=True)
class LegCharge:
    leg: Leg
    charge: int
    fare_so_far: int
    transfer_credit: int


@dataclass(frozen=True)
class JourneyPrice:
    legs: tuple[LegCharge, ...]
    breakdown: Breakdown

    @property
    def total(self) -> int:
        return sum(lc.charge for lc in self.legs)


def transfer_window(tariffs: Tariffs, alighted: datetime) -> timedelta:
    t = _local(alighted).time()
    night = t >= tariffs.night_from or t < tariffs.night_until
    return tariffs.night_window if night else tariffs.window


def is_re_entry(tariffs: Tariffs, prev: Leg, leg: Leg) -> bool:
    """``leg`` (subway) enters where ``prev`` (subway) left: same station, same line, within the
    re-entry limit in force at the re-entry at that station (재승차; tariffs.json ``re_entry``)."""
    if prev.mode != "subway" or leg.mode != "subway" or prev.subway is None or leg.subway is None:
        return False
    if prev.subway.destination != leg.subway.origin or not prev.exit_line or prev.exit_line != leg.entry_line:
        return False
    limit = tariffs.re_entry_limit(leg.board_at, leg.entry_line, leg.subway.origin)
    return limit is not None and timedelta(0) <= leg.board_at - prev.alight_at <= limit


def re_entries(legs: Sequence[Leg]) -> int:
    """How many of a journey's boardings are re-entries (two subway legs in a row)."""
    return sum(1 for a, b in pairwise(legs) if a.mode == "subway" and b.mode == "subway")


def split_journeys(tariffs: Tariffs, legs: Sequence[Leg]) -> list[list[Leg]]:
    """Group legs (in boarding order) into journeys: a leg continues the journey when it is
    boarded within the transfer window after the previous leg's alighting, the journey has
    fewer than ``max_transfers`` transfers and it is not a re-boarding of the same bus route.
    A subway entry after a subway exit starts a new journey unless it is the journey's first
    free re-entry (:func:`is_re_entry`), which counts as one transfer."""
    journeys: list[list[Leg]] = []
    for leg in sorted(legs, key=lambda x: (x.board_at, x.ref)):
        if journeys:
            cur = journeys[-1]
            prev = cur[-1]
            gap = leg.board_at - prev.alight_at
            same_route = leg.mode != "subway" and leg.mode == prev.mode and leg.bus_route == prev.bus_route
            subway_reentry = leg.mode == "subway" and prev.mode == "subway"
            allowed_reentry = subway_reentry and re_entries(cur) == 0 and is_re_entry(tariffs, prev, leg)
            if (
                timedelta(0) <= gap <= transfer_window(tariffs, prev.alight_at)
                and len(cur) <= tariffs.max_transfers
                and not same_route
                and (not subway_reentry or allowed_reentry)
            ):
                cur.append(leg)
                continue
        journeys.append([leg])
    return journeys


def price_journey(net: Network, tariffs: Tariffs, legs: Sequence[Leg], *, category: str = "adult") -> JourneyPrice:
    """Card journey of one or more legs: each leg is charged the increase of the journey fare.

    Journey fare after k legs = highest base among the paid legs − early-bird discount of the
    first paid leg + distance steps on the total paid distance + separate surcharges crossed.
    The transfer credit of a leg is what it would have cost alone minus what it was charged.
    """
    if not legs:
        raise FareError("a journey has at least one leg")
    first_local = _local(legs[0].board_at)
    version, subway_card = tariffs.subway_period(first_local.date())
    free = category in tariffs.free_categories
    paying = "adult" if free else category
    if paying not in PAID_CATEGORIES:
        raise FareError(f"unknown rider category '{category}'")
    charges: list[LegCharge] = []
    paid = max_base = metres = early = overstay = 0
    zones: dict[str, int] = {}
    path: tuple[str, ...] = ()
    for leg in legs:
        if leg.mode == "subway":
            if leg.subway is None:
                raise FareError("a subway leg needs its entry and exit")
            if free:  # free riders ride the subway free; their bus legs are priced as adult
                charges.append(LegCharge(leg, 0, paid, 0))
                continue
            m, p, z = fare_distance(net, tariffs, leg.subway, _local(leg.board_at).date())
            path += p
            base = subway_card[paying]
            if leg.overstay:  # more than 5 hours inside: one more base fare (tariffs.json over_five_hours)
                overstay += base
            leg_zones = {code: _discounted(tariffs, code, amount, paying) for code, amount in z.items()}
        else:
            base = tariffs.bus_base(first_local.date(), leg.mode, paying)
            m, leg_zones = leg.bus_metres, {}
        leg_early = early_bird(tariffs, base, _local(leg.board_at)) if max_base == 0 else 0
        early = early or leg_early
        max_base = max(max_base, base)
        metres += m
        zones.update(leg_zones)
        so_far = (
            max_base - early + tariffs.distance_steps(metres) * tariffs.step[paying] + sum(zones.values()) + overstay
        )
        charge = max(0, so_far - paid)
        alone = (
            base
            - leg_early
            + tariffs.distance_steps(m) * tariffs.step[paying]
            + sum(leg_zones.values())
            + (base if leg.overstay and leg.mode == "subway" else 0)
        )
        charges.append(LegCharge(leg, charge, so_far, max(0, alone - charge)))
        paid += charge
    steps = tariffs.distance_steps(metres)
    rules: list[str] = []
    if len(legs) - re_entries(legs) > 1:
        rules.append("transfer")
    if re_entries(legs):
        rules.append("re_entry")
    if any(leg.overstay for leg in legs if leg.mode == "subway"):
        rules.append("over_five_hours")
    if any(leg.subway is not None and leg.subway.origin == leg.subway.destination for leg in legs):
        rules.append("same_station")
    if early:
        rules.append("early_bird")
    if free:
        rules.append("free_rider")
    if zones:
        rules.append("separate_surcharge")
    breakdown = Breakdown(
        tariff_version=version,
        category=category,
        payment="card",
        distance_km=round(metres / 1000, 3),
        base=max_base,
        early_bird_discount=early,
        distance_steps=steps,
        distance_surcharge=steps * tariffs.step[paying] if max_base else 0,
        separate_surcharges=zones,
        cash_extra=0,
        fare=paid,
        free_reason=category if free and not max_base else "",
        path=path,
        over_five_hours_surcharge=overstay,
        rules=tuple(rules),
    )
    return JourneyPrice(tuple(charges), breakdown)
