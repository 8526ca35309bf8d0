"""Batch pricing (one DuckDB pass) against the per-journey engine, and the simulator."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.metro.engine import batch, data
from seoul.metro.engine.simulate import SCHEMA, chunks, simulate, write_journeys

T = data.tariffs()
NET = data.network()
IDX = NET.index


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SEOUL)


def row(jid: int, o: str, d: str, entry: str, **kw: Any) -> dict[str, Any]:
    """An edge-case row; ``bus=(mode, board, alight, metres)`` adds a preceding bus leg."""
    bus = kw.pop("bus", None)
    r = {
        "journey_id": jid,
        "entry_at": at(entry),
        "exit_at": at(entry) + timedelta(minutes=20),
        "origin": IDX[o] if o in IDX else int(o),
        "destination": IDX[d],
        "via_sbd": kw.pop("sbd", False),
        "category": kw.pop("category", "adult"),
        "payment": kw.pop("payment", "card"),
        "bus_mode": None,
        "bus_board_at": None,
        "bus_alight_at": None,
        "bus_metres": None,
    }
    if bus:
        mode, board, alight, metres = bus
        r |= {"bus_mode": mode, "bus_board_at": at(board), "bus_alight_at": at(alight), "bus_metres": metres}
    assert not kw
    return r


def pair_at(metres: int) -> tuple[str, str]:
    """Two stations whose integrated fare distance is exactly ``metres`` (or the nearest above)."""
    m = np.where(NET.integrated > 0, NET.integrated, 1 << 40)
    o, d = np.unravel_index(np.argmin(np.where(m >= metres, m - metres, 1 << 40)), m.shape)
    return NET.names[o], NET.names[d]


def edge_rows() -> list[dict[str, Any]]:
    day = "2025-11-25T"
    rows = [
        row(1, "서울역", "시청", day + "06:29:59"),  # early bird, last second
        row(2, "서울역", "시청", day + "06:30:00"),  # no early bird
        row(3, "서울역", "강남", day + "06:00:00", payment="cash"),  # cash: no early bird, +100
        row(4, "서울역", "강남", day + "12:00:00", payment="cash", category="youth"),  # youth cash pays adult
        row(5, "서울역", "강남", day + "12:00:00", payment="cash", category="child"),
        row(6, "서울역", "강남", day + "12:00:00", category="senior"),
        row(
            7, "서울역", "시청", day + "12:30:00", bus=("trunk", day + "12:00:00", day + "12:00:00", 4000)
        ),  # gap 30:00
        row(8, "서울역", "시청", day + "12:30:01", bus=("trunk", day + "12:00:00", day + "12:00:00", 4000)),  # 30:01
        row(9, "서울역", "시청", day + "22:00:00", bus=("night", day + "20:50:00", day + "21:00:00", 6000)),  # 60:00
        row(10, "서울역", "시청", day + "22:00:01", bus=("night", day + "20:50:00", day + "21:00:00", 6000)),
        row(11, "서울역", "시청", day + "21:30:59", bus=("trunk", day + "20:40:00", day + "20:59:59", 6000)),
        row(12, "서울역", "강남", day + "06:40:00", bus=("village", day + "06:20:00", day + "06:29:00", 1500)),
        row(
            13,
            "서울역",
            "강남",
            day + "08:10:00",
            category="senior",
            bus=("trunk", day + "07:40:00", day + "08:00:00", 5000),
        ),
        row(
            14,
            "서울역",
            "강남",
            day + "09:10:00",
            category="merit",
            bus=("trunk", day + "07:40:00", day + "08:00:00", 5000),
        ),
        row(15, "강남", "판교", day + "12:00:00"),  # SBD-only end without via_sbd
        row(16, "강남", "광교", day + "12:00:00", sbd=True, category="youth"),
        row(17, "신사", "광교", day + "12:00:00", sbd=True, category="child"),
        row(18, "정자", "광교", day + "12:00:00", sbd=True),  # 정자–광교 alone: 1,000
        row(19, "강남", "광교", day + "12:00:00", sbd=True, payment="cash", category="youth"),
        row(20, "서울역", "판교", day + "12:10:00", bus=("circular", day + "11:40:00", day + "12:00:00", 3000)),
        row(
            21,
            "서울역",
            "판교",
            "2025-06-28T00:20:00",
            bus=("night", "2025-06-27T23:30:00", "2025-06-27T23:50:00", 9000),
        ),
        row(22, "서울역", "판교", "2025-06-28T00:20:00", category="youth"),
        row(23, "서울역", "판교", "2025-06-27T23:59:59"),  # no 신분당선 surcharge table yet: refused
        row(24, "서울역", "시청", "2015-06-26T12:00:00"),  # no tariff: refused
        row(
            25,
            "서울역",
            "시청",
            "2015-06-27T00:10:00",
            bus=("trunk", "2015-06-26T23:50:00", "2015-06-27T00:00:00", 1000),
        ),
        row(
            26,
            "서울역",
            "시청",
            "2020-01-01T12:10:00",
            bus=("village", "2020-01-01T11:50:00", "2020-01-01T12:00:00", 900),
        ),
        row(27, "서울역", "시청", day + "12:00:00", category="tourist"),
        row(
            28,
            "서울역",
            "시청",
            day + "12:10:00",
            payment="cash",
            bus=("trunk", day + "11:50:00", day + "12:00:00", 900),
        ),
        row(29, "서울역", "시청", day + "12:10:00", bus=("trunk", day + "12:20:00", day + "12:30:00", 900)),
        row(30, "999", "시청", day + "12:00:00"),
        row(31, "시청", "시청", day + "12:00:00"),
        row(32, "서울역", "시청", day + "12:10:00", bus=("ferry", day + "11:50:00", day + "12:00:00", 900)),
    ]
    incomplete = row(33, "서울역", "시청", day + "12:10:00", bus=("trunk", day + "11:50:00", day + "12:00:00", 900))
    rows.append(incomplete | {"bus_metres": None})
    jid = 100
    for metres in (10_000, 10_001, 15_000, 15_001, 50_000, 50_001, 58_000, 58_001):
        o, d = pair_at(metres)
        for category in ("adult", "youth", "child"):
            rows.append(row(jid, o, d, day + "13:00:00", category=category))
            sub = int(NET.integrated[IDX[o], IDX[d]])
            bus_m = max(1, metres + 5_000 - sub)  # integrated total near another band edge
            rows.append(
                row(
                    jid + 1,
                    o,
                    d,
                    day + "13:00:00",
                    category=category,
                    bus=("trunk", day + "12:40:00", day + "12:50:00", bus_m),
                )
            )
            jid += 2
    return rows


@pytest.fixture(scope="module")
def priced(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[list[dict[str, Any]], dict[int, dict[str, Any]], batch.BatchResult]:
    tmp = tmp_path_factory.mktemp("batch")
    tables = [pa.Table.from_pylist(edge_rows(), schema=SCHEMA)]
    for day, seed in ((date(2025, 6, 27), 1), (date(2025, 11, 25), 2), (date(2023, 8, 11), 3), (date(2024, 2, 9), 4)):
        tables += list(chunks(NET, 3000, day, seed))
    src = tmp / "journeys.parquet"
    write_journeys(tables, src, NET.names)
    result = batch.price_file(NET, T, src, tmp / "charges.parquet")
    rows = pq.read_table(src).to_pylist()
    out = {r["journey_id"]: r for r in pq.read_table(tmp / "charges.parquet").to_pylist()}
    return rows, out, result


def test_batch_agrees_with_the_engine_to_the_won(priced: Any) -> None:
    rows, out, result = priced
    assert result.rows == len(rows) == len(out)
    edges = [r for r in rows if r["journey_id"] < 1000]
    sample = edges + random.Random(7).sample([r for r in rows if r["journey_id"] >= 1000], 2000)
    seen: dict[str, int] = {}
    for r in sample:
        want = batch.price_row_with_engine(NET, T, r)
        got = out[r["journey_id"]]
        assert (want["error"] is None) == (got["error"] is None), (r, want, got)
        if want["error"] is not None:
            seen["refused"] = seen.get("refused", 0) + 1
            assert all(got[c] is None for c in batch.COMPONENTS)
            continue
        assert {c: got[c] for c in batch.COMPONENTS} == {c: want[c] for c in batch.COMPONENTS}, r
        for name, hit in {
            "integrated": got["integrated"],
            "separate bus": r["bus_mode"] is not None and not got["integrated"],
            "early bird": got["early_bird_discount"] > 0,
            "surcharge": got["separate_surcharge"] > 0,
            "cash": got["cash_extra"] > 0,
            "free": got["subway_charge"] == 0 and r["category"] in T.free_categories,
            "steps": got["distance_steps"] > 8,
            "2023 tariff": got["tariff_version"] == "2023-10-07",
        }.items():
            seen[name] = seen.get(name, 0) + bool(hit)
    assert all(
        seen.get(k, 0) > 0
        for k in (
            "integrated",
            "separate bus",
            "early bird",
            "surcharge",
            "cash",
            "free",
            "steps",
            "2023 tariff",
            "refused",
        )
    ), seen


def test_edge_rows_priced_as_documented(priced: Any) -> None:
    _, out, _ = priced
    assert (out[1]["early_bird_discount"], out[2]["early_bird_discount"]) == (310, 0)
    assert (out[7]["integrated"], out[8]["integrated"]) == (True, False)
    assert (out[9]["integrated"], out[10]["integrated"], out[11]["integrated"]) == (True, False, False)
    assert out[4]["fare"] == out[3]["fare"] and out[4]["cash_extra"] == 100
    assert out[6]["fare"] == 0 and out[13]["subway_charge"] == 0 and out[13]["bus_charge"] == 1500
    assert out[15]["separate_surcharge"] == 1000  # 판교 is only on 신분당선: it counts as used
    assert out[18]["separate_surcharge"] == 1000
    for jid in (23, 24, 25, 26, 27, 28, 29, 30, 32, 33):
        assert out[jid]["error"] is not None and out[jid]["fare"] is None, jid
    assert out[31]["fare"] == 1550


def test_summary_matches_the_output(priced: Any) -> None:
    _, out, result = priced
    assert result.revenue == sum(r["fare"] or 0 for r in out.values())
    assert result.errors == sum(r["error"] is not None for r in out.values())


@pytest.mark.parametrize("day", [date(2025, 11, 25), date(2025, 6, 27)])
def test_sql_specialised_by_statistics_agrees_with_the_general_sql(tmp_path: Path, day: date) -> None:
    """A day's file lets the SQL drop the range checks and all but the era comparisons inside
    its span; that SQL must price every row exactly as the general one (no statistics)."""
    src = tmp_path / "day.parquet"
    simulate(NET, 6000, day, 9, src)
    facts = batch.check_input(src, NET)
    assert facts.rows == 6000 and facts.stations_in_range and facts.metres_non_negative
    eras = batch.Eras.of(T, facts)
    assert eras.size == (2 if day == date(2025, 6, 27) else 1)  # 2025-06-28 starts an era at midnight
    general = batch.FileFacts(rows=6000)
    assert batch.Eras.of(T, general).size == len(batch.era_starts(T)) + 1
    special_sql = batch.pricing_sql(NET, T, "src", facts)
    assert "origin BETWEEN 0" in batch.pricing_sql(NET, T, "src", general) and "origin BETWEEN 0" not in special_sql
    bare = tmp_path / "nostats.parquet"
    table = pq.read_table(src)
    pq.write_table(table, bare, write_statistics=False)
    assert batch.file_facts(bare, len(NET.names)) == general
    outs = {}
    for name, path, override in (("special", src, None), ("general", src, general), ("nostats", bare, None)):
        out = tmp_path / f"{name}.parquet"
        result = batch.price_file(NET, T, path, out, facts=override)
        assert result.rows == 6000
        outs[name] = pq.read_table(out).sort_by("journey_id").to_pydict()
    assert outs["special"] == outs["general"] == outs["nostats"]
    assert sum(v or 0 for v in outs["special"]["fare"]) > 0


def test_statistics_that_lie_cannot_drop_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "j.parquet"
    write_journeys([pa.Table.from_pylist(edge_rows()[28:31], schema=SCHEMA)], src, NET.names)  # row 30: index 999
    honest = batch.check_input(src, NET)
    assert not honest.stations_in_range
    monkeypatch.setattr(
        batch, "file_facts", lambda path, n: honest.__class__(**{**vars(honest), "stations_in_range": True})
    )
    with pytest.raises(batch.BatchInputError, match="statistics are wrong"):
        batch.price_file(NET, T, src, tmp_path / "o.parquet")


def test_simulation_is_deterministic_and_plausible(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.parquet", tmp_path / "b.parquet", tmp_path / "c.parquet"
    simulate(NET, 20_000, date(2025, 11, 25), 5, a)
    simulate(NET, 20_000, date(2025, 11, 25), 5, b)
    simulate(NET, 20_000, date(2025, 11, 25), 6, c)
    ta, tb, tc = pq.read_table(a), pq.read_table(b), pq.read_table(c)
    assert ta.equals(tb) and not ta.equals(tc)
    rows = ta.to_pydict()
    n = len(rows["journey_id"])
    assert n == len(set(rows["journey_id"])) == 20_000
    free = sum(c in T.free_categories for c in rows["category"]) / n
    assert 0.12 < free < 0.18
    assert 0.005 < rows["payment"].count("cash") / n < 0.03
    hours = np.array([t.astimezone(SEOUL).hour for t in rows["entry_at"]])
    assert (hours == 8).mean() > 3 * (hours == 14).mean()  # morning peak
    assert (hours == 18).mean() > 2 * (hours == 14).mean()  # evening peak
    assert (
        (hours == 5) | ((hours == 6) & (np.array([t.astimezone(SEOUL).minute for t in rows["entry_at"]]) < 30))
    ).mean() > 0.02
    origins = np.bincount(rows["origin"], minlength=len(NET.names))
    assert origins[IDX["강남"]] > 5 * np.median(origins)
    assert all(o != d for o, d in zip(rows["origin"], rows["destination"], strict=True))
    with_bus = [i for i in range(n) if rows["bus_mode"][i] is not None]
    assert 0.15 < len(with_bus) / n < 0.3
    gaps = [(rows["entry_at"][i] - rows["bus_alight_at"][i]).total_seconds() for i in with_bus]
    assert min(gaps) < 1800 < max(gaps)
    assert 0 < sum(rows["via_sbd"]) / n < 0.15


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["metro", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_simulate_then_price(tmp_path: Path) -> None:
    src, out = tmp_path / "j.parquet", tmp_path / "c.parquet"
    code, stdout, _ = cli(
        "simulate", "--journeys", "3000", "--date", "2025-11-25", "--seed", "1", "--out", str(src), "--json"
    )
    assert code == 0 and json.loads(stdout)["rows"] == 3000
    code, stdout, _ = cli("price", str(src), "--out", str(out), "--json")
    assert code == 0
    data = json.loads(stdout)
    assert data["rows"] == 3000 and data["errors"] == 0
    assert data["revenue"] == sum(pq.read_table(out).column("fare").to_pylist())
    code, stdout, _ = cli("price", str(src), "--out", str(out))
    assert code == 0 and "revenue" in stdout


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    code, _, err = cli("simulate", "--journeys", "10", "--date", "2025-02-30", "--out", str(tmp_path / "x.parquet"))
    assert code == 2 and "bad date" in err
    code, _, err = cli("price", str(tmp_path / "missing.parquet"), "--out", str(tmp_path / "o.parquet"))
    assert code == 2 and "no such file" in err
    (tmp_path / "text.parquet").write_text("not parquet")
    code, _, err = cli("price", str(tmp_path / "text.parquet"), "--out", str(tmp_path / "o.parquet"))
    assert code == 2 and "not a readable parquet" in err
    pq.write_table(pa.table({"journey_id": [1]}), tmp_path / "other.parquet")
    code, _, err = cli("price", str(tmp_path / "other.parquet"), "--out", str(tmp_path / "o.parquet"))
    assert code == 2 and "not a journeys file" in err
    src = tmp_path / "j.parquet"
    simulate(NET, 10, date(2025, 11, 25), 1, src)
    t = pq.read_table(src)
    pq.write_table(t.drop_columns(["via_sbd"]).replace_schema_metadata(t.schema.metadata), tmp_path / "drop.parquet")
    code, _, err = cli("price", str(tmp_path / "drop.parquet"), "--out", str(tmp_path / "o.parquet"))
    assert code == 2 and "via_sbd (missing)" in err


@pytest.mark.parametrize("command", ["simulate", "price"])
def test_cli_help(command: str) -> None:
    code, stdout, _ = cli(command, "--help")
    assert code == 0 and "--json" in stdout


def test_time_of_day_test_by_day_starts_equals_the_modulo() -> None:
    """The comparisons that replace ``e % day < 06:30`` for a file spanning one or two days."""
    day, eb = batch.DAY_US, 6 * 3_600_000_000 + 30 * 60_000_000
    base = batch._day(date(2025, 11, 25)) * day
    rng = random.Random(3)
    con = duckdb.connect()
    spans = [(0, day - 1), (3_600_000_000, day + 3_600_000_000), (eb, day - 1), (0, eb - 1), (eb + 5, day + eb - 1)]
    spans += [(0, 3 * day)]  # three days: the modulo stays
    for lo, hi in spans:
        first, last = base + lo, base + hi
        facts = batch.FileFacts(rows=1, first_us=first, last_us=last)
        values = [first, last, *(rng.randint(first, last) for _ in range(300))]
        values += [v for d in range(4) for v in (base + d * day + eb - 1, base + d * day + eb) if first <= v <= last]
        test = batch._before_sql("e", eb, facts)
        sql = f"SELECT list(CASE WHEN {test} THEN 1 ELSE 0 END ORDER BY i) FROM (SELECT unnest(?) AS e, generate_subscripts(?, 1) AS i)"  # noqa: S608 - integers only
        got = con.execute(sql, [values, values]).fetchone()
        assert got is not None and got[0] == [int(v % day < eb) for v in values], (lo, hi)
        assert con.execute(
            f"SELECT CASE WHEN {batch._before_sql('NULL::BIGINT', eb, facts)} THEN 1 END"
        ).fetchone() == (None,)


def test_steps_sql_equals_the_engine_at_every_band_edge() -> None:
    edges = [e + d for e in (0, 10_000, 15_000, 50_000, 58_000, 66_000) for d in (-1, 0, 1, 4_999, 5_000)]
    metres = sorted({m for m in [*edges, *range(0, 250_000, 997)] if m >= 0})
    got = (
        duckdb.connect()
        .execute(
            f"SELECT list({batch._steps_sql(T, 'm')} ORDER BY m) FROM (SELECT unnest(?) AS m)",  # noqa: S608 - integers
            [metres],
        )
        .fetchone()
    )
    assert got is not None and got[0] == [T.distance_steps(m) for m in metres]
