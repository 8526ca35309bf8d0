"""Loading presence records into the store, with a clear reason for every row refused.

Input: CSV (UTF-8, header row) or Parquet files of presence intervals, with the columns

    person_id, place_id, start, end, source          required
    setting, place_name, district, car, certainty    optional

or a building's raw entry-card log, one row per tap, which is paired into intervals
(:func:`_check_taps`):

    person_id, place_id, time, direction             required
    setting, place_name, district, source            optional

``start``/``end`` are ISO-8601 instants with a UTC offset (``2020-03-05T08:12:00+09:00``);
``source`` is one of ``store.SOURCES`` (venue, metro, card, entry_card -- a building's access
log --, other); ``setting`` one of ``store.SETTINGS`` (default indoor);
``car`` 1–20 (a train car, when known); ``certainty`` in (0, 1] (default 1); ``district`` as
providers write it -- a name (구로구, 구로, Guro-gu), the 5-digit administrative code (11530) or
the platform's own number 0–24 (``core.engine.districts``); ``time`` an instant like
``start``; ``direction`` in or out (also entry/exit, 입/출, 입실/퇴실); empty fields are missing
values. A row is refused, with its file, line (CSV: the physical line of the file where the
record starts, header = line 1, so a record with a quoted line break counts its lines;
Parquet: the row, first = 1) and reason, when it cannot be split into the header's columns,
a required value is missing, a time has no offset or does not parse, the end is not after
the start, the interval is longer than 24 hours, or a value is out of its domain; each
refused row is reported once. Good rows are kept whatever the bad ones; importing the same
file again replaces its earlier import (the files it writes are named by the input's content
hash), so a retry never duplicates rows. CSV follows RFC 4180 (quoted fields may hold commas,
doubled quotes and line breaks; :func:`read_csv`); validation and conversion are DuckDB SQL
over the whole file.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from seoul.core.engine.districts import spellings
from seoul.tracing.engine import store, trains

REQUIRED = ("person_id", "place_id", "start", "end", "source")
MAX_ID = 64
MAX_HOURS = int(store.MAX_DURATION.total_seconds() // 3600)


class ImportError_(ValueError):  # the name ImportError is a builtin's
    """The file cannot be imported at all (not found, not CSV/Parquet, columns missing)."""


@dataclass
class RowError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class ImportResult:
    files: int = 0
    accepted: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_people: int = 0
    new_places: int = 0
    intervals: int = 0
    """Presence intervals stored (an entry-card tap log pairs its taps into intervals)."""


def input_files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix.lower() in (".csv", ".parquet"))
        if not found:
            raise ImportError_(f"{path}: no .csv or .parquet files")
        return found
    if not path.is_file():
        raise ImportError_(f"{path}: no such file or directory")
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise ImportError_(f"{path}: not a .csv or .parquet file")
    return [path]


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".import.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


Progress = Callable[[int, int], None]
"""Told the bytes read so far and the bytes to read, as a large import goes on."""


def import_presence(path: Path, root: Path, *, progress: Progress | None = None) -> ImportResult:
    result = ImportResult()
    files = input_files(path)
    total, done = sum(f.stat().st_size for f in files), 0
    with _locked(root):
        for file in files:

            def read(n: int, before: int = done) -> None:
                if progress is not None:
                    progress(before + n, total)

            _import_file(file, root, result, read)
            done += file.stat().st_size
            read(0, done)
            result.files += 1
    result.errors.sort(key=lambda e: (e.file, e.line))
    return result


def _digest(file: Path) -> str:
    h = hashlib.sha256()
    with file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


CSV_BLOCK = 1 << 22  # bytes read at a time (bounded memory for large files)
LINE = "__line"  # the internal column carrying each record's line (CSV) or row (Parquet)
NEWLINE, QUOTE = 0x0A, 0x22


def read_csv(file: Path, progress: Callable[[int], None] | None = None) -> tuple[pa.Table, list[RowError]]:
    """The records of a CSV file as a table of strings, each with the physical line it starts
    on (header = line 1), and the records that cannot be split into the header's columns, each
    reported once at its first line.

    RFC 4180: a quoted field may hold commas, doubled quotes and line breaks, so a record may
    span several lines, and a record's line is counted in the file (``\\n`` ends a line), never
    from the number of records before it. Blank lines are skipped. The file is read in blocks
    of whole lines: a block without any quote is split by Arrow in one pass (one record per
    line), a block with quotes by Python's ``csv`` reader. A file that is not UTF-8 is refused.
    ``progress`` is told the bytes read after each block.
    """
    reader = _CsvReader(file)
    try:
        fh = file.open("rb")
    except OSError as exc:
        raise ImportError_(f"{file}: cannot be read: {exc.strerror}") from exc
    with fh:
        reader.header(fh)
        carry = b""
        while chunk := fh.read(CSV_BLOCK):
            if progress is not None:
                progress(fh.tell())
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            carry = reader.block(data[:cut], last=False) + data[cut:] if cut else data
        if carry:
            reader.block(carry if carry.endswith(b"\n") else carry + b"\n", last=True)
    return reader.table(), reader.errors


class _CsvReader:
    """The state of :func:`read_csv`: the columns, the next line's number, what was read."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.line = 1  # the number of the next line to read
        self.errors: list[RowError] = []
        self.batches: list[pa.RecordBatch] = []
        self.width = 0
        self.schema = pa.schema([])

    def _text(self, data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = self.line + data.count(b"\n", 0, exc.start)
            raise ImportError_(f"{self.file}: line {line} is not UTF-8 text") from exc

    def header(self, fh: Any) -> None:
        data = fh.readline().removeprefix(b"\xef\xbb\xbf")
        while data.count(b'"') % 2 and (more := fh.readline()):  # a quoted name over several lines
            data += more
        if not data.strip():
            raise ImportError_(f"{self.file}: empty file, no header row")
        try:
            names = [name.strip() for name in next(csv.reader([self._text(data)], strict=True))]
        except csv.Error as exc:
            raise ImportError_(f"{self.file}: cannot be read as CSV: header: {exc}") from exc
        if len(set(names)) != len(names) or LINE in names:
            raise ImportError_(f"{self.file}: the header names a column twice: {', '.join(names)}")
        self.line += data.count(b"\n")
        self.width = len(names)
        self.schema = pa.schema([*((name, pa.string()) for name in names), (LINE, pa.int64())])

    def _refuse(self, line: int, reason: str) -> None:
        self.errors.append(RowError(str(self.file), line, f"malformed CSV row: {reason}"))

    def _add(self, columns: list[pa.Array], lines: npt.NDArray[np.int64]) -> None:
        if len(lines):
            self.batches.append(pa.record_batch([*columns, pa.array(lines, pa.int64())], schema=self.schema))

    def block(self, data: bytes, *, last: bool) -> bytes:
        """Read the records of ``data`` (whole lines); returns the bytes of a record still open
        at the end (a quoted field going on), to be read again with the next block."""
        raw = np.frombuffer(data, dtype=np.uint8)
        if (raw == QUOTE).any():
            return self._quoted(data, last=last)
        ends = np.flatnonzero(raw == NEWLINE)
        offsets = np.concatenate([[0], ends + 1]).astype(np.int32)
        lines = pa.StringArray.from_buffers(len(ends), pa.py_buffer(offsets.tobytes()), pa.py_buffer(data))
        try:
            lines.validate(full=True)
        except pa.ArrowInvalid:
            self._text(data)  # names the line
            raise
        first = self.line
        self.line += len(ends)
        numbers = first + np.arange(len(ends), dtype=np.int64)
        text = pc.utf8_rtrim(lines, characters="\r\n")
        present = pc.not_equal(text, "")
        parts = pc.split_pattern(text, pattern=",")
        counts = pc.list_value_length(parts)
        wrong = pc.and_(present, pc.not_equal(counts, self.width)).to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(wrong):
            self._refuse(int(numbers[i]), f"{counts[int(i)].as_py()} fields, the header has {self.width}")
        good = pc.and_(present, pc.equal(counts, self.width))
        kept = pc.filter(parts, good)
        columns = [pc.list_element(kept, i) for i in range(self.width)] if len(kept) else []
        self._add(columns, numbers[good.to_numpy(zero_copy_only=False)])
        return b""

    def _quoted(self, data: bytes, *, last: bool) -> bytes:
        first = self.line
        lines = [line + "\n" for line in self._text(data).split("\n")[:-1]]
        reader = csv.reader(lines, strict=True)
        rows: list[list[str]] = []
        numbers: list[int] = []
        end = 0  # lines read so far
        while True:
            start = end
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if not last and reader.line_num == len(lines) and "unexpected end of data" in str(exc):
                    self.line = first + start
                    self._rows(rows, numbers)
                    return "".join(lines[start:]).encode()  # the record goes on in the next block
                self._refuse(first + start, str(exc))
                end = reader.line_num
                continue
            end = reader.line_num
            if not row:
                continue
            if len(row) != self.width:
                self._refuse(first + start, f"{len(row)} fields, the header has {self.width}")
                continue
            rows.append(row)
            numbers.append(first + start)
        self.line = first + len(lines)
        self._rows(rows, numbers)
        return b""

    def _rows(self, rows: list[list[str]], numbers: list[int]) -> None:
        if rows:
            columns = [pa.array(c, pa.string()) for c in zip(*rows, strict=True)]
            self._add(columns, np.asarray(numbers, dtype=np.int64))

    def table(self) -> pa.Table:
        return pa.Table.from_batches(self.batches, schema=self.schema)


def _import_file(file: Path, root: Path, result: ImportResult, progress: Callable[[int], None]) -> None:
    con = store.connect(threads=1)
    try:
        if file.suffix.lower() == ".csv":
            table, malformed = read_csv(file, progress)
            result.errors.extend(malformed)
            con.register("csv_records", table)
            src = "csv_records"
        else:
            src = f"(SELECT *, file_row_number + 1 AS {LINE} FROM read_parquet({store.quote(file)}, file_row_number = true))"
        try:
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        except Exception as exc:  # duckdb raises its own error classes for unreadable files
            raise ImportError_(
                f"{file}: cannot be read as {file.suffix[1:].upper()}: {str(exc).splitlines()[0]}"
            ) from exc
        taps = "start" not in columns and all(c in columns for c in TAP_REQUIRED)
        missing = [c for c in (TAP_REQUIRED if taps else REQUIRED) if c not in columns]
        if missing:
            shown = ", ".join(c for c in columns if c != LINE)
            raise ImportError_(
                f"{file}: missing column(s) {', '.join(missing)}; found {shown} "
                f"(intervals need {', '.join(REQUIRED)}; an entry-card tap log {', '.join(TAP_REQUIRED)})"
            )

        def text(column: str) -> str:
            # empty fields are missing values, whatever the file type
            return f"""nullif(trim(CAST("{column}" AS VARCHAR)), '')""" if column in columns else "NULL"

        con.execute("CREATE TEMP TABLE district_keys (key VARCHAR PRIMARY KEY, idx TINYINT)")
        keys = {**spellings(), **{str(i): i for i in set(spellings().values())}}
        con.executemany("INSERT INTO district_keys VALUES (?, ?)", sorted(keys.items()))
        refused = _check_taps(con, src, text) if taps else _check_intervals(con, src, text)
        result.errors.extend(RowError(str(file), n, reason) for n, reason in refused)
        intervals = _count(con, "checked WHERE error IS NULL")
        if intervals:
            _store(con, root, _digest(file), result)
        result.intervals += intervals
        result.accepted += _count(con, "taps") if taps else intervals
    finally:
        con.close()


def _count(con: Any, rows: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {rows}").fetchone()[0])


OFFSET = "'(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'"
"""A UTC offset at the end of an ISO-8601 instant (SQL pattern)."""
DISTRICT_ERROR = (
    "' is not a Seoul district (a name such as 구로구 or Guro-gu, a 5-digit code such as 11530, or a number 0-24)'"
)


def _checks(*branches: str) -> str:
    """A CASE naming each row's first problem: identifiers first, then ``branches`` (the
    format's own), then setting and district."""
    return f"""CASE
        WHEN person_id IS NULL THEN 'person_id: missing'
        WHEN length(person_id) > {MAX_ID} THEN 'person_id: longer than {MAX_ID} characters'
        WHEN place_id IS NULL THEN 'place_id: missing'
        WHEN length(place_id) > {MAX_ID} THEN 'place_id: longer than {MAX_ID} characters'
        {" ".join(branches)}
        WHEN setting IS NOT NULL AND setting NOT IN {tuple(store.SETTINGS)}
            THEN 'setting: ' || setting || ' is not one of {", ".join(store.SETTINGS)}'
        WHEN district_txt IS NOT NULL AND district IS NULL THEN 'district: ' || district_txt || {DISTRICT_ERROR}
        ELSE NULL END"""


def _instant(name: str, parsed: str) -> str:
    """The CASE branches refusing a missing, offset-less or unreadable instant."""
    raw = f"{name}_txt"
    return f"""
        WHEN {raw} IS NULL THEN '{name}: missing'
        WHEN NOT regexp_matches({raw}, {OFFSET}) THEN '{name}: ' || {raw} || ' has no UTC offset (e.g. +09:00)'
        WHEN {parsed} IS NULL THEN '{name}: ' || {raw} || ' is not an ISO-8601 date and time'"""


def _refused(con: Any, table: str) -> list[tuple[int, str]]:
    return [
        (int(n), str(r))
        for n, r in con.execute(f"SELECT n, error FROM {table} WHERE error IS NOT NULL ORDER BY n").fetchall()
    ]


def _check_intervals(con: Any, src: str, text: Any) -> list[tuple[int, str]]:
    """Presence intervals as sent: table ``checked`` (every row, ``error`` NULL when good);
    returns the refused rows' lines and reasons."""
    own = f"""{_instant("start", "s")} {_instant("end", "e")}
        WHEN e <= s THEN 'end: not after start'
        WHEN e - s > INTERVAL {MAX_HOURS} HOURS THEN 'end: the interval is longer than {MAX_HOURS} hours'
        WHEN source IS NULL OR source NOT IN {tuple(store.SOURCES)}
            THEN 'source: ' || coalesce(source, 'missing') || ' is not one of {", ".join(store.SOURCES)}'
        WHEN car_txt IS NOT NULL AND (car IS NULL OR car NOT BETWEEN 1 AND 20)
            THEN 'car: ' || car_txt || ' is not a car number 1-20'
        WHEN certainty_txt IS NOT NULL AND (certainty IS NULL OR NOT (certainty > 0 AND certainty <= 1))
            THEN 'certainty: ' || certainty_txt || ' is not in (0, 1]'"""
    con.execute(
        f"""CREATE TEMP TABLE checked AS
        SELECT *, NULL::BIGINT AS known_plc, NULL::VARCHAR AS kind, {_checks(own)} AS error
        FROM (
            SELECT *, try_cast(start_txt AS TIMESTAMPTZ) AS s, try_cast(end_txt AS TIMESTAMPTZ) AS e,
                   try_cast(car_txt AS INTEGER) AS car, try_cast(certainty_txt AS DOUBLE) AS certainty,
                   (SELECT idx FROM district_keys WHERE key = lower(district_txt)) AS district
            FROM (
                SELECT {LINE} AS n, {text("person_id")} AS person_id, {text("place_id")} AS place_id,
                       {text("start")} AS start_txt, {text("end")} AS end_txt,
                       lower({text("source")}) AS source, lower({text("setting")}) AS setting,
                       {text("place_name")} AS place_name, {text("district")} AS district_txt,
                       {text("car")} AS car_txt, {text("certainty")} AS certainty_txt
                FROM {src}
            )
        )"""
    )
    return _refused(con, "checked")


TAP_REQUIRED = ("person_id", "place_id", "time", "direction")
TAP_DIRECTIONS = {
    "in": ("in", "entry", "enter", "입", "입실", "입장"),
    "out": ("out", "exit", "leave", "출", "퇴실", "퇴장"),
}
"""How access-control exports name a tap's direction (compared in lower case), by what it means."""
TAP_REPEAT = timedelta(minutes=2)
"""Taps of one card in one direction at one place this close together are one tap (a card held
to the reader twice): the first entry counts, and the last exit."""
TAP_STAY = timedelta(hours=8)
"""The stay assumed around a tap without its pair (an entry never followed by an exit, an exit
with no entry before it): a working day, cut short by the holder's previous or next tap there."""
TAP_GUESS_CERTAINTY = 0.6
"""The certainty of an interval inferred from a single tap (as for card payments: a guess)."""


def _check_taps(con: Any, src: str, text: Any) -> list[tuple[int, str]]:
    """A building's raw entry-card log -- one row per tap: ``person_id`` (the card holder),
    ``place_id`` (the building or floor the reader guards), ``time``, ``direction`` (in or
    out) -- paired into presence intervals per holder and place, in table ``checked``:

    - an entry followed by an exit within 24 hours is one interval, certainty 1;
    - an entry with no exit after it (the next tap there is another entry, or there is none,
      or it is over 24 hours later) lasts ``TAP_STAY`` or until that next tap, certainty 0.6;
    - an exit with no entry before it (tailgating, a door without a reader on the way in)
      began ``TAP_STAY`` earlier or at the holder's previous tap there, certainty 0.6;
    - taps repeated in one direction within ``TAP_REPEAT`` count once.

    Taps pair within one file (a building sends whole days). Table ``taps`` keeps the good
    taps; the refused ones are returned with their line and reason."""
    words = [(word, meaning) for meaning, spelled in TAP_DIRECTIONS.items() for word in spelled]
    con.execute("CREATE TEMP TABLE tap_words (word VARCHAR PRIMARY KEY, direction VARCHAR)")
    con.executemany("INSERT INTO tap_words VALUES (?, ?)", words)
    own = f"""{_instant("time", "t")}
        WHEN direction_txt IS NULL THEN 'direction: missing'
        WHEN direction IS NULL
            THEN 'direction: ' || direction_txt || ' is not in or out ({", ".join(w for w, _ in words)})'
        WHEN source IS NOT NULL AND source <> 'entry_card'
            THEN 'source: ' || source || ' is not entry_card (a tap log is a building''s entry-card log)'"""
    con.execute(
        f"""CREATE TEMP TABLE tap_rows AS
        SELECT *, {_checks(own)} AS error
        FROM (
            SELECT *, try_cast(time_txt AS TIMESTAMPTZ) AS t,
                   (SELECT direction FROM tap_words WHERE word = lower(direction_txt)) AS direction,
                   (SELECT idx FROM district_keys WHERE key = lower(district_txt)) AS district
            FROM (
                SELECT {LINE} AS n, {text("person_id")} AS person_id, {text("place_id")} AS place_id,
                       {text("time")} AS time_txt, {text("direction")} AS direction_txt,
                       lower({text("source")}) AS source, lower({text("setting")}) AS setting,
                       {text("place_name")} AS place_name, {text("district")} AS district_txt
                FROM {src}
            )
        )"""
    )
    refused = _refused(con, "tap_rows")
    repeat, stay, day = (
        f"INTERVAL {int(d.total_seconds())} SECONDS" for d in (TAP_REPEAT, TAP_STAY, store.MAX_DURATION)
    )
    # in before out at the same instant; the file's order breaks the remaining ties
    neighbours = """lag(direction) OVER w AS prev_dir, lag(t) OVER w AS prev_t,
        lead(direction) OVER w AS next_dir, lead(t) OVER w AS next_t"""
    window = "WINDOW w AS (PARTITION BY person_id, place_id ORDER BY t, direction = 'out', n)"
    con.execute(
        "CREATE TEMP TABLE taps AS SELECT n, person_id, place_id, t, direction, place_name, district, setting "
        "FROM tap_rows WHERE error IS NULL"
    )
    con.execute(
        f"""CREATE TEMP TABLE checked AS
        WITH kept AS (  -- one tap of each repeated run: the first entry, the last exit
            SELECT n, person_id, place_id, t, direction, place_name, district, setting
            FROM (SELECT *, {neighbours} FROM taps {window})
            WHERE NOT coalesce(direction = 'in' AND prev_dir = 'in' AND t - prev_t <= {repeat}, false)
              AND NOT coalesce(direction = 'out' AND next_dir = 'out' AND next_t - t <= {repeat}, false)
        ),
        linked AS (SELECT *, {neighbours} FROM kept {window}),
        spans AS (
            SELECT n, person_id, place_id, place_name, district, setting, t AS s,
                   CASE WHEN next_dir = 'out' AND next_t - t <= {day} THEN next_t
                        ELSE least(t + {stay}, coalesce(next_t, t + {stay})) END AS e,
                   CASE WHEN next_dir = 'out' AND next_t - t <= {day} THEN 1.0
                        ELSE {TAP_GUESS_CERTAINTY} END AS certainty
            FROM linked WHERE direction = 'in'
            UNION ALL  -- exits without their entry
            SELECT n, person_id, place_id, place_name, district, setting,
                   greatest(t - {stay}, coalesce(prev_t, t - {stay})) AS s, t AS e, {TAP_GUESS_CERTAINTY} AS certainty
            FROM linked WHERE direction = 'out' AND NOT coalesce(prev_dir = 'in' AND t - prev_t <= {day}, false)
        )
        SELECT n, person_id, place_id, s, e, 'entry_card' AS source, setting, place_name, district,
               NULL::INTEGER AS car, certainty, NULL::BIGINT AS known_plc, NULL::VARCHAR AS kind,
               NULL::VARCHAR AS error
        FROM spans WHERE e > s"""
    )
    return refused


def _store(con: Any, root: Path, tag: str, result: ImportResult) -> None:
    q = store.quote
    people, places = root / "people.parquet", root / "places.parquet"
    con.execute(
        f"CREATE TEMP TABLE people AS SELECT * FROM "
        f"{f'read_parquet({q(people)})' if people.exists() else '(SELECT NULL::VARCHAR person_id, NULL::INTEGER pid, NULL::TINYINT district LIMIT 0)'}"
    )
    con.execute(
        f"CREATE TEMP TABLE places AS SELECT * FROM "
        f"{f'read_parquet({q(places)})' if places.exists() else '(SELECT NULL::VARCHAR place_id, NULL::BIGINT plc, NULL::VARCHAR kind, NULL::VARCHAR name, NULL::TINYINT district, NULL::VARCHAR setting LIMIT 0)'}"
    )
    new_people = con.execute(
        """INSERT INTO people
        SELECT person_id, (SELECT coalesce(max(pid), -1) FROM people) + row_number() OVER (ORDER BY person_id), NULL
        FROM (SELECT DISTINCT person_id FROM checked WHERE error IS NULL) WHERE person_id NOT IN (SELECT person_id FROM people)"""
    ).fetchone()[0]
    base = store.OTHER << store.KIND_SHIFT
    new_places = con.execute(
        f"""INSERT INTO places
        SELECT place_id,
               coalesce(any_value(known_plc),
                        greatest((SELECT coalesce(max(plc), 0) FROM places WHERE plc >> {store.KIND_SHIFT} = {store.OTHER}), {base})
                        + row_number() OVER (PARTITION BY any_value(known_plc) IS NULL ORDER BY place_id)),
               coalesce(any_value(kind), 'other'), coalesce(any_value(place_name), place_id), any_value(district)::TINYINT,
               coalesce(any_value(nullif(setting, '')), 'indoor')
        FROM checked WHERE error IS NULL AND place_id NOT IN (SELECT place_id FROM places)
        GROUP BY place_id"""
    ).fetchone()[0]
    table = con.sql(
        """SELECT pe.pid::INTEGER AS pid, pl.plc, c.s AS start_at, c.e AS end_at, c.source,
                  c.car::TINYINT AS car, coalesce(c.certainty, 1.0)::FLOAT AS certainty
        FROM checked c JOIN people pe USING (person_id) JOIN places pl USING (place_id)
        WHERE c.error IS NULL"""
    ).to_arrow_table()
    table = pa.table(
        {
            "pid": table["pid"],
            "plc": table["plc"],
            "start_at": table["start_at"].cast(pa.timestamp("us", tz="UTC")),
            "end_at": table["end_at"].cast(pa.timestamp("us", tz="UTC")),
            "source": table["source"].cast(pa.string()).dictionary_encode().cast(pa.dictionary(pa.int8(), pa.string())),
            "car": table["car"],
            "certainty": table["certainty"],
        }
    )
    # ids first: a mapping with ids no presence uses yet is harmless, the reverse is not
    if new_people:
        _replace(con, "people", people, store.PEOPLE)
    if new_places:
        _replace(con, "places", places, store.PLACES)
    for day in store.presence_days(root):  # a re-import of the same file replaces its files
        (store.day_dir(root, day) / f"part-import-{tag}.parquet").unlink(missing_ok=True)
    store.write_presence(root, table, tag=f"import-{tag}")
    result.new_people += int(new_people)
    result.new_places += int(new_places)


def _replace(con: Any, name: str, path: Path, schema: pa.Schema) -> None:
    table = con.sql(f"SELECT * FROM {name}").to_arrow_table().cast(schema)
    tmp = path.with_suffix(".tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


JOURNEY_COLUMNS = ("rider_ref", "entry_station", "entry_at", "exit_station", "exit_at")


def journeys_to_presence(geo: trains.Geometry, journeys: pa.Table) -> tuple[pa.Table, list[RowError]]:
    """Metro journeys (``metro.interfaces.journeys`` schema) as train presence rows.

    Each journey is put on its trains by the timetable model of ``trains``, from its entry.
    When the model's exit differs from the recorded exit by more than a headway, the rider
    may have taken other trains: the rides are kept with certainty 0.5 instead of 1. Journeys
    between unknown stations or with no route are returned as errors (row = position + 1)."""
    missing = [c for c in JOURNEY_COLUMNS if c not in journeys.column_names]
    if missing:
        raise ImportError_(f"journeys: missing column(s) {', '.join(missing)}")
    # one route lookup per distinct (entry, exit) pair, not per journey
    pairs = pa.table({"a": journeys.column("entry_station"), "b": journeys.column("exit_station")})
    codes = [pc.dictionary_encode(pairs.column(c)).combine_chunks() for c in ("a", "b")]
    width = len(codes[1].dictionary)
    pair_code = codes[0].indices.to_numpy(zero_copy_only=False).astype(np.int64) * width + codes[1].indices.to_numpy(
        zero_copy_only=False
    )
    unique, inverse = np.unique(pair_code, return_inverse=True)
    routes: list[trains.Route] = []
    route_of_pair = np.full(len(unique), -1, dtype=np.int64)
    names = (codes[0].dictionary.to_pylist(), codes[1].dictionary.to_pylist())
    for u, code in enumerate(unique):
        route = geo.route(names[0][code // width], names[1][code % width])
        if route is not None:
            route_of_pair[u] = len(routes)
            routes.append(route)
    route_of = route_of_pair[inverse]
    errors = [
        RowError(
            "journeys",
            int(i) + 1,
            f"no metro route from {names[0][pair_code[i] // width]!r} to {names[1][pair_code[i] % width]!r}",
        )
        for i in np.flatnonzero(route_of < 0)
    ]
    ok = np.flatnonzero(route_of >= 0)

    def seconds(name: str) -> npt.NDArray[np.int64]:
        us = journeys.column(name).cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy()
        return np.asarray(us[ok] // 1_000_000, dtype=np.int64)

    entry_s, exit_s = seconds("entry_at"), seconds("exit_at")
    legs, model_exit = trains.ride(geo, routes, route_of[ok], entry_s)
    certainty = np.where(np.abs(model_exit - exit_s) <= trains.HEADWAY_S, 1.0, 0.5)
    has_car = "car" in journeys.column_names
    parts = []
    for idx, place, board, alight in legs:
        rows = pa.array(ok[idx])
        plc = pa.array(place, pa.int64())
        parts.append(
            pa.table(
                {
                    "person_id": journeys.column("rider_ref").take(rows).cast(pa.string()),
                    "place_id": pc.binary_join_element_wise("train:", pc.cast(plc, pa.string()), ""),
                    "plc": plc,
                    "s": pa.array(board * 1_000_000, pa.timestamp("us", tz="UTC")),
                    "e": pa.array(alight * 1_000_000, pa.timestamp("us", tz="UTC")),
                    "car": journeys.column("car").take(rows).cast(pa.int8())
                    if has_car
                    else pa.nulls(len(idx), pa.int8()),
                    "certainty": pa.array(certainty[idx], pa.float32()),
                }
            )
        )
    empty = pa.schema(
        [
            ("person_id", pa.string()),
            ("place_id", pa.string()),
            ("plc", pa.int64()),
            ("s", pa.timestamp("us", tz="UTC")),
            ("e", pa.timestamp("us", tz="UTC")),
            ("car", pa.int8()),
            ("certainty", pa.float32()),
        ]
    )
    table = pa.concat_tables(parts) if parts else empty.empty_table()
    return table, errors


def import_journeys(geo: trains.Geometry, journeys: pa.Table, root: Path, *, tag: str) -> ImportResult:
    """Put metro journeys on their trains and store them as presence (``tag`` names the
    files, so the same batch imported again replaces itself)."""
    result = ImportResult(files=1)
    rides, result.errors = journeys_to_presence(geo, journeys)
    names = (
        {int(p): geo.train_name(int(p)) for p in np.unique(rides.column("plc").to_numpy())} if rides.num_rows else {}
    )
    with _locked(root):
        con = store.connect(threads=1)
        try:
            con.register("rides", rides)
            con.register("names", pa.table({"plc": pa.array(list(names), pa.int64()), "name": list(names.values())}))
            con.execute(
                """CREATE TEMP TABLE checked AS
                SELECT person_id, place_id, s, e, 'metro' AS source, car, certainty, 'transit' AS setting,
                       n.name AS place_name, NULL::INTEGER AS district, r.plc AS known_plc, 'train' AS kind,
                       NULL::VARCHAR AS error
                FROM rides r LEFT JOIN names n USING (plc)"""
            )
            if rides.num_rows:
                _store(con, root, tag, result)
            result.accepted = result.intervals = rides.num_rows
        finally:
            con.close()
    return result
