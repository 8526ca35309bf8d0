"""The published baseline: loading and joins, slots and day types, routes and directions."""

from __future__ import annotations

import csv
from datetime import date, datetime, time

import numpy as np
import pytest

from seoul.core.engine.time import SEOUL
from seoul.metro.engine.congestion import baseline as b


def test_every_row_is_loaded_and_joins_a_station() -> None:
    with b.FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1658
    t = b.table()
    assert len(t.values) * 2 + t.duplicates == len(rows)  # 남위례 (2828) holiday pair repeated once
    assert t.unjoined == ()
    assert {line for (_, line, _) in t.values} == set("12345678")
    assert t.name_of[("2", 226)] == "사당"
    assert t.name_of[("4", 433)] == "사당"
    assert t.name_of[("1", 150)] == "서울역"
    assert all(v.shape == (2, b.SLOTS) for v in t.values.values())
    assert max(float(np.nanmax(v)) for v in t.values.values()) == 185.5


def test_a_known_value() -> None:
    # 2호선 사당, second row (외선), weekdays: 141.5 % from 08:00, 172.3 % from 08:30 (the file's peak there)
    assert b.baseline("2", "사당", 1, "weekday", b.slot_of(time(8, 0))) == 141.5
    assert b.baseline("2", "사당", 1, "weekday", b.slot_of(time(8, 30))) == 172.3
    assert b.baseline("2", "사당", 0, "weekday", b.slot_of(time(8, 0))) == 38.3
    assert np.isnan(b.baseline("2", "사당", 1, "saturday", b.slot_of(time(0, 10))))  # nothing published
    with pytest.raises(ValueError, match="direction"):
        b.baseline("2", "사당", 2, "weekday", 0)
    with pytest.raises(KeyError, match="no published"):
        b.baseline("2", "강남구청", 0, "weekday", 0)


@pytest.mark.parametrize(
    ("at", "slot"),
    [
        (time(5, 30), 0),
        (time(5, 59), 0),
        (time(6, 0), 1),
        (time(23, 59), 36),
        (time(0, 0), 37),
        (time(0, 30), 38),
        (time(1, 59), 40),
    ],
)
def test_slots(at: time, slot: int) -> None:
    assert b.slot_of(at) == slot
    assert b.SLOT_LABELS[slot][:2] == f"{at.hour:02d}"


@pytest.mark.parametrize("at", [time(2, 0), time(4, 0), time(5, 29)])
def test_no_slot_at_night(at: time) -> None:
    with pytest.raises(ValueError, match="outside"):
        b.slot_of(at)


def test_after_midnight_belongs_to_the_previous_service_day() -> None:
    saturday_0030 = datetime(2026, 3, 7, 0, 30, tzinfo=SEOUL)
    assert b.service_day(saturday_0030) == date(2026, 3, 6)
    assert b.day_type(b.service_day(saturday_0030)) == "weekday"
    assert b.service_day(datetime(2026, 3, 7, 5, 30, tzinfo=SEOUL)) == date(2026, 3, 7)
    assert b.minute_of_service(saturday_0030) == 19 * 60


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        ("2026-03-03", "weekday"),
        ("2026-03-07", "saturday"),
        ("2026-03-08", "holiday"),  # Sunday
        ("2026-02-17", "holiday"),  # 설날
        ("2026-03-02", "holiday"),  # 3·1절's substitute
        ("2026-10-03", "holiday"),  # a Saturday holiday counts as a holiday
        ("2025-12-25", "holiday"),
    ],
)
def test_day_types(day: str, kind: str) -> None:
    assert b.day_type(date.fromisoformat(day)) == kind


def test_years_without_a_holiday_list_are_refused() -> None:
    with pytest.raises(ValueError, match="holiday list"):
        b.day_type(date(2030, 1, 2))


def test_routes_walk_the_line() -> None:
    route = b.route_for("5", "장한평")
    assert (route.stations[0], route.stations[-1]) == ("방화", "하남검단산")
    assert route.stations.index("장한평") + 1 == route.stations.index("군자")
    names, minutes = route.ordered(False)
    assert names == list(reversed(route.stations)) and len(minutes) == len(names) - 1
    assert b.route_for("5", "강동", "마천").stations[-1] == "마천"
    loop = b.route_for("2", "사당")
    assert loop.loop and len(loop.minutes) == len(loop.stations)
    back, _ = loop.ordered(False)
    assert back[0] == "시청" and back[1] == "충정로"


def test_direction_table_agrees_with_the_terminal_zeros() -> None:
    checked = 0
    for route in b.table().routes:
        for end in b.direction_evidence(route)["terminal_zero"].values():  # type: ignore[attr-defined]
            assert end["means_forward_row"] == route.forward_row, route.name
            checked += 1
    assert checked >= 8


def test_directions_riders_say() -> None:
    route = b.route_for("5", "장한평")

    def same(name: str) -> str:
        return name

    assert b.parse_direction(route, "장한평", "toward 군자", same) is True
    assert b.parse_direction(route, "장한평", "하남검단산행", same) is True
    assert b.parse_direction(route, "장한평", "방화 방면", same) is False
    assert b.parse_direction(route, "장한평", "상행", same) is False  # first row: toward 방화
    assert b.parse_direction(route, "장한평", "down", same) is True
    with pytest.raises(b.DirectionError, match="상행"):
        b.parse_direction(route, "장한평", "내선", same)
    with pytest.raises(b.DirectionError):
        b.parse_direction(route, "장한평", "장한평", same)
    loop = b.route_for("2", "사당")
    assert loop.row(b.parse_direction(loop, "사당", "외선", same)) == 1
    assert loop.row(b.parse_direction(loop, "사당", "toward 방배", same)) == 1  # 사당 → 방배 → 강남: 외선
