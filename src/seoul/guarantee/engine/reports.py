"""The guarantee book by product and year (issue 18): for each product and each year in which
its guarantees were issued — guarantees issued and their amount, loans paid out, what is still
owed and guaranteed, defaults and the default rate, what the foundation paid banks
(subrogation), what it recovered and wrote off, and the recovery rate. Plain Python.

* **default rate** = loans declared in default ÷ loans paid out (the cohort's, so far);
* **recovery rate** = recovered ÷ paid to banks (written off counts as not recovered).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Guarantee:
    """One issued guarantee as the report needs it (amounts in won)."""

    product: str
    year: int
    guaranteed: int
    paid_out: bool = False
    outstanding: int = 0
    guarantee_balance: int = 0
    defaulted: bool = False
    subrogated: int = 0
    recovered: int = 0
    written_off: int = 0


@dataclass(frozen=True)
class Row:
    product: str
    year: int
    issued: int
    guaranteed: int
    loans: int
    outstanding: int
    guarantee_balance: int
    defaults: int
    subrogation_paid: int
    recovered: int
    written_off: int

    @property
    def default_rate(self) -> float | None:
        return self.defaults / self.loans if self.loans else None

    @property
    def recovery_rate(self) -> float | None:
        return self.recovered / self.subrogation_paid if self.subrogation_paid else None

    def as_dict(self) -> dict[str, object]:
        return {
            "product": self.product,
            "year": self.year,
            "issued": self.issued,
            "guaranteed": self.guaranteed,
            "loans": self.loans,
            "outstanding": self.outstanding,
            "guarantee_balance": self.guarantee_balance,
            "defaults": self.defaults,
            "default_rate": self.default_rate,
            "subrogation_paid": self.subrogation_paid,
            "recovered": self.recovered,
            "written_off": self.written_off,
            "recovery_rate": self.recovery_rate,
        }


def by_product_and_year(guarantees: Iterable[Guarantee]) -> list[Row]:
    """One row per product and year of issue, sorted by year then product."""
    groups: dict[tuple[str, int], list[Guarantee]] = {}
    for g in guarantees:
        groups.setdefault((g.product, g.year), []).append(g)
    rows = []
    for (product, year), items in groups.items():
        rows.append(
            Row(
                product=product,
                year=year,
                issued=len(items),
                guaranteed=sum(g.guaranteed for g in items),
                loans=sum(1 for g in items if g.paid_out),
                outstanding=sum(g.outstanding for g in items),
                guarantee_balance=sum(g.guarantee_balance for g in items),
                defaults=sum(1 for g in items if g.defaulted),
                subrogation_paid=sum(g.subrogated for g in items),
                recovered=sum(g.recovered for g in items),
                written_off=sum(g.written_off for g in items),
            )
        )
    return sorted(rows, key=lambda r: (r.year, r.product))


__all__ = ["Guarantee", "Row", "by_product_and_year"]
