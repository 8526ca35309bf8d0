"""Checking the documents of an application, fetched or uploaded.

Fetched documents are JSON from the public-data document service (see
``seoul.guarantee.adapters``); four kinds are required: the business registration certificate
(사업자등록증명), the VAT tax-base certificate (부가가치세 과세표준증명), the national tax payment
certificate (국세 납세증명서) and the local tax payment certificate (지방세 납세증명서), plus the
credit report the applicant consented to. Checks: each kind present once, issued within the
last month and not in the future, the business registration number valid and the same on
every document and equal to the one the applicant gave, and the business and representative
names the same everywhere.

The document service is outside the platform, so what it says is checked like anything
else that comes in: dates within sane bounds (a business opened after 1900 and not in the
future), sales, balances and scores whole numbers within bounds. A value out of bounds is a
problem of that document, never a crash and never a screening fact.

A company (법인: a business number whose type code says corporation) has three documents more
(``corporate.py`` has the rules about companies): the corporate registration (법인
등기사항전부증명서), fetched with the business registration because it names the company's
representative directors (대표이사); the shareholder register (주주명부) and the financial
statements of the last fiscal year (재무제표), fetched with the tax documents. Checks: the
corporate registration number valid (format and check digit), the company's name the same on
the corporate and the business registration, the company in force (not dissolved or in
liquidation), the shares held adding up to the shares issued, the statements balancing
(assets = liabilities + equity) and of a recent fiscal year.

Uploads are checked by their first bytes (magic numbers), never by the name or the type the
browser claims, and by size.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from seoul.core.engine import brn as brn_rules
from seoul.guarantee.engine import corporate
from seoul.guarantee.engine.screening import Business

REGISTRATION = "business_registration"
REQUIRED = (REGISTRATION, "vat_tax_base", "national_tax_payment", "local_tax_payment")
CREDIT_REPORT = "credit_report"
# Fetched once the registration has shown that the applicant represents the business.
AFTER_REGISTRATION = ("vat_tax_base", "national_tax_payment", "local_tax_payment", CREDIT_REPORT)
# An applicant may upload these instead of having them fetched; the registration is always
# fetched, because it is what shows who represents the business.
UPLOADABLE = ("vat_tax_base", "national_tax_payment", "local_tax_payment")
# A company's documents: the corporate registration is fetched with the business registration
# (it names the representative directors), the other two with the tax documents.
CORPORATE_REGISTRATION = "corporate_registration"
SHAREHOLDER_REGISTER = "shareholder_register"
FINANCIAL_STATEMENTS = "financial_statements"
CORPORATE = (CORPORATE_REGISTRATION, SHAREHOLDER_REGISTER, FINANCIAL_STATEMENTS)
CORPORATE_AFTER_REGISTRATION = (SHAREHOLDER_REGISTER, FINANCIAL_STATEMENTS)
# Fetched at the business step (the rest at the documents step).
AT_BUSINESS_STEP = (REGISTRATION, CORPORATE_REGISTRATION)
# Documents that carry no business registration number (the corporate registration carries
# the corporate registration number instead).
WITHOUT_BRN = (CREDIT_REPORT, CORPORATE_REGISTRATION)
MAX_AGE = timedelta(days=31)
MAX_UPLOAD_BYTES = 1024 * 1024
EARLIEST_OPENING = date(1900, 1, 1)
MAX_WON = 10**13  # 10조 원: above any small business's sales or guarantees
MAX_CREDIT_SCORE = 1000
MAX_SHARES = 10**12  # shares issued: far above any company's

# (magic prefix, content type, extension)
MAGIC = [
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
]


@dataclass(frozen=True)
class Problem:
    kind: str
    code: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "code": self.code, "detail": self.detail}


def sniff(head: bytes) -> str | None:
    """The content type the bytes really are (PDF, PNG, JPEG), or None."""
    for prefix, content_type, _ext in MAGIC:
        if head.startswith(prefix):
            return content_type
    return None


def check_upload(content: bytes, declared_name: str) -> tuple[str | None, list[str]]:
    """(real content type, problem codes) of an uploaded file."""
    problems = []
    if len(content) == 0:
        problems.append("empty")
    if len(content) > MAX_UPLOAD_BYTES:
        problems.append("too_large")
    real = sniff(content[:16])
    if real is None:
        problems.append("not_pdf_or_image")
    else:
        ext = declared_name.rsplit(".", 1)[-1].lower() if "." in declared_name else ""
        expected = {e for _p, t, e in MAGIC if t == real} | ({"jpeg"} if real == "image/jpeg" else set())
        if ext and ext not in expected:
            problems.append("name_does_not_match_content")
    return real, problems


def _issued(doc: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(doc.get("issued_on", "")))
    except ValueError:
        return None


def required(brn: str) -> tuple[str, ...]:
    """The documents an application for business ``brn`` needs: a company's three more."""
    return REQUIRED + CORPORATE if brn_rules.is_corporation(brn) else REQUIRED


def after_registration(brn: str) -> tuple[str, ...]:
    """What is fetched at the documents step for business ``brn``."""
    return AFTER_REGISTRATION + CORPORATE_AFTER_REGISTRATION if brn_rules.is_corporation(brn) else AFTER_REGISTRATION


def validate(documents: list[dict[str, Any]], applicant_brn: str, today: date) -> list[Problem]:
    """Problems of a set of fetched documents (empty: the set is complete and consistent)."""
    problems: list[Problem] = []
    by_kind: dict[str, dict[str, Any]] = {}
    for doc in documents:
        kind = str(doc.get("kind", ""))
        if kind in by_kind:
            problems.append(Problem(kind, "duplicate", "the same document twice"))
        by_kind[kind] = doc
    for kind in required(applicant_brn):
        if kind not in by_kind:
            problems.append(Problem(kind, "missing", "document missing"))
    names: dict[str, set[str]] = {"business_name": set(), "representative": set()}
    for kind, doc in by_kind.items():
        issued = _issued(doc)
        if issued is None:
            problems.append(Problem(kind, "no_issue_date", "no valid issue date"))
        elif issued > today:
            problems.append(Problem(kind, "issued_in_future", f"issued {issued.isoformat()}, after today"))
        elif today - issued > MAX_AGE:
            problems.append(Problem(kind, "stale", f"issued {issued.isoformat()}, more than a month ago"))
        problems.extend(Problem(kind, code, detail) for code, detail in _value_problems(kind, doc, today))
        if kind in WITHOUT_BRN:
            continue
        number = str(doc.get("brn", ""))
        if not brn_rules.is_valid(number):
            problems.append(Problem(kind, "invalid_brn", "the business registration number on it is not valid"))
        elif brn_rules.normalise(number) != brn_rules.normalise(applicant_brn):
            problems.append(Problem(kind, "brn_mismatch", "issued for another business registration number"))
        for field in names:
            if doc.get(field):
                names[field].add(" ".join(str(doc[field]).split()))
    for field, seen in names.items():
        if len(seen) > 1:
            problems.append(Problem("*", f"{field}_mismatch", " / ".join(sorted(seen))))
    problems.extend(_corporate_problems(by_kind, today))
    return problems


def _corporate_problems(by_kind: dict[str, dict[str, Any]], today: date) -> list[Problem]:
    """What a company's documents say that rules the set out, or disagrees between them."""
    problems: list[Problem] = []
    reg = by_kind.get(REGISTRATION)
    corp = by_kind.get(CORPORATE_REGISTRATION)
    if corp is not None:
        name = corp.get("company_name")
        if reg is not None and isinstance(name, str) and name.strip():
            on_registration = str(reg.get("business_name", ""))
            if corporate.company_name(name) != corporate.company_name(on_registration):
                problems.append(Problem(CORPORATE_REGISTRATION, "company_name_mismatch", f"{name} / {on_registration}"))
        number = str(corp.get("corporate_no", ""))
        stated = reg.get("corporate_no") if reg is not None else None
        if (
            isinstance(stated, str)
            and corporate.is_valid_crn(number)
            and corporate.crn_normalise(stated) != corporate.crn_normalise(number)
        ):
            problems.append(
                Problem(CORPORATE_REGISTRATION, "corporate_no_mismatch", "another company's corporate registration")
            )
        if corp.get("status") in (corporate.DISSOLVED, corporate.LIQUIDATION):
            problems.append(Problem(CORPORATE_REGISTRATION, "company_not_in_force", str(corp["status"])))
    if SHAREHOLDER_REGISTER in by_kind:
        register = register_of(by_kind[SHAREHOLDER_REGISTER])
        if register is not None and not register.adds_up:
            held = sum(s.shares for s in register.shareholders)
            problems.append(
                Problem(SHAREHOLDER_REGISTER, "shares_do_not_add_up", f"{held} held, {register.total_shares} issued")
            )
    if FINANCIAL_STATEMENTS in by_kind:
        statements = statements_of(by_kind[FINANCIAL_STATEMENTS], today)
        if statements is not None and not statements.balances:
            problems.append(Problem(FINANCIAL_STATEMENTS, "statements_do_not_balance", "assets ≠ liabilities + equity"))
        if statements is not None and not statements.recent(today):
            problems.append(
                Problem(FINANCIAL_STATEMENTS, "fiscal_year_not_recent", f"fiscal year {statements.fiscal_year}")
            )
    return problems


def _whole(value: Any, hi: int, lo: int = 0) -> int | None:
    """A whole number from ``lo`` (0) to ``hi`` (booleans and fractions are not), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
        return value
    return None


def _text(value: Any, longest: int = 200) -> str | None:
    """Text of one line, not empty and not too long, else None."""
    if not isinstance(value, str) or not value.strip() or len(value) > longest:
        return None
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in value):
        return None
    return value


def _day(value: Any, today: date) -> date | None:
    """An ISO date from 1900 to today, else None."""
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return None
    return day if EARLIEST_OPENING <= day <= today else None


def directors_of(doc: dict[str, Any]) -> list[corporate.Director] | None:
    """The directors a corporate registration names (name and role), or None when the list is
    not one (empty, or an entry without a name or a role)."""
    raw = doc.get("directors")
    if not isinstance(raw, list) or not raw or len(raw) > 100:
        return None
    out = []
    for entry in raw:
        if not isinstance(entry, dict):
            return None
        name, role = _text(entry.get("name"), 50), _text(entry.get("role"), 30)
        if name is None or role is None:
            return None
        out.append(corporate.Director(name=name, role=" ".join(role.split())))
    return out


def register_of(doc: dict[str, Any]) -> corporate.Register | None:
    """The shareholder register a document states, or None when anything in it is out of
    bounds (a holder without a name, a kind that is neither, shares not a whole number from 1)."""
    raw, total = doc.get("shareholders"), _whole(doc.get("total_shares"), MAX_SHARES, lo=1)
    if not isinstance(raw, list) or not raw or len(raw) > 10_000 or total is None:
        return None
    holders = []
    for entry in raw:
        if not isinstance(entry, dict):
            return None
        name, shares = _text(entry.get("name"), 100), _whole(entry.get("shares"), MAX_SHARES, lo=1)
        kind, group = entry.get("kind"), entry.get("large_group", False)
        if name is None or shares is None or kind not in corporate.SHAREHOLDER_KINDS or not isinstance(group, bool):
            return None
        holders.append(corporate.Shareholder(name=name, kind=str(kind), shares=shares, large_group=group))
    return corporate.Register(shareholders=tuple(holders), total_shares=total)


STATEMENT_FIELDS = ("revenue", "operating_profit", "total_assets", "total_liabilities", "total_equity")
# What may be below zero: a loss, and the equity of a company whose losses exceed its capital.
MAY_BE_NEGATIVE = frozenset({"operating_profit", "total_equity"})


def _statement_values(doc: dict[str, Any], today: date) -> dict[str, int | None]:
    values: dict[str, int | None] = {
        "fiscal_year": _whole(doc.get("fiscal_year"), today.year, lo=EARLIEST_OPENING.year)
    }
    for field in STATEMENT_FIELDS:
        values[field] = _whole(doc.get(field), MAX_WON, lo=-MAX_WON if field in MAY_BE_NEGATIVE else 0)
    return values


def statements_of(doc: dict[str, Any], today: date) -> corporate.Statements | None:
    """The financial statements a document states, or None when a figure is out of bounds."""
    values = _statement_values(doc, today)
    if any(v is None for v in values.values()):
        return None
    return corporate.Statements(**{k: int(v) for k, v in values.items() if v is not None})


def _opened(doc: dict[str, Any], today: date) -> date | None:
    try:
        opened = date.fromisoformat(str(doc.get("opened_on", "")))
    except ValueError:
        return None
    return opened if EARLIEST_OPENING <= opened <= today else None


def _sales(doc: dict[str, Any], today: date) -> dict[int, int] | None:
    raw = doc.get("sales_by_year")
    if not isinstance(raw, dict):
        return None
    out: dict[int, int] = {}
    for year, amount in raw.items():
        y = str(year)
        if not (y.isascii() and y.isdigit() and len(y) == 4 and EARLIEST_OPENING.year <= int(y) <= today.year):
            return None
        won = _whole(amount, MAX_WON)
        if won is None:
            return None
        out[int(y)] = won
    return out


def _value_problems(kind: str, doc: dict[str, Any], today: date) -> list[tuple[str, str]]:
    """What in one document is out of bounds: (code, field)."""
    found = []
    if kind == REGISTRATION and _opened(doc, today) is None:
        found.append(("invalid_value", "opened_on"))
    if kind == "vat_tax_base" and _sales(doc, today) is None:
        found.append(("invalid_value", "sales_by_year"))
    if kind in ("national_tax_payment", "local_tax_payment") and not isinstance(doc.get("arrears"), bool):
        found.append(("invalid_value", "arrears"))
    if kind == CREDIT_REPORT:
        if doc.get("score") is not None and _whole(doc.get("score"), MAX_CREDIT_SCORE) is None:
            found.append(("invalid_value", "score"))
        if _whole(doc.get("guarantee_balance", 0) or 0, MAX_WON) is None:
            found.append(("invalid_value", "guarantee_balance"))
    if kind == CORPORATE_REGISTRATION:
        found += _corporate_registration_values(doc, today)
    if kind == SHAREHOLDER_REGISTER and register_of(doc) is None:
        found.append(("invalid_value", "shareholders"))
    if kind == FINANCIAL_STATEMENTS:
        found += [("invalid_value", field) for field, v in _statement_values(doc, today).items() if v is None]
    return found


def _corporate_registration_values(doc: dict[str, Any], today: date) -> list[tuple[str, str]]:
    found = []
    if not corporate.is_valid_crn(str(doc.get("corporate_no", ""))):
        found.append(("invalid_corporate_no", "corporate_no"))
    for field in ("company_name", "head_office"):
        if _text(doc.get(field)) is None:
            found.append(("invalid_value", field))
    if _day(doc.get("incorporated_on"), today) is None:
        found.append(("invalid_value", "incorporated_on"))
    if doc.get("status") not in corporate.STATUSES:
        found.append(("invalid_value", "status"))
    directors = directors_of(doc)
    if directors is None:
        found.append(("invalid_value", "directors"))
    elif not any(d.chief_executive for d in directors):
        found.append(("no_chief_executive", "directors"))
    return found


def business_from(registration: dict[str, Any], today: date) -> Business | None:
    """What the registration certificate says about the business, or None when it does not
    say when the business opened (then nothing can be decided from it)."""
    opened = _opened(registration, today)
    if opened is None:
        return None
    return Business(
        opened_on=opened,
        in_seoul=str(registration.get("address", "")).startswith("서울"),
        closed=registration.get("status") == "closed",
        industry=str(registration.get("industry", "")),
        prior_closure=registration.get("prior_closure") is True,
        district=district_of(registration),
    )


def district_of(registration: dict[str, Any]) -> str | None:
    """The Seoul district (Korean name, e.g. "중구") of the registration's address, if it names one."""
    parts = str(registration.get("address", "")).split()
    if len(parts) < 2 or not parts[0].startswith("서울"):
        return None
    return parts[1] if parts[1].endswith("구") else None


def facts_from(documents: list[dict[str, Any]], today: date) -> dict[str, Any]:
    """The screening facts the fetched documents state (keys of ``screening.Facts``); a value
    out of bounds is left unknown (None), never trusted."""
    by_kind = {str(d.get("kind")): d for d in documents}
    reg = by_kind.get(REGISTRATION, {})
    vat = by_kind.get("vat_tax_base", {})
    national = by_kind.get("national_tax_payment", {})
    local = by_kind.get("local_tax_payment", {})
    credit = by_kind.get(CREDIT_REPORT, {})
    sales = _sales(vat, today) or {}
    years = sorted(sales)
    statements = statements_of(by_kind.get(FINANCIAL_STATEMENTS, {}), today)
    register = register_of(by_kind.get(SHAREHOLDER_REGISTER, {}))
    out: dict[str, Any] = {
        "opened_on": _opened(reg, today),
        "in_seoul": str(reg.get("address", "")).startswith("서울"),
        "district": district_of(reg),
        "closed": reg.get("status") == "closed",
        "industry": str(reg.get("industry", "")),
        "tax_arrears": national.get("arrears") is True or local.get("arrears") is True,
        "sales_last_year": sales[years[-1]] if years else None,
        "sales_year_before": sales[years[-2]] if len(years) > 1 else None,
        "credit_score": _whole(credit.get("score"), MAX_CREDIT_SCORE),
        "existing_guarantee_balance": _whole(credit.get("guarantee_balance", 0) or 0, MAX_WON) or 0,
        "prior_closure": reg.get("prior_closure") is True,
        "capital_impaired": statements is not None and statements.capital_impaired,
        "large_group_affiliate": register is not None and register.affiliate,
        "large_group_shareholder": register is not None and register.group_shareholder,
    }
    if statements is not None:
        # a company's sales are its revenue in the statements; the year before it, for the
        # trend, from the VAT certificate when it states that year
        out["sales_last_year"] = statements.revenue
        out["sales_year_before"] = sales.get(statements.fiscal_year - 1)
    return out


@dataclass(frozen=True)
class CompanySummary:
    """What an examiner and the applicant read about a company, from its documents (each value
    read as defensively as for screening: out of bounds, it is not shown)."""

    company_name: str
    corporate_no: str  # XXXXXX-XXXXXXX; "" when the number on the registration is not valid
    status: str  # in_force | dissolved | liquidation | ""
    chief_executives: tuple[str, ...]
    largest_shareholders: tuple[tuple[str, float], ...]  # name and share of the shares issued
    fiscal_year: int | None
    revenue: int | None
    total_equity: int | None


def company_summary(documents: list[dict[str, Any]], today: date) -> CompanySummary | None:
    """A company's facts from its fetched documents; None without a corporate registration."""
    by_kind = {str(d.get("kind")): d for d in documents}
    corp = by_kind.get(CORPORATE_REGISTRATION)
    if corp is None:
        return None
    number = str(corp.get("corporate_no", ""))
    directors = directors_of(corp) or []
    register = register_of(by_kind.get(SHAREHOLDER_REGISTER, {}))
    statements = statements_of(by_kind.get(FINANCIAL_STATEMENTS, {}), today)
    status = corp.get("status")
    return CompanySummary(
        company_name=_text(corp.get("company_name")) or "",
        corporate_no=corporate.formatted_crn(number) if corporate.is_valid_crn(number) else "",
        status=str(status) if status in corporate.STATUSES else "",
        chief_executives=tuple(d.name for d in directors if d.chief_executive),
        largest_shareholders=tuple((s.name, share) for s, share in register.largest()) if register else (),
        fiscal_year=statements.fiscal_year if statements else None,
        revenue=statements.revenue if statements else None,
        total_equity=statements.total_equity if statements else None,
    )


def person_name(text: str) -> str:
    """A person's name as compared between documents and the identity provider: Unicode
    normalised (NFC), without spaces, case-folded."""
    return "".join(unicodedata.normalize("NFC", text).split()).casefold()
