"""The foundation's claim on a business after it paid the bank (구상채권, issue 18).

When the foundation has paid the bank its guaranteed share of a defaulted loan (subrogation,
``engine/loanbook.py``), it may recover that amount from the business. The claim is kept here:
a recovery plan of monthly instalments agreed with the business, the recoveries as they come
in, and its end — recovered in full, or written off.

A claim may be written off

* when the **limitation period** has run: commercial claims are extinguished after five years
  (상법 제64조), counted again from each payment, since a payment acknowledges the debt and
  interrupts prescription (민법 제168조 3호, 제178조 ①) — so the period runs from the later of
  the payment to the bank and the last recovery; or
* earlier, with a documented reason an approver answers for (discharge in bankruptcy, no
  assets found after an investigation, the debtor's death without an estate); the action
  checks the role.

Delay damages (지연손해금) are not computed: the claim is the amount paid to the bank. Money is
in whole won; each movement is a balanced ledger entry on the accounts of
:data:`seoul.guarantee.engine.loanbook.ACCOUNTS`. Plain Python (no Django).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from seoul.guarantee.engine.loanbook import Line, add_months

#: Years after which a commercial claim is extinguished (상법 제64조).
LIMITATION_YEARS = 5
#: The longest recovery plan the foundation agrees to, in months (our assumption, documented in
#: docs/guarantee.md: five years, as the restart programmes' debt adjustments).
MAX_PLAN_MONTHS = 60
#: Reasons for writing a claim off before the limitation period has run.
EARLY_WRITE_OFF = ("bankruptcy_discharge", "no_assets", "deceased_no_estate")
STATUSES = ("open", "recovered", "written_off")


@dataclass(frozen=True)
class PlanInstalment:
    number: int
    due: date
    amount: int


def plan(amount: int, months: int, first_due: date) -> list[PlanInstalment]:
    """Equal monthly instalments of ``amount`` won (the odd won in the last one)."""
    if amount <= 0:
        raise ValueError("there is nothing to plan")
    if not 1 <= months <= MAX_PLAN_MONTHS:
        raise ValueError(f"a plan has 1 to {MAX_PLAN_MONTHS} monthly instalments")
    months = min(months, amount)
    each = amount // months
    out = [PlanInstalment(n + 1, add_months(first_due, n), each) for n in range(months)]
    last = out[-1]
    out[-1] = PlanInstalment(last.number, last.due, amount - each * (months - 1))
    return out


def limitation_ends(opened: date, last_payment: date | None) -> date:
    """The day the claim is extinguished if nothing more is paid."""
    start = max(opened, last_payment) if last_payment else opened
    return add_months(start, 12 * LIMITATION_YEARS)


@dataclass(frozen=True)
class Movement:
    """A recovery or a write-off: the balanced lines it adds to the ledger."""

    kind: str
    on: date
    amount: int
    lines: tuple[Line, ...]


@dataclass
class Claim:
    """The foundation's claim of ``amount`` won, opened the day it paid the bank."""

    amount: int
    opened: date
    recovered: int = 0
    written_off: int = 0
    last_payment: date | None = None
    status: str = "open"
    movements: list[Movement] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a claim is a positive amount")

    @property
    def remaining(self) -> int:
        return self.amount - self.recovered - self.written_off

    @property
    def recovery_rate(self) -> float:
        return self.recovered / self.amount

    def limitation_ends(self) -> date:
        return limitation_ends(self.opened, self.last_payment)

    def recovery_problem(self, amount: int, on: date, today: date) -> str:
        """Why a recovery cannot be recorded ("" when it can)."""
        if self.status != "open":
            return "the claim is closed"
        if amount <= 0:
            return "a recovery is a positive amount"
        if amount > self.remaining:
            return f"{amount:,} won is more than the {self.remaining:,} won still owed"
        if on < self.opened:
            return "a recovery cannot be before the foundation paid the bank"
        if on > today:
            return "a recovery cannot be in the future"
        return ""

    def recover(self, amount: int, on: date, today: date) -> Movement:
        problem = self.recovery_problem(amount, on, today)
        if problem:
            raise ValueError(problem)
        self.recovered += amount
        self.last_payment = max(self.last_payment or on, on)
        if self.remaining == 0:
            self.status = "recovered"
        move = Movement(
            "recovered",
            on,
            amount,
            (Line("foundation_funds", debit=amount), Line("recourse_claim", credit=amount)),
        )
        self.movements.append(move)
        return move

    def write_off_problem(self, on: date, reason: str) -> str:
        """Why the claim cannot be written off on ``on`` for ``reason`` ("" when it can):
        ``limitation`` once the limitation period has run, or one of :data:`EARLY_WRITE_OFF`."""
        if self.status != "open":
            return "the claim is closed"
        if reason == "limitation":
            ends = self.limitation_ends()
            return "" if on >= ends else f"the limitation period runs until {ends.isoformat()}"
        if reason not in EARLY_WRITE_OFF:
            return f"unknown reason {reason!r}"
        return ""

    def write_off(self, on: date, reason: str) -> Movement:
        problem = self.write_off_problem(on, reason)
        if problem:
            raise ValueError(problem)
        amount = self.remaining
        self.written_off += amount
        self.status = "written_off"
        move = Movement(
            "written_off",
            on,
            amount,
            (Line("claim_written_off", debit=amount), Line("recourse_claim", credit=amount)),
        )
        self.movements.append(move)
        return move


#: A business's standing on its claims with the foundation, worst first (``none``: no claim).
STANDINGS = ("behind", "no_plan", "written_off", "kept", "recovered", "none")


def standing(claim: Claim, plan_rows: list[PlanInstalment], today: date) -> str:
    """One claim's standing: ``recovered`` or ``written_off`` when closed; while open,
    ``no_plan`` without a plan, ``kept`` when what was paid covers every instalment due by
    ``today`` (성실상환), else ``behind``."""
    if claim.status != "open":
        return claim.status
    if not plan_rows:
        return "no_plan"
    due = sum(r.amount for r in plan_rows if r.due <= today)
    return "kept" if claim.recovered >= due else "behind"


def to_pay(claim: Claim, plan_rows: list[PlanInstalment], today: date) -> int:
    """What the business pays when it pays online now: what its plan made due by ``today`` and
    it has not paid yet, or — nothing being overdue — up to the end of its next instalment; never
    more than it still owes (0 for a closed claim or one without a plan)."""
    if claim.status != "open" or not plan_rows:
        return 0
    overdue = sum(r.amount for r in plan_rows if r.due <= today) - claim.recovered
    if overdue <= 0:
        cumulative = 0
        for row in plan_rows:
            cumulative += row.amount
            if cumulative > claim.recovered:
                overdue = cumulative - claim.recovered
                break
    return max(0, min(overdue, claim.remaining))


def worst(standings: list[str]) -> str:
    """The standing that counts for a business with several claims: the worst of them."""
    return min(standings, key=STANDINGS.index) if standings else "none"


__all__ = [
    "EARLY_WRITE_OFF",
    "LIMITATION_YEARS",
    "MAX_PLAN_MONTHS",
    "STANDINGS",
    "STATUSES",
    "Claim",
    "Movement",
    "PlanInstalment",
    "limitation_ends",
    "plan",
    "standing",
    "to_pay",
    "worst",
]
