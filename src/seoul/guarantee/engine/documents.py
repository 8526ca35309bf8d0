"""Checking the documents of an application, fetched or uploaded.

Fetched documents are JSON from the public-data document service (see
``seoul.guarantee.adapters``); four kinds are required: the business registration certificate
(사업자등록증명), the VAT tax-base certificate (부가가치세 과세표준증명), the national tax payment
certificate (국세 납세증명서) and the local tax payment certificate (지방세 납세증명서), plus the
credit report the applicant consented to. Checks: each kind present once, issued within the
last month and not in the future, the business registration number valid and the same on
every document and equal to the one the applicant gave, and the business and representative
names the same everywhere.

Uploads are checked by their first bytes (magic numbers), never by the name or the type the
browser claims, and by size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from seoul.guarantee.engine import brn as brn_rules

REQUIRED = ("business_registration", "vat_tax_base", "national_tax_payment", "local_tax_payment")
CREDIT_REPORT = "credit_report"
MAX_AGE = timedelta(days=31)
MAX_UPLOAD_BYTES = 1024 * 1024

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


def facts_from(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """The screening facts the fetched documents state (keys of ``screening.Facts``)."""
    by_kind = {str(d.get("kind")): d for d in documents}
    reg = by_kind.get("business_registration", {})
    vat = by_kind.get("vat_tax_base", {})
    national = by_kind.get("national_tax_payment", {})
    local = by_kind.get("local_tax_payment", {})
    credit = by_kind.get(CREDIT_REPORT, {})
    sales = vat.get("sales_by_year") or {}
    years = sorted(sales)
    out: dict[str, Any] = {
        "opened_on": date.fromisoformat(reg["opened_on"]) if reg.get("opened_on") else None,
        "in_seoul": str(reg.get("address", "")).startswith("서울"),
        "closed": reg.get("status") == "closed",
        "industry": str(reg.get("industry", "")),
        "tax_arrears": bool(national.get("arrears")) or bool(local.get("arrears")),
        "sales_last_year": int(sales[years[-1]]) if years else None,
        "sales_year_before": int(sales[years[-2]]) if len(years) > 1 else None,
        "credit_score": int(credit["score"]) if credit.get("score") is not None else None,
        "existing_guarantee_balance": int(credit.get("guarantee_balance", 0) or 0),
        "prior_closure": bool(reg.get("prior_closure")),
    }
    return out
