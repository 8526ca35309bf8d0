from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.core.engine.time import SEOUL
from seoul.metro.engine import data
from seoul.metro.engine.fares import FareError, Leg, SubwayTrip, price_journey, price_subway, split_journeys
from seoul.metro.engine.network import Network, UnknownStation, load_network

T = data.tariffs()
NET = data.network()
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=SEOUL)


def chain(tmp_path: Path, kms: list[float]) -> Network:
    """Stations S0..Sn on one line with the given distances between neighbours."""
    names = [f"S{i}" for i in range(len(kms) + 1)]
    (tmp_path / "stations.csv").write_text(
        "line,line_name,station,station_code,lat,lon,transfer_lines,is_transfer,coord_source\n"
        + "".join(f"1,1호선,{n},{i},0,0,,N,test\n" for i, n in enumerate(names)),
        encoding="utf-8",
    )
    (tmp_path / "segments.csv").write_text(
        "line,line_name,branch,from,to,km,straight_km,source,note\n"
        + "".join(f"1,1호선,,{a},{b},{km},0,test,\n" for a, b, km in zip(names, names[1:], kms, strict=False)),
        encoding="utf-8",
    )
    return load_network(tmp_path, T.separately_charged_lines)


def fare(net: Network, o: str, d: str, **kw: object) -> int:
    return price_subway(net, T, SubwayTrip(o, d), at=kw.pop("at", NOON), **kw).fare  # type: ignore[arg-type]


def test_seoul_station_to_city_hall_today() -> None:
    b = data.subway_fare("서울역", "시청", category="adult", payment="card", at=NOON)
    assert (b.fare, b.base, b.distance_surcharge, b.tariff_version) == (1550, 1550, 0, "2025-06-28")


@pytest.mark.parametrize(
    ("day", "adult", "youth", "child"),
    [
        ("2015-06-27", 1250, 720, 450),
        ("2023-10-06", 1250, 720, 450),
        ("2023-10-07", 1400, 800, 500),
        ("2025-06-27", 1400, 800, 500),
        ("2025-06-28", 1550, 900, 550),
    ],
)
def test_every_tariff_period(day: str, adult: int, youth: int, child: int) -> None:
    at = datetime.fromisoformat(day + "T12:00:00+09:00")
    got = [fare(NET, "서울역", "시청", category=c, at=at) for c in ("adult", "youth", "child")]
    assert got == [adult, youth, child]


def test_no_tariff_before_2015() -> None:
    with pytest.raises(FareError, match="no subway tariff"):
        fare(NET, "서울역", "시청", at=datetime(2015, 6, 26, 23, 59, tzinfo=SEOUL))


# distance in km -> steps: the base covers 10 km, then 5 km steps to 50 km, then 8 km steps.
EDGES = [(10.0, 0), (10.1, 1), (15.0, 1), (15.1, 2), (50.0, 8), (50.1, 9), (58.0, 9), (58.1, 10), (66.1, 11)]


@pytest.mark.parametrize(("km", "steps"), EDGES)
def test_band_edges(tmp_path: Path, km: float, steps: int) -> None:
    net = chain(tmp_path, [km])
    for category, base, step in [("adult", 1550, 100), ("youth", 900, 80), ("child", 550, 50)]:
        b = price_subway(net, T, SubwayTrip("S0", "S1"), category=category, at=NOON)
        assert b.distance_steps == steps
        assert b.fare == base + steps * step


def test_distance_sums_over_segments(tmp_path: Path) -> None:
    net = chain(tmp_path, [4.9, 5.1, 0.1])  # 10.0 then 10.1 km
    assert fare(net, "S0", "S2") == 1550
    assert fare(net, "S0", "S3") == 1650


@pytest.mark.parametrize(("category", "expected"), [("adult", 1650), ("youth", 1650), ("child", 550)])
def test_cash_single_journey(category: str, expected: int) -> None:
    assert fare(NET, "서울역", "시청", category=category, payment="cash") == expected


@pytest.mark.parametrize("category", ["senior", "disabled", "merit"])
def test_free_riders(category: str) -> None:
    b = price_subway(NET, T, SubwayTrip("서울역", "강남"), category=category, at=NOON)
    assert b.fare == 0
    assert b.free_reason == category


@pytest.mark.parametrize(
    ("clock", "discount"),
    [("05:30:00", 310), ("06:29:59", 310), ("06:30:00", 0), ("23:00:00", 0)],
)
def test_early_bird_edge(clock: str, discount: int) -> None:
    at = datetime.fromisoformat(f"2026-11-25T{clock}+09:00")
    b = price_subway(NET, T, SubwayTrip("서울역", "시청"), at=at)
    assert b.early_bird_discount == discount
    assert b.fare == 1550 - discount
    assert price_subway(NET, T, SubwayTrip("서울역", "시청"), at=at, payment="cash").early_bird_discount == 0


def test_early_bird_is_computed_in_seoul_time() -> None:
    utc = datetime.fromisoformat("2026-11-24T21:00:00+00:00")  # 06:00 in Seoul
    assert price_subway(NET, T, SubwayTrip("서울역", "시청"), at=utc).early_bird_discount == 310


# Published 신분당선 fares from 2025-06-28, adult card (see tariffs.json for the source).
@pytest.mark.parametrize(
    ("o", "d", "expected"),
    [
        ("신사", "강남", 2250),
        ("강남", "정자", 2750),
        ("정자", "광교", 2650),
        ("강남", "광교", 3550),
        ("신사", "광교", 4250),
    ],
)
def test_sinbundang_published_fares(o: str, d: str, expected: int) -> None:
    assert price_subway(NET, T, SubwayTrip(o, d, frozenset({"SBD"})), at=NOON).fare == expected


def test_sinbundang_youth_and_child_discounts() -> None:
    youth = price_subway(NET, T, SubwayTrip("강남", "정자", frozenset({"SBD"})), at=NOON, category="youth")
    child = price_subway(NET, T, SubwayTrip("강남", "정자", frozenset({"SBD"})), at=NOON, category="child")
    assert youth.separate_surcharges == {"GANGNAM-JEONGJA": 800}
    assert child.separate_surcharges == {"GANGNAM-JEONGJA": 500}


def test_fare_path_avoids_separately_charged_lines_not_used() -> None:
    integrated = price_subway(NET, T, SubwayTrip("강남", "양재"), at=NOON)
    via_sbd = price_subway(NET, T, SubwayTrip("강남", "양재", frozenset({"SBD"})), at=NOON)
    assert integrated.separate_surcharges == {}
    assert integrated.distance_km > via_sbd.distance_km  # the line-2/3 path is longer
    assert via_sbd.separate_surcharges == {"GANGNAM-JEONGJA": 1000}


def test_station_only_on_sinbundang_implies_its_use() -> None:
    b = price_subway(NET, T, SubwayTrip("판교", "서울역"), at=NOON)
    assert "SBD" in b.lines_used
    assert b.separate_surcharges


def test_no_sinbundang_table_before_2025() -> None:
    with pytest.raises(FareError, match="no SBD surcharge table"):
        price_subway(NET, T, SubwayTrip("판교", "강남"), at=datetime(2024, 1, 1, 12, tzinfo=SEOUL))


def test_unknown_station_suggests_names() -> None:
    with pytest.raises(UnknownStation) as info:
        NET.station("강낭")
    assert "강남" in info.value.suggestions
    assert NET.resolve("서울") == "서울역"
    assert NET.resolve("시청역") == "시청"


stations = st.sampled_from(NET.names)
categories = st.sampled_from(["adult", "youth", "child", "senior"])


@settings(max_examples=300, deadline=None)
@given(stations, stations, categories, st.sampled_from(["card", "cash"]))
def test_fares_are_symmetric(o: str, d: str, category: str, payment: str) -> None:
    assert fare(NET, o, d, category=category, payment=payment) == fare(NET, d, o, category=category, payment=payment)


@given(st.integers(0, 300_000), st.integers(0, 300_000))
def test_steps_never_decrease_with_distance(a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert T.distance_steps(lo) <= T.distance_steps(hi)


# --- transfers ------------------------------------------------------------------------


def at(clock: str, day: str = "2026-11-25") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}+09:00")


def bus(board: datetime, minutes: int, km: float, route: str = "472", mode: str = "trunk") -> Leg:
    return Leg(mode, board, board + timedelta(minutes=minutes), bus_route=route, bus_metres=round(km * 1000))


def subway(board: datetime, minutes: int, o: str, d: str) -> Leg:
    return Leg("subway", board, board + timedelta(minutes=minutes), subway=SubwayTrip(o, d))


@pytest.mark.parametrize(
    ("gap", "clock", "joined"),
    [(30, "12:00", True), (31, "12:00", False), (60, "22:00", True), (61, "22:00", False), (45, "06:00", True)],
)
def test_transfer_window_edges(gap: int, clock: str, joined: bool) -> None:
    first = bus(at(clock), 10, 3)
    second = subway(first.alight_at + timedelta(minutes=gap), 5, "서울역", "시청")
    assert (len(split_journeys(T, [first, second])) == 1) is joined


def test_at_most_four_transfers() -> None:
    legs, t = [], at("12:00")
    for i in range(6):
        leg = bus(t, 5, 1, route=str(100 + i))
        legs.append(leg)
        t = leg.alight_at + timedelta(minutes=5)
    assert [len(j) for j in split_journeys(T, legs)] == [5, 1]


def test_same_route_and_subway_reentry_start_new_journeys() -> None:
    b1 = bus(at("12:00"), 10, 3, route="472")
    b2 = bus(at("12:15"), 10, 3, route="472")
    assert len(split_journeys(T, [b1, b2])) == 2
    s1 = subway(at("12:00"), 10, "서울역", "시청")
    s2 = subway(at("12:15"), 10, "시청", "서울역")
    assert len(split_journeys(T, [s1, s2])) == 2


def test_bus_then_subway_pays_the_higher_base_once() -> None:
    b = bus(at("12:00"), 20, 8.0)
    s = subway(at("12:25"), 10, "서울역", "시청")  # 1.1 km: 9.1 km in all, no distance step
    priced = price_journey(NET, T, [b, s])
    assert [c.charge for c in priced.legs] == [1500, 50]
    assert priced.breakdown.distance_km == 9.1
    assert priced.breakdown.base == 1550
    assert priced.total == 1550


def test_integrated_fare_equals_single_fare_of_the_whole_distance() -> None:
    legs = [bus(at("12:00"), 20, 12.0), subway(at("12:25"), 10, "서울역", "시청")]
    priced = price_journey(NET, T, legs)
    # 13.1 km in all: 1,550 base + 1 step; the bus leg paid 1,500 + 1 step (12 km) first.
    assert priced.legs[0].charge == 1600
    assert priced.total == 1550 + 100
    assert priced.legs[1].charge == 50
    assert priced.legs[1].transfer_credit == 1550 - 50


def test_early_bird_on_first_leg_only() -> None:
    legs = [bus(at("06:20"), 10, 2.0), subway(at("06:40"), 5, "서울역", "시청")]
    priced = price_journey(NET, T, legs)
    assert priced.breakdown.early_bird_discount == 300  # 20 % of the bus base 1,500
    assert priced.legs[0].charge == 1200
    assert priced.total == 1550 - 300


def test_free_rider_pays_bus_legs_only() -> None:
    legs = [subway(at("12:00"), 10, "서울역", "시청"), bus(at("12:15"), 10, 2.0)]
    priced = price_journey(NET, T, legs, category="senior")
    assert [c.charge for c in priced.legs] == [0, 1500]


def test_journey_pricer_also_refuses_sinbundang_before_its_table() -> None:
    leg = Leg(
        "subway",
        datetime(2024, 3, 4, 12, 10, tzinfo=SEOUL),
        datetime(2024, 3, 4, 12, 50, tzinfo=SEOUL),
        subway=SubwayTrip("서울역", "판교"),
    )
    with pytest.raises(FareError, match="no SBD surcharge table"):
        price_journey(NET, T, [leg])


def test_free_rider_with_an_unknown_payment_is_refused() -> None:
    with pytest.raises(FareError, match="unknown payment"):
        price_subway(NET, T, SubwayTrip("서울역", "시청"), category="senior", payment="bitcoin", at=NOON)
