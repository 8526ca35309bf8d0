"""Exposure discovery against ground truth: planted contacts and a brute-force co-presence."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine import discovery, ingest, simulate
from seoul.tracing.sources import geometry


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("city")
    simulate.simulate(geometry(), people=4000, days=8, seed=11, out=out, cases=3, exposures=8)
    return out


def _presence(root: Path) -> dict[str, np.ndarray]:
    table = pq.read_table(root / "presence")
    cols = {c: table.column(c).to_numpy() for c in ("pid", "plc")}
    for c in ("start_at", "end_at"):
        cols[c] = table.column(c).cast("int64").to_numpy()
    people = pq.read_table(root / "people.parquet").to_pydict()
    ids = dict(zip(people["pid"], people["person_id"], strict=True))
    cols["person"] = np.array([ids[p] for p in cols["pid"]])
    return cols


def _union(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def brute_force(p: dict[str, np.ndarray], case: str, window: discovery.Window) -> dict[str, float]:
    """Minutes each person spent with the case, by a plain loop over every record."""
    ws = int(window.start.timestamp() * 1e6)
    we = int(window.end.timestamp() * 1e6)
    mine: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i in np.flatnonzero(p["person"] == case):
        s, e = max(p["start_at"][i], ws), min(p["end_at"][i], we)
        if s < e:
            mine[int(p["plc"][i])].append((s, e))
    case_iv = {plc: _union(iv) for plc, iv in mine.items()}
    theirs: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for i in np.flatnonzero(np.isin(p["plc"], list(case_iv)) & (p["person"] != case)):
        for s, e in case_iv[int(p["plc"][i])]:
            a, b = max(s, p["start_at"][i]), min(e, p["end_at"][i])
            if a < b:
                theirs[(str(p["person"][i]), int(p["plc"][i]))].append((a, b))
    minutes: dict[str, float] = defaultdict(float)
    for (person, _plc), iv in theirs.items():
        minutes[person] += sum(e - s for s, e in _union(iv)) / 60e6
    return dict(minutes)


def test_every_planted_contact_is_found_and_only_co_present_people_are_listed(city: Path) -> None:
    planted = json.loads((city / "planted.json").read_text())
    presence = _presence(city)
    everyone = set(presence["person"])
    assert len(planted["cases"]) == 3
    for case in planted["cases"]:
        window = discovery.infectious_window(date.fromisoformat(case["onset"]), None, None)
        found = discovery.discover(city, case["person_id"], window)
        ids = [c.person_id for c in found]
        truth = brute_force(presence, case["person_id"], window)
        assert case["true_contacts"], "the simulator planted no contact"
        assert set(case["true_contacts"]) <= set(ids)
        # exactly the co-present people, with their time together
        assert set(ids) == set(truth)
        for c in found:
            assert c.overlap_minutes == pytest.approx(truth[c.person_id], abs=1e-6)
            assert c.reasons and all("min together" in r for r in c.reasons)
        never = everyone - set(truth) - {case["person_id"]}
        assert never and not never & set(ids)
        scores = [c.score for c in found]
        assert scores == sorted(scores, reverse=True)


def test_a_case_isolated_earlier_stops_its_window(city: Path) -> None:
    case = json.loads((city / "planted.json").read_text())["cases"][0]
    onset = date.fromisoformat(case["onset"])
    full = discovery.infectious_window(onset, None, None)
    short = discovery.infectious_window(onset, None, full.start + timedelta(hours=30))
    a = {c.person_id for c in discovery.discover(city, case["person_id"], full)}
    b = {c.person_id for c in discovery.discover(city, case["person_id"], short)}
    assert b < a


def test_unknown_case_is_a_clear_error(city: Path) -> None:
    window = discovery.infectious_window(date(2020, 3, 5), None, None)
    with pytest.raises(discovery.DiscoveryError, match="no person 'nobody'"):
        discovery.discover(city, "nobody", window)


def _at(text: str) -> str:
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL).isoformat()


def test_window_edges_are_exact(tmp_path: Path) -> None:
    # onset 2020-03-05: window [2020-03-03 00:00, 2020-03-08 00:00) Seoul
    rows = [
        ("case", "cafe", "2020-03-02T23:00", "2020-03-03T01:00"),
        ("before", "cafe", "2020-03-02T23:00", "2020-03-03T00:00"),  # ends at the start: outside
        ("one-second-in", "cafe", "2020-03-02T23:30", "2020-03-03T00:00:01"),
        ("case", "bar", "2020-03-07T23:00", "2020-03-08T01:00"),
        ("after", "bar", "2020-03-08T00:00", "2020-03-08T01:00"),  # starts at isolation: outside
        ("last-second", "bar", "2020-03-07T23:59:59", "2020-03-08T01:00"),
        ("elsewhere", "shop", "2020-03-05T10:00", "2020-03-05T11:00"),
        ("adjacent", "cafe", "2020-03-03T01:00", "2020-03-03T02:00"),  # starts when the case left
    ]
    csv = tmp_path / "p.csv"
    csv.write_text(
        "person_id,place_id,start,end,source\n" + "".join(f"{p},{pl},{_at(s)},{_at(e)},venue\n" for p, pl, s, e in rows)
    )
    result = ingest.import_presence(csv, tmp_path / "store")
    assert result.accepted == len(rows) and not result.errors
    window = discovery.infectious_window(date(2020, 3, 5), None, None)
    assert window.start == datetime(2020, 3, 3, tzinfo=SEOUL)
    assert window.end == datetime(2020, 3, 8, tzinfo=SEOUL)
    found = {c.person_id: c for c in discovery.discover(tmp_path / "store", "case", window)}
    assert set(found) == {"one-second-in", "last-second"}
    assert found["one-second-in"].overlap_minutes == pytest.approx(1 / 60)
    assert found["last-second"].overlap_minutes == pytest.approx(1 / 60)


def test_infectious_window_rules() -> None:
    w = discovery.infectious_window(None, date(2020, 3, 10), None, days_before=3)
    assert w.start == datetime(2020, 3, 7, tzinfo=SEOUL)
    assert w.end == datetime(2020, 3, 13, tzinfo=SEOUL)
    isolated = datetime(2020, 3, 11, 15, 30, tzinfo=SEOUL)
    assert discovery.infectious_window(date(2020, 3, 10), date(2020, 3, 12), isolated).end == isolated
    with pytest.raises(discovery.DiscoveryError):
        discovery.infectious_window(None, None, None)
    with pytest.raises(discovery.DiscoveryError):
        discovery.Window(datetime(2020, 3, 2, tzinfo=SEOUL), datetime(2020, 3, 1, tzinfo=SEOUL))


def test_same_car_scores_above_another_car(tmp_path: Path) -> None:
    rows = [
        ("case", "train-1", "08:00", "08:30", 3),
        ("same-car", "train-1", "08:00", "08:30", 3),
        ("other-car", "train-1", "08:00", "08:30", 7),
        ("car-unknown", "train-1", "08:00", "08:30", ""),
    ]
    csv = tmp_path / "t.csv"
    csv.write_text(
        "person_id,place_id,start,end,source,setting,car\n"
        + "".join(
            f"{p},{pl},{_at('2020-03-05T' + s)},{_at('2020-03-05T' + e)},metro,transit,{car}\n"
            for p, pl, s, e, car in rows
        )
    )
    ingest.import_presence(csv, tmp_path / "store")
    found = discovery.discover(tmp_path / "store", "case", discovery.infectious_window(date(2020, 3, 5), None, None))
    assert [c.person_id for c in found] == ["same-car", "car-unknown", "other-car"]
    assert "same car (3)" in found[0].reasons[0]
