"""What a decision may give: the amount within the stage's ticket limits for the instrument, the
instrument's terms within the fund's bounds, and tranches that add up to the amount.

Each check returns the problems as ``(field, code, params)``; the app words them. Codes:
``ticket`` (amount outside the stage's limits: ``lo``, ``hi``), ``bound`` (a term outside the
fund's bounds: ``lo``, ``hi``), ``required`` (a term the instrument needs is missing),
``tranche_sum`` (``total``, ``amount``), ``tranche_count`` (``max``), ``tranche_amount``,
``tranche_order`` (due dates must not go backwards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from seoul.fund.engine.rules import Rules

Problem = tuple[str, str, dict[str, float | int | str]]

#: the decision's fields each instrument needs, with the bound names in ``rules.instruments``
TERM_FIELDS = {
    "equity": {"equity_percent": "percent"},
    "convertible": {"discount_percent": "discount", "valuation_cap": "cap", "term_months": "term_months"},
    "loan": {"interest_rate": "rate", "term_months": "term_months"},
}


@dataclass(frozen=True)
class Terms:
    instrument: str
    amount: int
    equity_percent: float | None = None
    valuation_cap: int | None = None
    discount_percent: float | None = None
    interest_rate: float | None = None
    term_months: int | None = None


def check_terms(rules: Rules, stage: str, terms: Terms) -> list[Problem]:
    problems: list[Problem] = []
    found = rules.stage(stage)
    limits = found.tickets.get(terms.instrument) if found else None
    if limits is None:
        problems.append(("instrument", "no_ticket", {}))
    elif not limits[0] <= terms.amount <= limits[1]:
        problems.append(("amount", "ticket", {"lo": limits[0], "hi": limits[1]}))
    bounds = rules.instruments.get(terms.instrument, {})
    for field, bound in TERM_FIELDS.get(terms.instrument, {}).items():
        value = getattr(terms, field)
        if value is None:
            problems.append((field, "required", {}))
            continue
        lo, hi = bounds[f"{bound}_min"], bounds[f"{bound}_max"]
        if not lo <= float(value) <= hi:
            problems.append((field, "bound", {"lo": lo, "hi": hi}))
    return problems


def check_tranches(rules: Rules, amount: int, tranches: list[tuple[int, date]]) -> list[Problem]:
    """``tranches``: (amount, due date) in their order."""
    problems: list[Problem] = []
    if not 1 <= len(tranches) <= rules.tranches_max:
        problems.append(("tranches", "tranche_count", {"max": rules.tranches_max}))
    for i, (part, _due) in enumerate(tranches):
        if part <= 0:
            problems.append((f"tranche_{i + 1}_amount", "tranche_amount", {}))
    total = sum(p for p, _d in tranches)
    if tranches and total != amount:
        problems.append(("tranches", "tranche_sum", {"total": total, "amount": amount}))
    dues = [d for _p, d in tranches]
    if dues != sorted(dues):
        problems.append(("tranches", "tranche_order", {}))
    return problems
