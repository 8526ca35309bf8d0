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

Uploads are checked by their first bytes (magic numbers), never by the name or the type the
browser claims, and by size.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from seoul.core.engine import brn as brn_rules
from seoul.guarantee.engine.screening import Business

REGISTRATION = "business_registration"
REQUIRED = (REGISTRATION, "vat_tax_base", "national_tax_payment", "local_tax_payment")
CREDIT_REPORT = "credit_report"
# Fetched once the registration has shown that the applicant represents the business.
AFTER_REGISTRATION = ("vat_tax_base", "national_tax_payment", "local_tax_payment", CREDIT_REPORT)
# An applicant may upload these instead of having them fetched; the registration is always
# fetched, because it is what shows who represents the business.
UPLOADABLE = ("vat_tax_base", "national_tax_payment", "local_tax_payment")
MAX_AGE = timedelta(days=31)
MAX_UPLOAD_BYTES = 1024 * 1024
EARLIEST_OPENING = date(1900, 1, 1)
MAX_WON = 10**13  # 10조 원: above any small business's sales or guarantees
MAX_CREDIT_SCORE = 1000

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


def validate(documents: list[dict[str, Any]], applicant_brn: str, today: date) -> list[Problem]:
    """Problems of a set of fetched documents (empty: the set is complete and consistent)."""
    problems: list[Problem] = []
    by_kind: dict[str, dict[str, Any]] = {}
    for doc in documents:
        kind = str(doc.get("kind", ""))
        if kind in by_kind:
            problems.append(Problem(kind, "duplicate", "the same document twice"))
        by_kind[kind] = doc
    for kind in REQUIRED:
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
        if kind == CREDIT_REPORT:
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
    return problems


def _whole(value: Any, hi: int) -> int | None:
    """A whole number from 0 to ``hi`` (booleans and fractions are not), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= hi:
        return value
    return None


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
    }
    return out


def person_name(text: str) -> str:
    """A person's name as compared between documents and the identity provider: Unicode
    normalised (NFC), without spaces, case-folded."""
    return "".join(unicodedata.normalize("NFC", text).split()).casefold()
