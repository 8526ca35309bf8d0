"""Seoul's own journey rules (docs/metro-journeys.md "Rules"): free re-entry, over 5 hours,
same-station exit and incomplete journeys completed from the rider's pattern; each rule has a
test that fails without it, and the journeys do not depend on the order or duplication of taps."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.core.engine.time import SEOUL
from seoul.metro.engine import data
from seoul.metro.engine.fares import Leg, SubwayTrip, price_journey, price_subway, split_journeys
from seoul.metro.engine.journeys import (
    JourneyDraft,
    Pattern,
    Status,
    Tap,
    build_journeys,
    chain_legs,
    usual_other_end,
)


def at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=SEOUL)


def tap(i: int, kind: str, when: datetime, station: str, line: str = "2") -> Tap:
    return Tap(f"e{i:03d}", kind, station, line, when)


def chains(taps: list[Tap], now: datetime) -> list[list[Leg]]:
    return chain_legs(build_journeys(taps, now), [], data.tariffs())


def price(chain: list[Leg]) -> tuple[int, tuple[str, ...]]:
    p = price_journey(data.network(), data.tariffs(), chain)
    return p.total, p.breakdown.rules


def out_and_back(day: str, gap_minutes: int, station: str = "역삼", line: str = "2") -> list[Tap]:
    """강남 → ``station`` (exit), re-entry at ``station`` after ``gap_minutes``, → 선릉."""
    t0 = at(day, "12:00")
    exit_at = t0 + timedelta(minutes=5)
    return [
        tap(1, "entry", t0, "강남", "2"),
        tap(2, "exit", exit_at, station, line),
        tap(3, "entry", exit_at + timedelta(minutes=gap_minutes), station, line),
        tap(4, "exit", exit_at + timedelta(minutes=gap_minutes + 4), "선릉", "2"),
    ]


# --- free re-entry (재승차), versioned -------------------------------------------------------


def test_re_entry_limit_follows_the_version_in_force() -> None:
    """10 minutes from 2023-07-01 (trial), 15 from 2023-10-07 (permanent), none before."""
    cases = [
        ("2023-06-30", 5, 2),  # before the rule: two journeys
        ("2023-07-01", 10, 1),  # trial: 10 minutes
        ("2023-10-06", 11, 2),  # still 10 minutes the day before the permanent rule
        ("2023-10-06", 10, 1),
        ("2023-10-07", 11, 1),  # 15 minutes from 2023-10-07
        ("2023-10-07", 15, 1),
        ("2023-10-07", 16, 2),
        ("2026-11-25", 15, 1),
    ]
    for day, gap, expected in cases:
        got = chains(out_and_back(day, gap), at(day, "23:00"))
        assert len(got) == expected, (day, gap)


def test_a_re_entry_is_priced_as_one_journey_with_one_base_fare() -> None:
    (one,) = chains(out_and_back("2026-11-25", 12), at("2026-11-25", "23:00"))
    total, rules = price(one)
    # 강남 → 역삼 → 선릉 on line 2 is well under 10 km in all: one base fare, no distance step.
    assert total == 1550
    assert "re_entry" in rules and "transfer" not in rules
    two = chains(out_and_back("2026-11-25", 16), at("2026-11-25", "23:00"))
    assert [price(c)[0] for c in two] == [1550, 1550]


def test_re_entry_needs_the_same_station_and_line_and_the_named_sections() -> None:
    day = "2026-11-25"
    # 사당: left on line 2, entered again on line 4: not a re-entry (same station, other line).
    t0 = at(day, "12:00")
    taps = [
        tap(1, "entry", t0, "강남", "2"),
        tap(2, "exit", t0 + timedelta(minutes=15), "사당", "2"),
        tap(3, "entry", t0 + timedelta(minutes=20), "사당", "4"),
        tap(4, "exit", t0 + timedelta(minutes=30), "이촌", "4"),
    ]
    assert len(chains(taps, at(day, "23:00"))) == 2
    # 구로 on line 1 is outside the line-1 section 서울역–청량리: no free re-entry there.
    t1 = at(day, "14:00")
    guro = [
        tap(5, "entry", t1, "서울역", "1"),
        tap(6, "exit", t1 + timedelta(minutes=15), "구로", "1"),
        tap(7, "entry", t1 + timedelta(minutes=20), "구로", "1"),
        tap(8, "exit", t1 + timedelta(minutes=30), "개봉", "1"),
    ]
    assert len(chains(guro, at(day, "23:00"))) == 2
    # Inside the section (종로3가) the same taps are one journey.
    jongno = [
        tap(5, "entry", t1, "서울역", "1"),
        tap(6, "exit", t1 + timedelta(minutes=8), "종로3가", "1"),
        tap(7, "entry", t1 + timedelta(minutes=13), "종로3가", "1"),
        tap(8, "exit", t1 + timedelta(minutes=20), "청량리", "1"),
    ]
    assert len(chains(jongno, at(day, "23:00"))) == 1


def test_only_one_re_entry_per_journey() -> None:
    day = "2026-11-25"
    t0 = at(day, "12:00")
    taps = [
        tap(1, "entry", t0, "강남", "2"),
        tap(2, "exit", t0 + timedelta(minutes=3), "역삼", "2"),
        tap(3, "entry", t0 + timedelta(minutes=5), "역삼", "2"),
        tap(4, "exit", t0 + timedelta(minutes=8), "선릉", "2"),
        tap(5, "entry", t0 + timedelta(minutes=10), "선릉", "2"),
        tap(6, "exit", t0 + timedelta(minutes=14), "삼성", "2"),
    ]
    got = chains(taps, at(day, "23:00"))
    assert [len(c) for c in got] == [2, 1]


# --- over 5 hours, same station --------------------------------------------------------------


def test_over_five_hours_is_one_journey_with_one_more_base_fare() -> None:
    day = "2026-11-25"
    taps = [tap(1, "entry", at(day, "08:00"), "강남"), tap(2, "exit", at(day, "13:30"), "역삼")]
    (one,) = chains(taps, at(day, "23:00"))
    assert one[0].overstay
    total, rules = price(one)
    assert total == 1550 + 1550 and "over_five_hours" in rules
    b = price_subway(data.network(), data.tariffs(), SubwayTrip("강남", "역삼"), at=at(day, "08:00"), overstay=True)
    assert (b.fare, b.over_five_hours_surcharge) == (3100, 1550)
    youth = price_subway(
        data.network(), data.tariffs(), SubwayTrip("강남", "역삼"), category="youth", at=at(day, "08:00"), overstay=True
    )
    assert youth.fare == 900 + 900  # the rider's own base fare
    free = price_subway(
        data.network(),
        data.tariffs(),
        SubwayTrip("강남", "역삼"),
        category="senior",
        at=at(day, "08:00"),
        overstay=True,
    )
    assert free.fare == 0


def test_same_station_exit_pays_the_base_fare_and_says_why() -> None:
    b = price_subway(data.network(), data.tariffs(), SubwayTrip("강남", "강남"), at=at("2026-11-25", "12:00"))
    assert (b.fare, b.distance_km) == (1550, 0.0)
    assert "same_station" in b.rules
    other = price_subway(data.network(), data.tariffs(), SubwayTrip("강남", "역삼"), at=at("2026-11-25", "12:00"))
    assert "same_station" not in other.rules


# --- incomplete journeys from the rider's pattern -------------------------------------------


def commutes(n: int, exit_station: str = "시청", hhmm: str = "08:00", first_day: int = 1) -> list[JourneyDraft]:
    out = []
    for d in range(first_day, first_day + n):
        t = at(f"2026-11-{d:02d}", hhmm)
        entry = Tap(f"h{d}-in", "entry", "서울역", "1", t)
        out.append(
            JourneyDraft(
                entry.event_id,
                Status.COMPLETE,
                entry,
                Tap(f"h{d}-out", "exit", exit_station, "1", t + timedelta(minutes=6)),
            )
        )
    return out


def test_an_incomplete_journey_is_completed_only_from_a_clear_pattern() -> None:
    rule = Pattern()
    missing = JourneyDraft("x", Status.NO_EXIT, Tap("x", "entry", "서울역", "1", at("2026-11-20", "08:20")), None)
    assert usual_other_end(missing, commutes(5), rule) == ("시청", 5, 5)
    assert usual_other_end(missing, commutes(4), rule) is None  # too little history
    mixed = commutes(4) + commutes(1, exit_station="종각", first_day=10)
    assert usual_other_end(missing, mixed, rule) is None  # 4 of 5 is not "nearly always"
    evening = JourneyDraft("y", Status.NO_EXIT, Tap("y", "entry", "서울역", "1", at("2026-11-20", "19:00")), None)
    assert usual_other_end(evening, commutes(6), rule) is None  # another time of day
    late = JourneyDraft("z", Status.NO_EXIT, Tap("z", "entry", "서울역", "1", at("2027-02-01", "08:00")), None)
    assert usual_other_end(late, commutes(6), rule) is None  # history older than 8 weeks
    no_entry = JourneyDraft("w", Status.NO_ENTRY, None, Tap("w", "exit", "시청", "1", at("2026-11-20", "08:10")))
    assert usual_other_end(no_entry, commutes(5), rule) == ("서울역", 5, 5)


# --- the same taps in any order and with duplicates price the same ---------------------------

STATIONS = ["강남", "역삼", "선릉"]
BOUNDARY = at("2023-10-07", "00:00")  # the re-entry limit goes from 10 to 15 minutes


@st.composite
def tap_streams(draw: st.DrawFn) -> list[Tap]:
    n = draw(st.integers(1, 14))
    minutes = sorted(draw(st.lists(st.integers(-300, 900), min_size=n, max_size=n)))
    return [
        Tap(
            f"t{i:03d}",
            draw(st.sampled_from(["entry", "exit"])),
            draw(st.sampled_from(STATIONS)),
            "2",
            BOUNDARY + timedelta(minutes=m),
        )
        for i, m in enumerate(minutes)
    ]


def priced(taps: list[Tap]) -> list[tuple[str, int, tuple[str, ...]]]:
    now = BOUNDARY + timedelta(days=1)
    return [(c[0].ref, *price(c)) for c in chains(taps, now)]


@settings(max_examples=150, deadline=None)
@given(tap_streams(), st.randoms(use_true_random=False), st.integers(0, 3))
def test_rules_do_not_depend_on_order_or_duplicates(taps: list[Tap], rnd: random.Random, dup: int) -> None:
    messy = taps + [rnd.choice(taps) for _ in range(dup)]
    rnd.shuffle(messy)
    assert priced(messy) == priced(taps)


@settings(max_examples=150, deadline=None)
@given(tap_streams())
def test_every_complete_journey_is_charged_once_with_at_most_one_re_entry(taps: list[Tap]) -> None:
    got = chains(taps, BOUNDARY + timedelta(days=1))
    refs = [leg.ref for c in got for leg in c]
    complete = [d.key for d in build_journeys(taps, BOUNDARY + timedelta(days=1)) if d.status == Status.COMPLETE]
    assert sorted(refs) == sorted(complete)
    assert all(sum(1 for a, b in pairwise(c) if a.mode == b.mode == "subway") <= 1 for c in got)
    for c in got:
        total, rules = price(c)
        alone = sum(price([leg])[0] for leg in c)
        assert total <= alone  # a re-entry never costs more than two journeys
        assert ("re_entry" in rules) == (len(c) > 1)


def test_split_journeys_ignores_input_order() -> None:
    legs = chains(out_and_back("2026-11-25", 12), at("2026-11-25", "23:00"))[0]
    assert split_journeys(data.tariffs(), list(reversed(legs))) == [legs]
