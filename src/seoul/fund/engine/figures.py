"""The fund's figures, from its decisions, tranches paid, distributions and valuations.

* committed = Σ amounts of the investment decisions; remaining = size − committed;
  invested (paid-in) = Σ tranches paid; each also by sector and by stage.
* residual value of an investee = its latest valuation on or before the day; one never valued
  is carried at cost (what was paid in) — our assumption, the usual convention until a first
  valuation.
* TVPI = (distributions + residual value) ÷ paid-in (None while nothing was paid in).
* IRR = the annual rate ``r`` at which the dated cash flows' net present value is 0
  (XIRR, actual/365): tranches paid are outflows, distributions inflows, and the residual
  value an inflow on the day. Found with ``scipy.optimize.brentq`` on a bracket that
  changes sign (ADR 0032); None when the flows never change sign.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from scipy.optimize import brentq

Flow = tuple[date, float]
LOWEST_RATE = -0.9999  # a total loss within a day tends to −100 %
HIGHEST_RATE = 1e6


def npv(rate: float, flows: Sequence[Flow]) -> float:
    """Σ amount ÷ (1 + rate)^(days since the first flow ÷ 365)."""
    start = min(d for d, _a in flows)
    return float(sum(a / (1.0 + rate) ** ((d - start).days / 365.0) for d, a in flows))


def xirr(flows: Sequence[Flow]) -> float | None:
    """The annual rate with NPV 0, or None without both an outflow and an inflow (or no root)."""
    if not any(a < 0 for _d, a in flows) or not any(a > 0 for _d, a in flows):
        return None
    lo, hi = -0.99, 1.0
    f_lo, f_hi = npv(lo, flows), npv(hi, flows)
    while f_lo * f_hi > 0 and hi < HIGHEST_RATE:
        hi *= 10
        f_hi = npv(hi, flows)
    if f_lo * f_hi > 0:
        lo = LOWEST_RATE
        f_lo = npv(lo, flows)
        if f_lo * f_hi > 0:
            return None
    return float(brentq(npv, lo, hi, args=(flows,), xtol=1e-12, rtol=1e-10, maxiter=500))


def tvpi(paid_in: float, distributions: float, residual: float) -> float | None:
    return (distributions + residual) / paid_in if paid_in > 0 else None


@dataclass(frozen=True)
class Investment:
    sector: str
    stage: str
    committed: int
    paid: tuple[Flow, ...] = ()
    distributions: tuple[Flow, ...] = ()
    valuations: tuple[Flow, ...] = ()

    def paid_in(self, on: date) -> float:
        return sum(a for d, a in self.paid if d <= on)

    def distributed(self, on: date) -> float:
        return sum(a for d, a in self.distributions if d <= on)

    def residual(self, on: date) -> float:
        seen = [(d, v) for d, v in self.valuations if d <= on]
        if seen:
            return max(seen, key=lambda dv: dv[0])[1]
        return self.paid_in(on)


@dataclass
class Totals:
    committed: int = 0
    invested: float = 0
    count: int = 0


@dataclass(frozen=True)
class Figures:
    size: int
    committed: int
    invested: float
    remaining: int
    distributed: float
    residual: float
    tvpi: float | None
    irr: float | None
    by_sector: dict[str, Totals] = field(default_factory=dict)
    by_stage: dict[str, Totals] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        def rows(d: dict[str, Totals]) -> dict[str, dict[str, float]]:
            return {k: {"committed": t.committed, "invested": t.invested, "count": t.count} for k, t in d.items()}

        return {
            "size": self.size,
            "committed": self.committed,
            "invested": self.invested,
            "remaining": self.remaining,
            "distributed": self.distributed,
            "residual": self.residual,
            "tvpi": None if self.tvpi is None else round(self.tvpi, 4),
            "irr": None if self.irr is None else round(self.irr, 4),
            "by_sector": rows(self.by_sector),
            "by_stage": rows(self.by_stage),
        }


def figures(
    size: int, investments: Iterable[Investment], on: date, *, sectors: Sequence[str] = (), stages: Sequence[str] = ()
) -> Figures:
    """The fund's figures as of ``on`` (``sectors``/``stages``: codes listed even when empty)."""
    items = list(investments)
    by_sector = {s: Totals() for s in sectors}
    by_stage = {s: Totals() for s in stages}
    flows: list[Flow] = []
    for inv in items:
        for bucket in (by_sector.setdefault(inv.sector, Totals()), by_stage.setdefault(inv.stage, Totals())):
            bucket.committed += inv.committed
            bucket.invested += inv.paid_in(on)
            bucket.count += 1
        flows += [(d, -a) for d, a in inv.paid if d <= on]
        flows += [(d, a) for d, a in inv.distributions if d <= on]
    committed = sum(i.committed for i in items)
    paid = sum(i.paid_in(on) for i in items)
    distributed = sum(i.distributed(on) for i in items)
    residual = sum(i.residual(on) for i in items)
    if residual > 0:
        flows.append((on, residual))
    return Figures(
        size=size,
        committed=committed,
        invested=paid,
        remaining=size - committed,
        distributed=distributed,
        residual=residual,
        tvpi=tvpi(paid, distributed, residual),
        irr=xirr(flows) if flows else None,
        by_sector=by_sector,
        by_stage=by_stage,
    )
