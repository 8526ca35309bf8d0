"""The timetable model that puts metro riders on trains."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from seoul.tracing.engine import discovery, ingest, trains
from seoul.tracing.sources import geometry


@pytest.fixture(scope="module")
def geo() -> trains.Geometry:
    return geometry()


def _ride(geo: trains.Geometry, origin: str, destination: str, entries: list[int]) -> tuple[list, np.ndarray]:
    route = geo.route(origin, destination)
    assert route is not None
    return trains.ride(geo, [route], np.zeros(len(entries), dtype=np.int64), np.array(entries, dtype=np.int64))


def test_riders_entering_together_share_every_train_and_the_next_train_is_another(geo: trains.Geometry) -> None:
    t = 1_583_100_000
    legs, exits = _ride(geo, "서울역", "강남", [t, t + 5, t + trains.HEADWAY_S])
    for idx, place, board, alight in legs:
        assert list(idx) == [0, 1, 2]
        assert place[0] == place[1] and place[2] != place[0]
        assert (alight > board).all()
    assert exits[0] == exits[1] and exits[2] == exits[0] + trains.HEADWAY_S


def test_riders_boarding_at_different_stations_meet_on_one_train(geo: trains.Geometry) -> None:
    # 2호선 신도림 → 잠실 passes 사당; a rider from 사당 who reaches the platform when that train
    # arrives is on the same train (same place) for the stretch both ride
    t = 1_583_100_000
    (_, place, board, alight), *_ = _ride(geo, "신도림", "잠실", [t])[0]
    route = geo.route("신도림", "잠실")
    assert route is not None and len(route.legs) == 1
    piece = route.legs[0][0]
    phase = geo.phase(geo.pieces[piece].line, "사당", geo.pieces[piece].direction)
    at_sadang = int(board[0]) - route.legs[0][1] + phase  # the train's time at 사당
    legs2, _ = _ride(geo, "사당", "잠실", [at_sadang - trains.WALK_IN_S])
    assert legs2[0][1][0] == place[0]
    assert legs2[0][2][0] == at_sadang
    assert legs2[0][3][0] == alight[0]


def test_routes_change_lines_with_a_transfer_time(geo: trains.Geometry) -> None:
    route = geo.route("서울역", "잠실")
    assert route is not None and len(route.legs) >= 2
    legs, exits = _ride(geo, "서울역", "잠실", [1_583_100_000])
    changes = [leg[5] for leg in route.legs]
    assert changes[0] and changes[1]  # 4호선, then 2호선 at 동대문역사문화공원
    assert not all(changes[2:])  # then on round the loop's cut on the same train
    for (_, _, _, alight), (_, _, board, _), change in zip(legs, legs[1:], changes[1:], strict=False):
        assert board[0] >= alight[0] + (trains.TRANSFER_S if change else 0)
    assert exits[0] == legs[-1][3][0] + trains.WALK_OUT_S


def test_no_route_to_the_same_station_or_an_unknown_one(geo: trains.Geometry) -> None:
    assert geo.route("서울역", "서울역") is None
    assert geo.route("서울역", "없는역") is None


def test_train_place_round_trips() -> None:
    place = trains.train_place(np.array([7], dtype=np.int64), np.array([6_600_123], dtype=np.int64))
    assert trains.train_of(int(place[0])) == (7, 6_600_123)


def _journeys(rows: list[tuple[str, str, str, int, int]]) -> pa.Table:
    return pa.table(
        {
            "rider_ref": [r[0] for r in rows],
            "entry_station": [r[1] for r in rows],
            "exit_station": [r[2] for r in rows],
            "entry_at": pa.array([r[3] * 1_000_000 for r in rows], pa.timestamp("us", tz="UTC")),
            "exit_at": pa.array([r[4] * 1_000_000 for r in rows], pa.timestamp("us", tz="UTC")),
        }
    )


def test_metro_journeys_become_the_trains_the_model_rode(geo: trains.Geometry, tmp_path: Path) -> None:
    t = 1_583_100_000  # 2020-03-02 07:00 Seoul
    legs, exits = _ride(geo, "서울역", "강남", [t])
    on_time = int(exits[0]) + 30
    late = int(exits[0]) + 3 * trains.HEADWAY_S
    table = _journeys(
        [
            ("r1", "서울역", "강남", t, on_time),
            ("r2", "서울역", "강남", t + 3, on_time + 10),  # same trains
            ("r3", "서울역", "강남", t, late),  # exit does not fit the model: less certain
            ("r4", "서울역", "없는역", t, t + 600),
        ]
    )
    rides, errors = ingest.journeys_to_presence(geo, table)
    assert [(e.line, e.reason) for e in errors] == [(4, "no metro route from '서울역' to '없는역'")]
    by_rider: dict[str, list[int]] = {}
    for ref, plc, cert in zip(
        rides["person_id"].to_pylist(), rides["plc"].to_pylist(), rides["certainty"].to_pylist(), strict=True
    ):
        by_rider.setdefault(ref, []).append(plc)
        assert cert == (0.5 if ref == "r3" else 1.0)
    assert sorted(by_rider["r1"]) == sorted(int(leg[1][0]) for leg in legs)
    assert by_rider["r1"] == by_rider["r2"] == by_rider["r3"]

    result = ingest.import_journeys(geo, table, tmp_path, tag="batch-1")
    assert result.accepted == rides.num_rows and len(result.errors) == 1
    window = discovery.infectious_window(date(2020, 3, 2), None, None)
    found = {c.person_id: c for c in discovery.discover(tmp_path, "r1", window)}
    assert set(found) == {"r2", "r3"}
    assert found["r2"].score > found["r3"].score
    assert "열차" in found["r2"].reasons[0] and "(transit, metro)" in found["r2"].reasons[0]
    again = ingest.import_journeys(geo, table, tmp_path, tag="batch-1")
    assert again.accepted == result.accepted
    assert len(discovery.discover(tmp_path, "r1", window)) == 2


def test_trains_are_named_in_korean_as_riders_read_the_network(geo: trains.Geometry) -> None:
    t = 1_583_100_000  # 2020-03-02 07:00 Seoul
    names = {geo.train_name(int(place[0])) for _, place, _, _ in _ride(geo, "강남", "판교", [t])[0]}
    assert any(name.startswith("신분당선 ") for name in names), names  # SBD by its name, not its code
    for name in names:
        assert name.endswith(" 열차") and ("상행" in name or "하행" in name or "→" in name), name
    line_2 = {geo.train_name(int(place[0])) for _, place, _, _ in _ride(geo, "신도림", "사당", [t])[0]}
    assert all(name.startswith("2호선 ") for name in line_2), line_2
