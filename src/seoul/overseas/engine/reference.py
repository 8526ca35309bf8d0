"""The programme as data (``reference/programme.json``): the round (intake dates, places, the
subsidy budget), who may apply, the selection criteria with their weights, the logistics subsidy
(rate, cap per business per round, eligible carriers and their tracking-number shapes), the
currencies and the monthly exchange-rate table, and the marketplaces — for each the countries it
sells to, the pattern of its own listing id and **its listing fields** (type, required, lengths,
bounds, allowed values) that :mod:`listing` validates against.

:func:`parse` checks every part and reports each mistake with its path
(``marketplaces[1].fields[3].max_length: ...``); nothing in the file is trusted unchecked.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

PATH = Path(__file__).resolve().parent.parent / "reference" / "programme.json"
FIELD_TYPES = ("text", "longtext", "lines", "integer", "decimal", "choice", "hs_code")
LANGUAGES = ("en", "ja", "zh", "vi", "th", "id", "ms")
CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
MONTH = re.compile(r"^20[0-9]{2}-(0[1-9]|1[0-2])$")
MAX_WON = 10**12
MAX_TEXT = 10_000
SELECTION_TOTAL = 100


class ReferenceInvalid(ValueError):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {why}" for where, why in errors))
        self.errors = errors


@dataclass(frozen=True)
class Field:
    code: str
    name_ko: str
    name_en: str
    type: str
    required: bool
    min_length: int = 0
    max_length: int | None = None
    max_items: int | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Marketplace:
    code: str
    name_ko: str
    name_en: str
    language: str
    countries: tuple[str, ...]
    listing_id_name_ko: str
    listing_id_name_en: str
    listing_id_pattern: str
    listing_id_example: str
    fields: tuple[Field, ...]

    def field(self, code: str) -> Field | None:
        return next((f for f in self.fields if f.code == code), None)


@dataclass(frozen=True)
class Carrier:
    code: str
    name_ko: str
    name_en: str
    tracking: str
    example: str


@dataclass(frozen=True)
class Criterion:
    code: str
    weight: int
    name_ko: str
    name_en: str
    guide_ko: str
    guide_en: str


@dataclass(frozen=True)
class Subsidy:
    rate_percent: int
    cap_won: int
    min_claim_won: int
    max_claim_won: int
    claim_days: int
    carriers: tuple[Carrier, ...]

    def carrier(self, code: str) -> Carrier | None:
        return next((c for c in self.carriers if c.code == code), None)


@dataclass(frozen=True)
class Round:
    code: str
    institution: str
    name_ko: str
    name_en: str
    summary_ko: str
    summary_en: str
    intake_opens: date
    intake_closes: date
    runs_until: date
    places: int
    subsidy_budget_won: int


@dataclass(frozen=True)
class Reference:
    round: Round
    eligibility_ko: tuple[str, ...]
    eligibility_en: tuple[str, ...]
    selection: tuple[Criterion, ...]
    subsidy: Subsidy
    currencies: tuple[str, ...]
    exchange_rates: dict[str, dict[str, float]]
    marketplaces: tuple[Marketplace, ...]

    def marketplace(self, code: str) -> Marketplace | None:
        return next((m for m in self.marketplaces if m.code == code), None)

    @property
    def countries(self) -> tuple[str, ...]:
        return tuple(sorted({c for m in self.marketplaces for c in m.countries}))


class _Checker:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def fail(self, where: str, why: str) -> None:
        self.errors.append((where, why))

    def obj(self, d: Any, where: str) -> dict[str, Any]:
        if not isinstance(d, dict):
            self.fail(where, "must be an object")
            return {}
        return d

    def text(self, d: dict[str, Any], key: str, where: str, *, max_length: int = MAX_TEXT) -> str:
        v = d.get(key)
        if not isinstance(v, str) or not v.strip():
            self.fail(f"{where}.{key}", "must be non-empty text")
            return ""
        if len(v) > max_length:
            self.fail(f"{where}.{key}", f"at most {max_length} characters")
        return v

    def code(self, d: dict[str, Any], key: str, where: str) -> str:
        v = self.text(d, key, where)
        if v and not CODE.match(v):
            self.fail(f"{where}.{key}", "must be lower-case letters, digits and _ (2 to 40)")
        return v

    def integer(
        self, d: dict[str, Any], key: str, where: str, lo: int, hi: int, *, required: bool = True
    ) -> int | None:
        v = d.get(key)
        if v is None and not required:
            return None
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            self.fail(f"{where}.{key}", f"must be a whole number from {lo} to {hi}")
            return None
        return v

    def number(self, d: dict[str, Any], key: str, where: str) -> float | None:
        v = d.get(key)
        if v is None:
            return None
        if not isinstance(v, int | float) or isinstance(v, bool) or v != v or abs(v) > 1e12:
            self.fail(f"{where}.{key}", "must be a finite number")
            return None
        return float(v)

    def day(self, d: dict[str, Any], key: str, where: str) -> date:
        v = d.get(key)
        try:
            found = date.fromisoformat(str(v))
        except ValueError:
            self.fail(f"{where}.{key}", "must be a date YYYY-MM-DD")
            return date(2000, 1, 1)
        if not date(2020, 1, 1) <= found <= date(2099, 12, 31):
            self.fail(f"{where}.{key}", "must be from 2020-01-01 to 2099-12-31")
        return found

    def pattern(self, d: dict[str, Any], key: str, where: str) -> str:
        v = self.text(d, key, where, max_length=200)
        if v:
            try:
                re.compile(v)
            except re.error:
                self.fail(f"{where}.{key}", "must be a valid regular expression")
        return v

    def texts(self, v: Any, where: str) -> tuple[str, ...]:
        if not isinstance(v, list) or not v or not all(isinstance(x, str) and x.strip() for x in v):
            self.fail(where, "must be a non-empty list of text")
            return ()
        return tuple(v)


def _field(c: _Checker, raw: Any, where: str) -> Field:
    d = c.obj(raw, where)
    kind = d.get("type")
    if kind not in FIELD_TYPES:
        c.fail(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}")
    required = d.get("required")
    if not isinstance(required, bool):
        c.fail(f"{where}.required", "must be true or false")
    max_length = c.integer(d, "max_length", where, 1, MAX_TEXT, required=kind in ("text", "longtext", "lines"))
    min_length = c.integer(d, "min_length", where, 0, MAX_TEXT, required=False) or 0
    if max_length is not None and min_length > max_length:
        c.fail(f"{where}.min_length", "must not be above max_length")
    max_items = c.integer(d, "max_items", where, 1, 50, required=kind == "lines")
    lo, hi = c.number(d, "min", where), c.number(d, "max", where)
    if kind in ("integer", "decimal") and (lo is None or hi is None):
        c.fail(where, "a number field needs min and max")
    if lo is not None and hi is not None and lo > hi:
        c.fail(f"{where}.min", "must not be above max")
    choices: tuple[str, ...] = ()
    if kind == "choice":
        choices = c.texts(d.get("choices"), f"{where}.choices")
        if len(set(choices)) != len(choices):
            c.fail(f"{where}.choices", "must not repeat a value")
    return Field(
        code=c.code(d, "code", where),
        name_ko=c.text(d, "name_ko", where, max_length=60),
        name_en=c.text(d, "name_en", where, max_length=60),
        type=str(kind),
        required=bool(required),
        min_length=min_length,
        max_length=max_length,
        max_items=max_items,
        min=lo,
        max=hi,
        choices=choices,
    )


def _marketplace(c: _Checker, raw: Any, where: str, currencies: tuple[str, ...]) -> Marketplace:
    d = c.obj(raw, where)
    countries = c.texts(d.get("countries"), f"{where}.countries")
    for i, country in enumerate(countries):
        if not COUNTRY.match(country):
            c.fail(f"{where}.countries[{i}]", "must be an ISO 3166-1 alpha-2 code")
    language = d.get("language")
    if language not in LANGUAGES:
        c.fail(f"{where}.language", f"must be one of {', '.join(LANGUAGES)}")
    lid = c.obj(d.get("listing_id"), f"{where}.listing_id")
    fields = d.get("fields")
    if not isinstance(fields, list) or not fields:
        c.fail(f"{where}.fields", "must be a non-empty list")
        fields = []
    parsed = tuple(_field(c, f, f"{where}.fields[{i}]") for i, f in enumerate(fields))
    codes = [f.code for f in parsed]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            c.fail(f"{where}.fields[{i}].code", f"repeats {code}")
    for required in ("title", "price", "currency", "hs_code"):
        if required not in codes:
            c.fail(f"{where}.fields", f"must have a {required} field")
    for i, f in enumerate(parsed):
        if f.code == "currency":
            for j, cur in enumerate(f.choices):
                if cur not in currencies:
                    c.fail(f"{where}.fields[{i}].choices[{j}]", f"{cur} is not among the programme's currencies")
    m = Marketplace(
        code=c.code(d, "code", where),
        name_ko=c.text(d, "name_ko", where, max_length=60),
        name_en=c.text(d, "name_en", where, max_length=60),
        language=str(language),
        countries=countries,
        listing_id_name_ko=c.text(lid, "name_ko", f"{where}.listing_id", max_length=40),
        listing_id_name_en=c.text(lid, "name_en", f"{where}.listing_id", max_length=40),
        listing_id_pattern=c.pattern(lid, "pattern", f"{where}.listing_id"),
        listing_id_example=c.text(lid, "example", f"{where}.listing_id", max_length=40),
        fields=parsed,
    )
    if m.listing_id_pattern and m.listing_id_example and not _matches(m.listing_id_pattern, m.listing_id_example):
        c.fail(f"{where}.listing_id.example", "does not match its own pattern")
    return m


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


def parse(data: Any) -> Reference:
    c = _Checker()
    d = c.obj(data, "$")
    if d.get("version") != 1:
        c.fail("version", "must be 1")
    r = c.obj(d.get("round"), "round")
    rnd = Round(
        code=c.text(r, "code", "round", max_length=20),
        institution=c.text(r, "institution", "round", max_length=40),
        name_ko=c.text(r, "name_ko", "round", max_length=120),
        name_en=c.text(r, "name_en", "round", max_length=120),
        summary_ko=c.text(r, "summary_ko", "round"),
        summary_en=c.text(r, "summary_en", "round"),
        intake_opens=c.day(r, "intake_opens", "round"),
        intake_closes=c.day(r, "intake_closes", "round"),
        runs_until=c.day(r, "runs_until", "round"),
        places=c.integer(r, "places", "round", 1, 10_000) or 0,
        subsidy_budget_won=c.integer(r, "subsidy_budget_won", "round", 0, MAX_WON) or 0,
    )
    if rnd.intake_opens > rnd.intake_closes:
        c.fail("round.intake_closes", "must not be before intake_opens")
    if rnd.runs_until < rnd.intake_closes:
        c.fail("round.runs_until", "must not be before intake_closes")
    eligibility_ko = c.texts(d.get("eligibility_ko"), "eligibility_ko")
    eligibility_en = c.texts(d.get("eligibility_en"), "eligibility_en")
    if len(eligibility_ko) != len(eligibility_en):
        c.fail("eligibility_en", "must have as many items as eligibility_ko")
    raw_sel = d.get("selection")
    if not isinstance(raw_sel, list) or not raw_sel:
        c.fail("selection", "must be a non-empty list")
        raw_sel = []
    selection = []
    for i, raw in enumerate(raw_sel):
        w = f"selection[{i}]"
        s = c.obj(raw, w)
        selection.append(
            Criterion(
                code=c.code(s, "code", w),
                weight=c.integer(s, "weight", w, 1, 100) or 0,
                name_ko=c.text(s, "name_ko", w, max_length=60),
                name_en=c.text(s, "name_en", w, max_length=60),
                guide_ko=c.text(s, "guide_ko", w),
                guide_en=c.text(s, "guide_en", w),
            )
        )
    if selection and sum(s.weight for s in selection) != SELECTION_TOTAL:
        c.fail("selection", f"the weights must add up to {SELECTION_TOTAL}")
    sub = c.obj(d.get("subsidy"), "subsidy")
    carriers = []
    raw_carriers = sub.get("carriers")
    if not isinstance(raw_carriers, list) or not raw_carriers:
        c.fail("subsidy.carriers", "must be a non-empty list")
        raw_carriers = []
    for i, raw in enumerate(raw_carriers):
        w = f"subsidy.carriers[{i}]"
        cd = c.obj(raw, w)
        carrier = Carrier(
            code=c.code(cd, "code", w),
            name_ko=c.text(cd, "name_ko", w, max_length=60),
            name_en=c.text(cd, "name_en", w, max_length=60),
            tracking=c.pattern(cd, "tracking", w),
            example=c.text(cd, "example", w, max_length=40),
        )
        if carrier.tracking and carrier.example and not _matches(carrier.tracking, carrier.example):
            c.fail(f"{w}.example", "does not match its own tracking pattern")
        carriers.append(carrier)
    subsidy = Subsidy(
        rate_percent=c.integer(sub, "rate_percent", "subsidy", 1, 100) or 0,
        cap_won=c.integer(sub, "cap_won", "subsidy", 0, MAX_WON) or 0,
        min_claim_won=c.integer(sub, "min_claim_won", "subsidy", 0, MAX_WON) or 0,
        max_claim_won=c.integer(sub, "max_claim_won", "subsidy", 1, MAX_WON) or 0,
        claim_days=c.integer(sub, "claim_days", "subsidy", 1, 3660) or 0,
        carriers=tuple(carriers),
    )
    if subsidy.min_claim_won > subsidy.max_claim_won:
        c.fail("subsidy.min_claim_won", "must not be above max_claim_won")
    currencies = c.texts(d.get("currencies"), "currencies")
    for i, cur in enumerate(currencies):
        if not CURRENCY.match(cur):
            c.fail(f"currencies[{i}]", "must be an ISO 4217 code")
    rates: dict[str, dict[str, float]] = {}
    raw_rates = c.obj(d.get("exchange_rates"), "exchange_rates")
    for month, table in raw_rates.items():
        w = f"exchange_rates.{month}"
        if not MONTH.match(str(month)):
            c.fail(w, "the key must be a month YYYY-MM")
        t = c.obj(table, w)
        rates[str(month)] = {}
        for cur, rate in t.items():
            if cur not in currencies:
                c.fail(f"{w}.{cur}", "is not among the programme's currencies")
            elif not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 < rate < 1e6:
                c.fail(f"{w}.{cur}", "must be a number of won above 0")
            else:
                rates[str(month)][cur] = float(rate)
    raw_markets = d.get("marketplaces")
    if not isinstance(raw_markets, list) or not raw_markets:
        c.fail("marketplaces", "must be a non-empty list")
        raw_markets = []
    markets = tuple(_marketplace(c, m, f"marketplaces[{i}]", currencies) for i, m in enumerate(raw_markets))
    codes = [m.code for m in markets]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            c.fail(f"marketplaces[{i}].code", f"repeats {code}")
    if c.errors:
        raise ReferenceInvalid(c.errors)
    return Reference(
        round=rnd,
        eligibility_ko=eligibility_ko,
        eligibility_en=eligibility_en,
        selection=tuple(selection),
        subsidy=subsidy,
        currencies=currencies,
        exchange_rates=rates,
        marketplaces=markets,
    )


@functools.cache
def programme() -> Reference:
    return parse(json.loads(PATH.read_text(encoding="utf-8")))
