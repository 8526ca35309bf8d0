"""Line lists in: cases, contacts and follow-ups from CSV or XLSX, with a column-mapping step and
one error per refused row (docs/tracing-linelists.md).

Health centres keep their line lists in spreadsheets with their own headers ("성명", "연락처",
"거주지", "최종접촉일"…). :func:`suggest_mapping` proposes which column holds each field from
the header words a field is known by; the person importing confirms or changes it; then
:func:`read_rows` streams the file (CSV in UTF-8 or the CP949 Korean Excel writes, or XLSX read
row by row) and :func:`parse_row` turns each row into typed values or the first reason it
cannot be used (field and reason; the caller adds the line). Dates may be written 2020-08-15,
2020.8.15 or 2020/08/15 (or be real dates in XLSX); districts as a name (구로구, Guro-gu), the
5-digit administrative code (11530) or the platform's number (0–24).

Pure: stdlib, openpyxl and the district table (``core.engine.districts``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, Literal, TextIO

from openpyxl import load_workbook

from seoul.core.engine.districts import spellings

Kind = Literal["cases", "contacts", "follow_ups"]
FieldType = Literal[
    "text", "phone", "date", "district", "minutes", "choice", "case", "contact", "temperature", "symptoms"
]

Rows = Generator[tuple[int, list[str]], None, None]
"""A file's rows as (line, cells), the header first."""

MAX_ROWS = 200_000
"""A larger file is refused before any row is read: a health centre's line list is thousands."""


class LineListError(ValueError):
    """The file as a whole cannot be read; ``code``: ``binary`` (not CSV or XLSX),
    ``old_format`` (XLS, ODS), ``empty``, ``encoding`` (neither UTF-8 nor CP949), ``xlsx``
    (a broken workbook), ``no_header``, ``duplicate_header``, ``too_many`` (over MAX_ROWS)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    required: bool
    aliases: tuple[str, ...]
    """Header words this field goes by in Korean and English line lists (compared normalised)."""
    choices: tuple[str, ...] = ()
    """``choice`` fields: the values (codes) accepted, compared lower-case."""


_NAME = Field("name", "text", True, ("name", "성명", "이름", "환자명", "접촉자명", "성함"))
_PHONE = Field("phone", "phone", False, ("phone", "mobile", "전화", "전화번호", "연락처", "휴대전화", "휴대폰"))
_DISTRICT = Field("district", "district", True, ("district", "거주지", "거주구", "주소지", "자치구", "관할구", "구"))
_LANGUAGE = Field("language", "choice", False, ("language", "언어", "사용언어"), ("ko", "en", "zh-hans", "vi"))
_CASE = Field(
    "case", "case", True, ("case", "source case", "확진자", "확진자번호", "지표환자", "관련확진자", "사례번호")
)

FIELDS: dict[Kind, tuple[Field, ...]] = {
    "cases": (
        _NAME,
        _PHONE,
        _DISTRICT,
        _LANGUAGE,
        Field("confirmed_on", "date", True, ("confirmed", "confirmed on", "확진일", "확진일자", "판정일")),
        Field("onset_on", "date", False, ("onset", "symptom onset", "증상발현일", "발병일", "증상시작일")),
        Field("test_on", "date", False, ("test date", "specimen", "검사일", "검체채취일")),
    ),
    "contacts": (
        _CASE,
        _NAME,
        _PHONE,
        _DISTRICT,
        _LANGUAGE,
        Field("on", "date", True, ("last exposure", "exposure date", "최종접촉일", "접촉일", "노출일")),
        Field("place", "text", True, ("place", "장소", "접촉장소", "노출장소")),
        Field(
            "setting",
            "choice",
            False,
            ("setting", "접촉유형", "장소유형"),
            ("household", "workplace", "religious", "nightlife", "transit", "care", "education", "other"),
        ),
        Field(
            "duration_minutes", "minutes", False, ("duration", "minutes", "접촉시간", "체류시간(분)", "접촉시간(분)")
        ),
        Field(
            "proximity",
            "choice",
            False,
            ("proximity", "근접도", "거리"),
            ("touch", "close", "same_room", "same_car", "unknown"),
        ),
    ),
    "follow_ups": (
        Field("contact", "contact", True, ("contact", "접촉자번호", "관리번호")),
        Field("day", "date", True, ("day", "date", "날짜", "모니터링일", "일자")),
        Field(
            "status",
            "choice",
            True,
            ("status", "result", "결과", "상태"),
            ("seen_well", "seen_symptoms", "missed", "not_attempted"),
        ),
        Field("temperature", "temperature", False, ("temperature", "체온")),
        Field("symptom_list", "symptoms", False, ("symptoms", "증상")),
        Field("symptoms", "text", False, ("other symptoms", "기타증상", "기타 증상")),
    ),
}

DATE_FORMATS = (re.compile(r"^(\d{4})[-./](\d{1,2})[-./](\d{1,2})\.?$"), re.compile(r"^(\d{4})(\d{2})(\d{2})$"))
PHONE = re.compile(r"^\+?[\d\- ()]{8,20}$")
REFERENCE = {
    "case": re.compile(r"^(?:C-?)?(\d{1,9})$", re.IGNORECASE),
    "contact": re.compile(r"^(?:K-?)?(\d{1,9})$", re.IGNORECASE),
}


def normalise(header: str) -> str:
    """A header compared: NFC, lower-case, spaces, underscores and punctuation removed."""
    text = unicodedata.normalize("NFC", header).strip().lower()
    return re.sub(r"[\s_\-·.:/]+", "", text)


def suggest_mapping(kind: Kind, headers: Sequence[str]) -> dict[str, str]:
    """For each field of ``kind``, the header that names it, if one does (each header used
    once; the field's own name first, then its aliases in order)."""
    by_norm: dict[str, str] = {}
    for header in headers:
        by_norm.setdefault(normalise(header), header)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for spec in FIELDS[kind]:
        for alias in (spec.name, *spec.aliases):
            found = by_norm.get(normalise(alias))
            if found is not None and found not in taken:
                out[spec.name] = found
                taken.add(found)
                break
    return out


def check_mapping(kind: Kind, headers: Sequence[str], mapping: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """What is wrong with ``mapping`` (field → header), as (field, code, header): ``unknown``
    (not a field of this kind), ``no_column`` (the file has no such header), ``required`` (a
    required field without a column), ``twice`` (one column for two fields)."""
    names = {f.name for f in FIELDS[kind]}
    problems = [(name, "unknown", "") for name in mapping if name not in names]
    problems += [(name, "no_column", header) for name, header in mapping.items() if header and header not in headers]
    problems += [(f.name, "required", "") for f in FIELDS[kind] if f.required and not mapping.get(f.name)]
    seen: set[str] = set()
    for name, header in mapping.items():
        if header and header in seen:
            problems.append((name, "twice", header))
        seen.add(header)
    return problems


# --- reading ----------------------------------------------------------------------------------


def file_kind(name: str, head: bytes) -> Literal["csv", "xlsx"]:
    """CSV or XLSX by content (an XLSX is a ZIP), the name only breaking a tie."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if b"\x00" in head[:4096]:
        raise LineListError("binary")
    if name.lower().endswith((".xls", ".xlsm", ".ods")):
        raise LineListError("old_format")
    return "csv"


def _text_stream(raw: IO[bytes]) -> TextIO:
    """UTF-8 (with or without BOM) when the start decodes as UTF-8, else CP949 (Korean Excel)."""
    head = raw.read(65536)
    raw.seek(0)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp949"
    return io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header and the rows of ``path`` as (line, {header: text}), streamed. Lines are the
    spreadsheet's own row numbers (the header is line 1); blank rows are skipped. The header is
    read (and checked) now; the file is opened again for the rows only when they are read, so
    an unread iterator holds no open file."""
    with path.open("rb") as fh:
        kind = file_kind(path.name, fh.read(8192))
    reader = _xlsx_rows if kind == "xlsx" else _csv_rows
    rows = reader(path)
    try:
        _line, header = next(rows)
    except StopIteration:
        raise LineListError("empty") from None
    finally:
        rows.close()
    _check_header(header)
    return header, _body(reader(path), header)


def _body(rows: Rows, header: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        next(rows)  # the header
        for line, cells in rows:
            if line > MAX_ROWS + 1:
                raise LineListError("too_many")
            if any(cells):
                yield line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
    finally:
        rows.close()


def _csv_rows(path: Path) -> Rows:
    with path.open("rb") as raw, _text_stream(raw) as text:
        try:
            for n, row in enumerate(csv.reader(text), start=1):
                yield n, [cell.strip() for cell in row]
        except UnicodeDecodeError:
            raise LineListError("encoding") from None


def _xlsx_rows(path: Path) -> Rows:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        raise LineListError("xlsx") from None
    try:
        for n, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell(v) for v in values]
            while n == 1 and cells and not cells[-1]:
                cells.pop()
            yield n, cells
    finally:
        book.close()


def _check_header(header: list[str]) -> None:
    if not any(header):
        raise LineListError("no_header")
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        raise LineListError("duplicate_header")


# --- parsing ------------------------------------------------------------------------------------


class RowError(ValueError):
    """Why a row cannot be used: the ``field``, a ``code`` (``empty``, ``phone``, ``date``,
    ``district``, ``minutes``, ``temperature``, ``reference``, ``choice``) and the ``value``
    read (never for phone numbers, which are personal data) -- the caller words it."""

    def __init__(self, field: str, code: str, value: str = "", choices: Sequence[str] = ()):
        super().__init__(f"{field}: {code} {value!r}")
        self.field = field
        self.code = code
        self.value = value
        self.choices = tuple(choices)


def parse_date(text: str) -> date:
    for pattern in DATE_FORMATS:
        m = pattern.match(text.split("T")[0].strip())
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    raise ValueError(text)


def _value(spec: Field, text: str) -> Any:
    kind = spec.type
    if kind == "text":
        return text
    if kind == "phone":
        if not PHONE.match(text):
            raise RowError(spec.name, "phone")
        return text
    if kind == "date":
        try:
            return parse_date(text)
        except ValueError:
            raise RowError(spec.name, "date", text) from None
    if kind == "district":
        key = text.strip().lower()
        if key.isdigit() and len(key) <= 2 and 0 <= int(key) <= 24:
            return int(key)
        found = spellings().get(key)
        if found is None:
            raise RowError(spec.name, "district", text)
        return found
    if kind == "minutes":
        if not text.isdigit() or int(text) > 24 * 60 * 14:
            raise RowError(spec.name, "minutes", text)
        return int(text)
    if kind == "temperature":
        try:
            return float(text.replace("℃", "").replace("°C", "").strip())
        except ValueError:
            raise RowError(spec.name, "temperature", text) from None
    if kind == "symptoms":
        return [s.strip().lower() for s in re.split(r"[;,|]", text) if s.strip()]
    if kind in ("case", "contact"):
        m = REFERENCE[kind].match(text.strip())
        if not m:
            raise RowError(spec.name, "reference", text)
        return int(m[1])
    value = text.strip().lower()
    if value not in spec.choices:
        raise RowError(spec.name, "choice", text, spec.choices)
    return value


def parse_row(kind: Kind, mapping: Mapping[str, str], row: Mapping[str, str]) -> dict[str, Any]:
    """The typed values of one row (fields without a column or left empty are absent), or
    :class:`RowError` for the first field that cannot be used."""
    out: dict[str, Any] = {}
    for spec in FIELDS[kind]:
        header = mapping.get(spec.name)
        text = (row.get(header, "") if header else "").strip()
        if not text:
            if spec.required:
                raise RowError(spec.name, "empty")
            continue
        out[spec.name] = _value(spec, text)
    return out
