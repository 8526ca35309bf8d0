"""The programme's KPIs from plain rows: businesses with at least one live listing, live
listings per marketplace, net export sales (won) per month, marketplace and country, and the
logistics subsidy paid against the budget."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ListingRow:
    application: int
    marketplace: str
    live: bool


@dataclass(frozen=True)
class SalesRow:
    month: str
    marketplace: str
    country: str
    orders: int
    net_won: int


@dataclass(frozen=True)
class Kpis:
    applications: int
    selected: int
    businesses_listed: int
    live_by_marketplace: dict[str, int]
    sales: list[tuple[str, str, str, int, int]]  # month, marketplace, country, orders, net won
    sales_total_won: int
    subsidy_paid_won: int
    subsidy_budget_won: int

    @property
    def budget_used(self) -> float | None:
        return self.subsidy_paid_won / self.subsidy_budget_won if self.subsidy_budget_won else None

    def to_dict(self) -> dict[str, object]:
        return {
            "applications": self.applications,
            "selected": self.selected,
            "businesses_listed": self.businesses_listed,
            "live_listings_by_marketplace": self.live_by_marketplace,
            "export_sales": [
                {"month": m, "marketplace": mk, "country": c, "orders": o, "net_won": w}
                for m, mk, c, o, w in self.sales
            ],
            "export_sales_total_won": self.sales_total_won,
            "subsidy_paid_won": self.subsidy_paid_won,
            "subsidy_budget_won": self.subsidy_budget_won,
            "subsidy_budget_used": self.budget_used,
        }


def compute(
    *,
    applications: int,
    selected: int,
    listings: Iterable[ListingRow],
    sales: Iterable[SalesRow],
    subsidy_paid_won: int,
    subsidy_budget_won: int,
    marketplaces: Iterable[str] = (),
) -> Kpis:
    live: dict[str, int] = dict.fromkeys(marketplaces, 0)
    listed: set[int] = set()
    for row in listings:
        if row.live:
            live[row.marketplace] = live.get(row.marketplace, 0) + 1
            listed.add(row.application)
    totals: dict[tuple[str, str, str], list[int]] = {}
    for s in sales:
        t = totals.setdefault((s.month, s.marketplace, s.country), [0, 0])
        t[0] += s.orders
        t[1] += s.net_won
    rows = [(m, mk, c, o, w) for (m, mk, c), (o, w) in sorted(totals.items())]
    return Kpis(
        applications=applications,
        selected=selected,
        businesses_listed=len(listed),
        live_by_marketplace=live,
        sales=rows,
        sales_total_won=sum(r[4] for r in rows),
        subsidy_paid_won=subsidy_paid_won,
        subsidy_budget_won=subsidy_budget_won,
    )
