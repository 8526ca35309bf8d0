"""Monthly export sales, reported per marketplace and country as a CSV file (UTF-8, comma,
header line). Columns, in any order, extra ones refused::

    month,marketplace,country,currency,orders,units,gross_sales,returns
    2026-10,amazon,US,USD,12,15,389.85,25.99

* ``month``: ``YYYY-MM``, not after the current month and not before ``earliest``;
* ``marketplace``: a programme marketplace's code; ``country``: ISO 3166-1 alpha-2, one the
  marketplace sells to; ``currency``: ISO 4217, one of the programme's currencies;
* ``orders``, ``units``: whole numbers, 0…1,000,000, units not fewer than orders;
* ``gross_sales``, ``returns``: amounts in the currency with at most two decimals, 0…10^10,
  returns not above gross sales.

Each line is checked on its own; every problem names its line (the header is line 1), its field
and why. Good lines are kept, bad ones reported. A second line for the same month, marketplace
and country in one file is refused (the first stands). Amounts become won with the month's rate
of the programme's fixed table (``exchange_rates``; the table used is recorded with the upload):
a month or currency the table lacks is refused for that line, never guessed.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from seoul.overseas.engine.problems import Problem
from seoul.overseas.engine.reference import Marketplace

COLUMNS = ("month", "marketplace", "country", "currency", "orders", "units", "gross_sales", "returns")
MAX_BYTES = 1024 * 1024
MAX_LINES = 5000
MAX_COUNT = 1_000_000
MAX_AMOUNT = Decimal(10) ** 10
MONTH = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class SalesLine:
    line: int
    month: str
    marketplace: str
    country: str
    currency: str
    orders: int
    units: int
    gross: Decimal
    returns: Decimal
    rate: Decimal
    gross_won: int
    returns_won: int

    @property
    def net_won(self) -> int:
        return self.gross_won - self.returns_won

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.month, self.marketplace, self.country)


@dataclass(frozen=True)
class Parsed:
    lines: tuple[SalesLine, ...]
    problems: tuple[Problem, ...]
    read: int  # data lines read (header not counted)
    rates_used: dict[str, dict[str, str]]

    @property
    def refused_lines(self) -> int:
        return len({p.line for p in self.problems if p.line is not None and p.line > 1})


def won(amount: Decimal, rate: Decimal) -> int:
    return int((amount * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _count(row: Mapping[str, str], key: str, n: int, problems: list[Problem]) -> int | None:
    text = (row.get(key) or "").strip()
    if not text.isascii() or not text.isdigit():
        problems.append(Problem(key, "not_integer" if text else "required", line=n))
        return None
    value = int(text)
    if value > MAX_COUNT:
        problems.append(Problem(key, "above_max", {"max": f"{MAX_COUNT:,}"}, line=n))
        return None
    return value


def _amount(row: Mapping[str, str], key: str, n: int, problems: list[Problem]) -> Decimal | None:
    text = (row.get(key) or "").strip()
    if not text:
        problems.append(Problem(key, "required", line=n))
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        problems.append(Problem(key, "not_number", line=n))
        return None
    if not value.is_finite():
        problems.append(Problem(key, "not_number", line=n))
    elif value < 0:
        problems.append(Problem(key, "below_min", {"min": "0"}, line=n))
    elif value > MAX_AMOUNT:
        problems.append(Problem(key, "above_max", {"max": f"{MAX_AMOUNT:,}"}, line=n))
    elif value.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.append(Problem(key, "too_many_decimals", {"places": 2}, line=n))
    else:
        return value
    return None


def parse(
    content: bytes,
    *,
    marketplaces: tuple[Marketplace, ...],
    currencies: tuple[str, ...],
    rates: Mapping[str, Mapping[str, float]],
    today: date,
    earliest: date,
) -> Parsed:
    if len(content) > MAX_BYTES:
        return Parsed((), (Problem("file", "too_large", {"max": "1 MB"}, line=0),), 0, {})
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Parsed((), (Problem("file", "not_utf8", line=0),), 0, {})
    if "\x00" in text:
        return Parsed((), (Problem("file", "not_text", line=0),), 0, {})
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        params = {"missing": ", ".join(missing), "extra": ", ".join(extra), "expected": ", ".join(COLUMNS)}
        return Parsed((), (Problem("header", "columns", params, line=1),), 0, {})
    reader.fieldnames = header
    by_code = {m.code: m for m in marketplaces}
    this_month = f"{today:%Y-%m}"
    first_month = f"{earliest:%Y-%m}"
    good: list[SalesLine] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str], int] = {}
    used: dict[str, dict[str, str]] = {}
    read = 0
    for row in reader:
        n = reader.line_num
        read += 1
        if read > MAX_LINES:
            problems.append(Problem("file", "too_many_lines", {"max": f"{MAX_LINES:,}"}, line=n))
            break
        if None in row:  # more cells than columns
            problems.append(Problem("line", "extra_cells", line=n))
            continue
        if all(not (v or "").strip() for v in row.values()):
            read -= 1
            continue
        found: list[Problem] = []
        month = (row.get("month") or "").strip()
        if not MONTH.match(month):
            found.append(Problem("month", "month_format" if month else "required", line=n))
        elif month > this_month:
            found.append(Problem("month", "month_future", line=n))
        elif month < first_month:
            found.append(Problem("month", "month_early", {"earliest": first_month}, line=n))
        code = (row.get("marketplace") or "").strip().lower()
        market = by_code.get(code)
        if market is None:
            found.append(Problem("marketplace", "unknown_marketplace" if code else "required", line=n))
        country = (row.get("country") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            found.append(Problem("country", "country_format" if country else "required", line=n))
        elif market is not None and country not in market.countries:
            found.append(Problem("country", "country_not_sold", {"countries": ", ".join(market.countries)}, line=n))
        currency = (row.get("currency") or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", currency):
            found.append(Problem("currency", "currency_format" if currency else "required", line=n))
        elif currency not in currencies:
            found.append(Problem("currency", "currency_unknown", line=n))
        orders = _count(row, "orders", n, found)
        units = _count(row, "units", n, found)
        if orders is not None and units is not None and units < orders:
            found.append(Problem("units", "units_below_orders", line=n))
        gross = _amount(row, "gross_sales", n, found)
        returns = _amount(row, "returns", n, found)
        if gross is not None and returns is not None and returns > gross:
            found.append(Problem("returns", "returns_above_gross", line=n))
        rate: Decimal | None = None
        if not found:
            table = rates.get(month) or {}
            if currency not in table:
                found.append(Problem("currency", "no_rate", {"month": month, "currency": currency}, line=n))
            else:
                rate = Decimal(str(table[currency]))
        key = (month, code, country)
        if not found and key in seen:
            found.append(Problem("line", "duplicate_in_file", {"first": seen[key]}, line=n))
        if found:
            problems.extend(found)
            continue
        assert rate is not None and gross is not None and returns is not None  # noqa: S101 - checked above
        assert orders is not None and units is not None  # noqa: S101
        seen[key] = n
        used.setdefault(month, {})[currency] = str(rate)
        good.append(
            SalesLine(
                n,
                month,
                code,
                country,
                currency,
                orders,
                units,
                gross,
                returns,
                rate,
                won(gross, rate),
                won(returns, rate),
            )
        )
    return Parsed(tuple(good), tuple(problems), read, used)
