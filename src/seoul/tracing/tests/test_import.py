"""Importing presence records: bad rows named with file, line and reason; good rows kept."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seoul.core.engine import districts
from seoul.tracing.engine import ingest, store

HEADER = "person_id,place_id,start,end,source,setting,car\n"
GOOD = "A,cafe,2020-03-05T08:00:00+09:00,2020-03-05T09:00:00+09:00,venue,indoor,\n"


def _rows(root: Path) -> int:
    return pq.read_table(root / "presence").num_rows


def test_each_bad_row_is_named_and_good_rows_are_kept(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text(
        HEADER
        + GOOD  # line 2
        + "B,cafe,2020-03-05T08:30:00,2020-03-05T09:30:00+09:00,venue,,\n"  # 3: no offset
        + "C,cafe,2020-03-05T09:30:00+09:00,2020-03-05T09:00:00+09:00,venue,,\n"  # 4: end before start
        + "D,cafe,2020-03-05T08:30:00+09:00,2020-03-05T09:30:00+09:00,bus,,\n"  # 5: source
        + "E,cafe,2020-03-05T08:30:00+09:00,2020-03-05T09:30:00+09:00,venue,indoor,,extra\n"  # 6: columns
        + ",cafe,2020-03-05T08:30:00+09:00,2020-03-05T09:30:00+09:00,venue,,\n"  # 7: no person
        + "G,cafe,2020-03-05T08:30:00+09:00,2020-03-07T09:30:00+09:00,venue,,\n"  # 8: > 24 h
        + "H,train,2020-03-05T08:30:00+09:00,2020-03-05T09:30:00+09:00,metro,transit,31\n"  # 9: car
        + "I,park,2020-03-05T08:30:00Z,2020-03-05T09:30:00Z,other,outdoor,\n"  # 10: good, UTC
    )
    result = ingest.import_presence(f, tmp_path / "store")
    assert result.accepted == 2
    got = [(e.line, e.reason.split(":")[0]) for e in result.errors]
    assert got == [
        (3, "start"),
        (4, "end"),
        (5, "source"),
        (6, "malformed CSV row"),
        (7, "person_id"),
        (8, "end"),
        (9, "car"),
    ]
    assert all(e.file == str(f) for e in result.errors)
    assert "has no UTC offset" in result.errors[0].reason
    assert _rows(tmp_path / "store") == 2


def test_districts_are_read_as_providers_write_them(tmp_path: Path) -> None:
    """A building's access log names its district (구로구, Guro-gu) or gives the 5-digit code
    (11530); the platform's own number 0-24 still works; anything else is refused by line."""
    f = tmp_path / "access.csv"
    spelled = ["구로구", "11530", "Mapo-gu", "13", "성남시", "99999", "guro"]
    f.write_text(
        "person_id,place_id,start,end,source,district\n"
        + "".join(
            f"P{i},bldg-{i},2020-03-09T08:55:00+09:00,2020-03-09T18:10:00+09:00,venue,{d}\n"
            for i, d in enumerate(spelled)
        )
    )
    result = ingest.import_presence(f, tmp_path / "store")
    assert result.accepted == 5
    assert [(e.line, e.reason.split(":")[0]) for e in result.errors] == [(6, "district"), (7, "district")]
    assert "성남시 is not a Seoul district" in result.errors[0].reason
    places = pq.read_table(tmp_path / "store" / "places.parquet").to_pydict()
    district = dict(zip(places["place_id"], places["district"], strict=True))
    guro, mapo = districts.by_name("구로구").index, districts.by_name("마포구").index
    assert district == {"bldg-0": guro, "bldg-1": guro, "bldg-2": mapo, "bldg-3": 13, "bldg-6": guro}


def test_a_buildings_entry_card_log_is_a_source_discovery_explains(tmp_path: Path) -> None:
    """Entry-card (출입카드) records of an office tower: whoever shared the floor with the case
    is found, and the reason names the building's entry cards as the source."""
    from datetime import datetime

    from seoul.core.engine.time import SEOUL
    from seoul.tracing.engine import discovery

    f = tmp_path / "tower.csv"
    f.write_text(
        "person_id,place_id,start,end,source,place_name,district\n"
        "CASE,tower-11f,2020-03-09T08:55:00+09:00,2020-03-09T18:10:00+09:00,entry_card,콜센터 11층,구로구\n"
        "P1,tower-11f,2020-03-09T09:02:00+09:00,2020-03-09T18:30:00+09:00,entry_card,콜센터 11층,구로구\n"
        "P2,tower-11f,2020-03-09T19:00:00+09:00,2020-03-09T22:00:00+09:00,entry_card,콜센터 11층,구로구\n"
    )
    result = ingest.import_presence(f, tmp_path / "store")
    assert result.accepted == 3 and not result.errors
    window = discovery.Window(datetime(2020, 3, 9, tzinfo=SEOUL), datetime(2020, 3, 10, tzinfo=SEOUL))
    found = discovery.discover(tmp_path / "store", "CASE", window)
    assert [c.person_id for c in found] == ["P1"]  # P2 came after the case left
    assert found[0].episodes[0].source == "entry_card" and "entry_card" in found[0].reasons[0]


def test_importing_the_same_file_twice_does_not_duplicate(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text(HEADER + GOOD)
    ingest.import_presence(f, tmp_path / "store")
    again = ingest.import_presence(f, tmp_path / "store")
    assert again.accepted == 1 and again.new_people == 0
    assert _rows(tmp_path / "store") == 1
    other = tmp_path / "other.csv"
    other.write_text(HEADER + GOOD.replace("A,", "Z,"))
    assert ingest.import_presence(other, tmp_path / "store").new_people == 1
    assert _rows(tmp_path / "store") == 2
    people = pq.read_table(tmp_path / "store" / "people.parquet").to_pydict()
    assert sorted(people["person_id"]) == ["A", "Z"] and len(set(people["pid"])) == 2


def test_parquet_rows_are_numbered_and_typed_times_accepted(tmp_path: Path) -> None:
    f = tmp_path / "in.parquet"
    t = pa.table(
        {
            "person_id": ["A", "B"],
            "place_id": ["cafe", "cafe"],
            "start": pa.array([1_583_362_800_000_000, 1_583_366_400_000_000], pa.timestamp("us", tz="UTC")),
            "end": pa.array([1_583_366_400_000_000, 1_583_362_800_000_000], pa.timestamp("us", tz="UTC")),
            "source": ["venue", "venue"],
        }
    )
    pq.write_table(t, f)
    result = ingest.import_presence(f, tmp_path / "store")
    assert result.accepted == 1
    assert [(e.line, e.reason) for e in result.errors] == [(2, "end: not after start")]  # the second row


def test_files_that_cannot_be_imported(tmp_path: Path) -> None:
    with pytest.raises(ingest.ImportError_, match="no such file"):
        ingest.import_presence(tmp_path / "missing.csv", tmp_path / "store")
    bad = tmp_path / "cols.csv"
    bad.write_text("who,where\nA,B\n")
    with pytest.raises(ingest.ImportError_, match="missing column"):
        ingest.import_presence(bad, tmp_path / "store")
    txt = tmp_path / "notes.txt"
    txt.write_text("x")
    with pytest.raises(ingest.ImportError_, match=r"not a \.csv or \.parquet"):
        ingest.import_presence(txt, tmp_path / "store")


def test_partitions_follow_the_seoul_date(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    # 23:30 Seoul on the 5th is 14:30 UTC the same day; 00:30 Seoul on the 6th is 15:30 UTC on the 5th
    f.write_text(
        HEADER
        + "A,x,2020-03-05T23:30:00+09:00,2020-03-06T00:10:00+09:00,venue,,\n"
        + "A,x,2020-03-05T15:30:00Z,2020-03-05T16:00:00Z,venue,,\n"
    )
    ingest.import_presence(f, tmp_path / "store")
    assert [d.isoformat() for d in store.presence_days(tmp_path / "store")] == ["2020-03-05", "2020-03-06"]


def test_purge_destroys_old_days_and_the_ids_only_they_used(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text(
        HEADER
        + "old,x,2020-03-01T10:00:00+09:00,2020-03-01T11:00:00+09:00,venue,,\n"
        + "both,x,2020-03-01T10:00:00+09:00,2020-03-01T11:00:00+09:00,venue,,\n"
        + "both,x,2020-03-09T10:00:00+09:00,2020-03-09T11:00:00+09:00,venue,,\n"
        + "new,x,2020-03-09T10:00:00+09:00,2020-03-09T11:00:00+09:00,venue,,\n"
    )
    root = tmp_path / "store"
    ingest.import_presence(f, root)
    from datetime import date

    assert store.expired_days(root, date(2020, 3, 9)) == [date(2020, 3, 1)]
    gone = store.purge(root, date(2020, 3, 9))
    assert gone == {"presence_days": 1, "presence_rows": 2, "person_ids": 1}
    assert store.presence_days(root) == [date(2020, 3, 9)]
    assert sorted(pq.read_table(root / "people.parquet").column("person_id").to_pylist()) == ["both", "new"]
    assert store.purge(root, date(2020, 3, 9)) == {"presence_days": 0, "presence_rows": 0, "person_ids": 0}


# --- CSV as written by people and spreadsheets: quoted fields, blank lines, broken rows -------
# Each of these failed on the DuckDB reader this replaced: it numbered records, not lines, so
# every line after a multi-line field or a blank line was off; it sniffed the quoting from the
# first 20,480 rows, so a quoted value further down was refused as "too many columns"; and one
# broken row came back once per column it had, at lines past the end of the file.

FULL = "person_id,place_id,start,end,source,setting,place_name\n"
T = "2020-03-05T08:00:00+09:00,2020-03-05T09:00:00+09:00"


def _import(tmp_path: Path, text: str, name: str = "in.csv") -> ingest.ImportResult:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return ingest.import_presence(f, tmp_path / "store")


def _lines(result: ingest.ImportResult) -> list[tuple[int, str]]:
    return [(e.line, e.reason) for e in result.errors]


def test_lines_are_the_files_after_multi_line_fields_and_blank_lines(tmp_path: Path) -> None:
    result = _import(
        tmp_path,
        FULL
        + f'A,cafe,{T},venue,indoor,"two\nlines"\n'  # lines 2-3
        + "\n"  # 4: blank
        + "B,cafe,2020-03-05T08:30:00,2020-03-05T09:30:00+09:00,venue,,\n"  # 5: no offset
        + f'C,cafe,{T},venue,,"three\n\nlines"\n'  # 6-8
        + f"D,cafe,{T},venue,indoor,x,extra\n"  # 9: eight fields
        + "E,cafe,2020-03-05T09:30:00+09:00,2020-03-05T09:00:00+09:00,venue,,\n",  # 10: end before start
    )
    assert [(line, reason.split(":")[0]) for line, reason in _lines(result)] == [
        (5, "start"),
        (9, "malformed CSV row"),
        (10, "end"),
    ]
    assert result.accepted == 2
    names = pq.read_table(tmp_path / "store" / "places.parquet").column("name").to_pylist()
    assert names == ["two\nlines"]  # one place (cafe), named by its first row, line break kept


def test_valid_quoted_rows_are_accepted_anywhere_in_the_file(tmp_path: Path) -> None:
    plain = "".join(f"P{i},cafe{i % 7},{T},venue,indoor,plain\n" for i in range(25_000))
    quoted = (
        f'Q,bar,{T},venue,indoor,"Bar ""Blue"", 2nd floor"\n'  # comma and doubled quotes
        f'"R",bar,{T},"venue",indoor,"a\nb"\n'  # quoted id and source, a line break
    )
    result = _import(tmp_path, FULL + plain + quoted)
    assert result.errors == [] and result.accepted == 25_002
    places = pq.read_table(tmp_path / "store" / "places.parquet").to_pydict()
    assert dict(zip(places["place_id"], places["name"], strict=True))["bar"] == 'Bar "Blue", 2nd floor'


def test_each_broken_row_is_reported_once_at_a_line_of_the_file(tmp_path: Path) -> None:
    plain = "".join(f"P{i},cafe,{T},venue,indoor,plain\n" for i in range(25_000))
    text = (
        FULL
        + plain  # lines 2 .. 25,001
        + f'Q,cafe,{T},venue,indoor,"two\nlines"\n'  # 25,002-25,003 (good)
        + "only,three,fields\n"  # 25,004
        + f'S,"cafe"x,{T},venue,indoor,y\n'  # 25,005: text after a closing quote
        + f"T,cafe,{T},venue,indoor,ok\n"  # 25,006 (good)
        + "U,cafe,2020-03-05T08:00:00+09:00,2020-03-05T07:00:00+09:00,venue,,\n"  # 25,007
        + f'V,"never closed,{T},venue,indoor,z\n'  # 25,008, and the quote runs to the end
        + f"W,cafe,{T},venue,indoor,swallowed\n"  # 25,009: inside V's open quote
    )
    result = _import(tmp_path, text)
    assert [(line, reason.split(":")[0]) for line, reason in _lines(result)] == [
        (25_004, "malformed CSV row"),
        (25_005, "malformed CSV row"),
        (25_007, "end"),
        (25_008, "malformed CSV row"),
    ]
    assert _lines(result)[0][1] == "malformed CSV row: 3 fields, the header has 7"
    assert max(line for line, _ in _lines(result)) <= text.count("\n")
    assert result.accepted == 25_002


def test_blocks_split_inside_a_quoted_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files are read in blocks of lines; a record whose quoted field runs past the end of a
    block is read whole with the next block, and the numbering carries on."""
    text = FULL + "".join(
        f'P{i},cafe,{T},venue,indoor,"line one\nline two, {i}"\n' if i % 3 == 0 else f"P{i},cafe,{T},venue,,x,y\n"
        for i in range(60)
    )
    whole = _lines(_import(tmp_path, text))
    monkeypatch.setattr(ingest, "CSV_BLOCK", 50)
    (tmp_path / "store").rename(tmp_path / "first")
    assert _lines(_import(tmp_path, text)) == whole
    first_bad = 2 + 2  # P0 spans lines 2-3, P1 starts on 4
    assert whole[0] == (first_bad, "malformed CSV row: 8 fields, the header has 7") and len(whole) == 40


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    f = tmp_path / "latin1.csv"
    f.write_bytes((HEADER + GOOD + "B,caf\xe9,x,y,venue,,\n").encode("latin-1"))
    with pytest.raises(ingest.ImportError_, match="line 3 is not UTF-8"):
        ingest.import_presence(f, tmp_path / "store")


def _intervals(root: Path) -> dict[str, list[tuple[str, str, float]]]:
    """Each person's stored intervals as Seoul clock times and certainty, in order."""
    from seoul.core.engine.time import SEOUL

    people = pq.read_table(root / "people.parquet").to_pydict()
    name = dict(zip(people["pid"], people["person_id"], strict=True))
    rows = pq.read_table(root / "presence").to_pylist()
    found: dict[str, list[tuple[str, str, float]]] = {}
    for r in sorted(rows, key=lambda r: (r["pid"], r["start_at"])):
        span = tuple(f"{t.astimezone(SEOUL):%d %H:%M}" for t in (r["start_at"], r["end_at"]))
        found.setdefault(name[r["pid"]], []).append((*span, round(r["certainty"], 2)))
        assert r["source"] == "entry_card"
    return found


def test_a_raw_entry_card_log_is_paired_into_intervals(tmp_path: Path) -> None:
    """A building's access-control export, one row per tap: an entry and the exit after it
    make one interval; an entry never followed by an exit and an exit with no entry before
    it are kept as guessed intervals (a working day, cut at the holder's neighbouring tap),
    with a lower certainty; a card held to the reader twice counts once; bad taps are refused
    by line while the others are paired."""
    f = tmp_path / "gate.csv"
    day = "2020-03-09T{}:00+09:00"
    rows = [
        ("A", "08:55", "in"),  # 2
        ("A", "08:56", "IN"),  # 3: tapped twice
        ("A", "12:00", "out"),  # 4
        ("A", "13:00", "입실"),  # 5
        ("A", "18:10", "퇴실"),  # 6
        ("B", "09:00", "entry"),  # 7: never taps out
        ("C", "17:30", "exit"),  # 8: tailgated in
        ("D", "07:00", "in"),  # 9
        ("D", "10:00", "in"),  # 10: 3 h later, the first entry's stay ends here
        ("D", "11:00", "out"),  # 11
        ("E", "09:00", "sideways"),  # 12: refused
        ("F", "09:00", ""),  # 13: refused
    ]
    f.write_text(
        "person_id,place_id,time,direction,place_name,district\n"
        + "".join(f"{p},tower-11f,{day.format(t)},{d},콜센터 11층,11530\n" for p, t, d in rows)
        + "G,tower-11f,2020-03-09T09:00:00,in,콜센터 11층,11530\n"  # 14: no offset
    )
    result = ingest.import_presence(f, tmp_path / "store")
    assert [(e.line, e.reason) for e in result.errors] == [
        (
            12,
            "direction: sideways is not in or out (in, entry, enter, 입, 입실, 입장, out, exit, leave, 출, 퇴실, 퇴장)",
        ),
        (13, "direction: missing"),
        (14, "time: 2020-03-09T09:00:00 has no UTC offset (e.g. +09:00)"),
    ]
    assert result.accepted == 10 and result.intervals == 6
    assert _intervals(tmp_path / "store") == {
        "A": [("09 08:55", "09 12:00", 1.0), ("09 13:00", "09 18:10", 1.0)],
        "B": [("09 09:00", "09 17:00", 0.6)],
        "C": [("09 09:30", "09 17:30", 0.6)],
        "D": [("09 07:00", "09 10:00", 0.6), ("09 10:00", "09 11:00", 1.0)],
    }
    places = pq.read_table(tmp_path / "store" / "places.parquet").to_pylist()
    assert [(p["name"], p["district"]) for p in places] == [("콜센터 11층", districts.by_name("구로구").index)]


def test_entry_card_taps_pair_per_holder_and_place_not_across_them(tmp_path: Path) -> None:
    """An entry at one floor and an exit at another are two guesses, not one stay; an exit
    more than 24 hours after the entry does not close it; a tap log with another source is
    refused; a file with neither format's columns names both."""
    f = tmp_path / "gate.csv"
    f.write_text(
        "person_id,place_id,time,direction,source\n"
        "A,floor-3,2020-03-09T09:00:00+09:00,in,\n"
        "A,floor-5,2020-03-09T10:00:00+09:00,out,entry_card\n"
        "B,floor-3,2020-03-09T09:00:00+09:00,in,\n"
        "B,floor-3,2020-03-10T10:00:00+09:00,out,\n"
        "C,floor-3,2020-03-09T09:00:00+09:00,in,venue\n"
    )
    result = ingest.import_presence(f, tmp_path / "store")
    assert [(e.line, e.reason.split(":")[0]) for e in result.errors] == [(6, "source")]
    assert _intervals(tmp_path / "store") == {
        "A": [("09 02:00", "09 10:00", 0.6), ("09 09:00", "09 17:00", 0.6)],
        "B": [("09 09:00", "09 17:00", 0.6), ("10 02:00", "10 10:00", 0.6)],
    }
    neither = tmp_path / "neither.csv"
    neither.write_text("person_id,place_id,when\nA,floor-3,2020-03-09T09:00:00+09:00\n")
    with pytest.raises(ingest.ImportError_, match="an entry-card tap log person_id, place_id, time, direction"):
        ingest.import_presence(neither, tmp_path / "store")


def test_a_large_import_reports_its_progress_as_it_reads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large file is read in blocks; the caller (the CLI's progress bar) is told the bytes
    read after each block and, at the end of each file, that file is done."""
    monkeypatch.setattr(ingest, "CSV_BLOCK", 256)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, rows in (("a.csv", 40), ("b.csv", 10)):
        (folder / name).write_text(HEADER + "".join(GOOD.replace("A,", f"{name[0]}{i},") for i in range(rows)))
    total = sum(f.stat().st_size for f in folder.iterdir())
    seen: list[tuple[int, int]] = []
    result = ingest.import_presence(folder, tmp_path / "store", progress=lambda done, of: seen.append((done, of)))
    assert result.accepted == 50 and not result.errors
    assert {of for _, of in seen} == {total}
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == total and len(done) > 10
    assert (folder / "a.csv").stat().st_size in done  # the first file's end is reported
