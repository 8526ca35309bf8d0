"""The life of a guaranteed loan after the bank pays it out (issue 18): its repayment schedule,
the bank's reports of what happened to it, the outstanding loan, the guarantee balance and a
double-entry ledger that must agree with the bank's statement.

The bank reports each loan's events by signed webhook (``actions/bank.py``) with a **sequence
number per loan** (1 = the disbursement). Webhooks arrive late, twice, or in the wrong order, so
a :class:`LoanBook` applies the events strictly in sequence: a repeat (same event id and same
content) changes nothing; an event ahead of a gap waits (``parked``) and is applied as soon as
the gap is filled; an event that cannot be true given what came before (a repayment larger than
the outstanding loan, anything after the loan was closed) is refused with its reason and changes
nothing — the bank's statement will then differ, and :func:`reconcile` says where.

Money is in whole won (``int``); the guarantee balance is ``floor(coverage × outstanding)``
(the foundation guarantees that share of what is still owed). The ledger has one entry per
applied event, each balanced:

========================  =========================================================
account                   what its balance is
========================  =========================================================
``loan_outstanding``      principal the business still owes the bank (debit)
``bank_funds``            the bank's money lent out less what came back (credit)
``interest_received``     interest the bank received (credit)
``guarantee_exposure``    the foundation's guarantee on the loan (memorandum, debit)
``guarantee_liability``   its counterpart (memorandum, credit)
``recourse_claim``        what the business owes the foundation after subrogation (debit)
``foundation_funds``      the foundation's money paid out less what it recovered (credit)
``claim_written_off``     claims written off as lost (debit)
========================  =========================================================

so ``loan_outstanding`` equals the bank statement's outstanding and ``guarantee_exposure`` the
guarantee balance, which the property test checks after every delivery.

**Default and subrogation (대위변제).** After the bank declares a default the foundation reviews
it and pays the bank its guaranteed share — ``floor(coverage × outstanding)`` at default — and
the bank confirms the receipt as the loan's next event (``subrogated``, its amount in
``principal``); any other amount is refused. The bank's loan is reduced by what it received (the
rest is the bank's own loss to collect), the guarantee is discharged (its balance is 0) and the
amount becomes the foundation's claim on the business (구상채권, ``engine/claims.py``).

**Extension at term (기한연장).** When the foundation has extended its guarantee
(``engine/renewal.py``) the bank extends the loan and reports it (``extended``, with the new
term in ``maturity``): only a loan being repaid normally is extended, and only to a later day.
No money moves, so its ledger entry has no lines; the book counts the extensions and keeps the
latest term, which the bank's statement states too. The engine is plain Python (no Django).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

#: What the bank reports about a loan.
KINDS = ("disbursed", "repaid", "prepaid", "arrears", "cured", "defaulted", "subrogated", "extended")
EventKind = Literal["disbursed", "repaid", "prepaid", "arrears", "cured", "defaulted", "subrogated", "extended"]
#: Repayment methods: 원금균등분할 (the same principal each month), 원리금균등분할 (the same
#: instalment each month), 만기일시 (all the principal at the end).
METHODS = ("equal_principal", "annuity", "bullet")

ACCOUNTS = (
    "loan_outstanding",
    "bank_funds",
    "interest_received",
    "guarantee_exposure",
    "guarantee_liability",
    "recourse_claim",
    "foundation_funds",
    "claim_written_off",
)


# ---------------------------------------------------------------------------------------------
# The schedule
# ---------------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Terms:
    """A loan's repayment terms: ``grace_months`` of interest only, then the principal over the
    remaining months of ``term_months`` by ``method`` (e.g. 1 year grace, then 4 years of equal
    instalments: ``term_months=60, grace_months=12``). ``annual_rate`` is a fraction."""

    principal: int
    annual_rate: Decimal
    term_months: int
    grace_months: int = 0
    method: str = "equal_principal"

    def __post_init__(self) -> None:
        problems = []
        if self.principal <= 0:
            problems.append("principal must be positive")
        if not Decimal(0) <= self.annual_rate < Decimal(1):
            problems.append("annual_rate is a fraction between 0 and 1")
        if self.term_months < 1 or not 0 <= self.grace_months < self.term_months:
            problems.append("term_months ≥ 1 and 0 ≤ grace_months < term_months")
        if self.method not in METHODS:
            problems.append(f"method must be one of {', '.join(METHODS)}")
        if problems:
            raise ValueError("invalid terms: " + "; ".join(problems))


@dataclass(frozen=True)
class Instalment:
    number: int
    due: date
    principal: int
    interest: int
    outstanding_after: int

    @property
    def total(self) -> int:
        return self.principal + self.interest


def _floor(x: Decimal) -> int:
    return int(x.to_integral_value(rounding=ROUND_FLOOR))


def share(coverage: Decimal, outstanding: int) -> int:
    """The guaranteed share of ``outstanding`` won: ``floor(coverage × outstanding)``."""
    return _floor(coverage * outstanding)


def schedule(terms: Terms, start: date) -> list[Instalment]:
    """The monthly instalments from ``start`` (the disbursement day): interest is the month's
    share of the yearly rate on what is owed, won below one dropped (원 미만 절사); the last
    instalment takes what rounding left of the principal."""
    monthly = terms.annual_rate / 12
    owed = terms.principal
    paying = terms.term_months - terms.grace_months
    if terms.method == "annuity" and monthly > 0:
        factor = (1 + monthly) ** paying
        level = Decimal(terms.principal) * monthly * factor / (factor - 1)
    out: list[Instalment] = []
    for n in range(1, terms.term_months + 1):
        interest = _floor(Decimal(owed) * monthly)
        if n <= terms.grace_months:
            principal = 0
        elif n == terms.term_months:
            principal = owed
        elif terms.method == "bullet":
            principal = 0
        elif terms.method == "annuity" and monthly > 0:
            principal = min(owed, _floor(level) - interest)
        else:
            principal = min(owed, terms.principal // paying)
        owed -= principal
        out.append(Instalment(n, add_months(start, n), principal, interest, owed))
    return out


# ---------------------------------------------------------------------------------------------
# The bank's events and the book
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoanEvent:
    """One event the bank reports about a loan. ``principal`` / ``interest``: won paid (or, for
    ``disbursed``, the amount lent); ``days_overdue`` for ``arrears``; ``maturity``: the new
    term of an ``extended`` loan."""

    event_id: str
    loan_id: str
    seq: int
    kind: str
    on: date
    principal: int = 0
    interest: int = 0
    days_overdue: int = 0
    maturity: date | None = None


@dataclass(frozen=True)
class Line:
    account: str
    debit: int = 0
    credit: int = 0


@dataclass(frozen=True)
class Entry:
    """A balanced ledger entry for one applied event."""

    event_id: str
    seq: int
    on: date
    lines: tuple[Line, ...]

    @property
    def balanced(self) -> bool:
        return sum(x.debit for x in self.lines) == sum(x.credit for x in self.lines)


@dataclass(frozen=True)
class Outcome:
    """What became of a delivered event: ``applied`` (with the parked events it let through),
    ``duplicate``, ``parked`` (waiting for an earlier sequence number) or ``refused`` (with the
    reason; nothing changed). ``dropped``: a parked event that could not follow once the gap was
    filled (refused, its reason in ``reason``)."""

    status: str
    reason: str = ""
    applied: tuple[int, ...] = ()
    dropped: int | None = None


@dataclass(frozen=True)
class Statement:
    """A loan's figures as the bank states them (or as the book has them: :meth:`LoanBook.statement`)."""

    loan_id: str
    last_seq: int
    status: str
    disbursed: int
    principal_repaid: int
    interest_paid: int
    outstanding: int
    subrogation_received: int = 0
    extensions: int = 0
    extended_to: date | None = None


STATUSES = ("awaiting_disbursement", "active", "arrears", "defaulted", "subrogated", "closed")


@dataclass
class LoanBook:
    """One guaranteed loan as the platform keeps it. ``limit``: the most the bank may lend
    against the certificate; ``coverage``: the guarantee ratio (0.85 …)."""

    loan_id: str
    coverage: Decimal
    limit: int
    status: str = "awaiting_disbursement"
    disbursed: int = 0
    principal_repaid: int = 0
    interest_paid: int = 0
    subrogated: int = 0
    days_overdue: int = 0
    last_seq: int = 0
    extensions: int = 0
    extended_to: date | None = None
    entries: list[Entry] = field(default_factory=list)
    seen: dict[str, LoanEvent] = field(default_factory=dict)
    parked: dict[int, LoanEvent] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not Decimal(0) < self.coverage <= Decimal(1):
            raise ValueError("coverage is a fraction in (0, 1]")
        if self.limit <= 0:
            raise ValueError("limit must be positive")

    # ---- figures ------------------------------------------------------------------------

    @property
    def outstanding(self) -> int:
        return self.disbursed - self.principal_repaid - self.subrogated

    @property
    def guarantee_balance(self) -> int:
        """The foundation's share of what is still owed (nothing once the loan is closed or
        the foundation has paid its share)."""
        return 0 if self.status == "subrogated" else share(self.coverage, self.outstanding)

    def statement(self) -> Statement:
        return Statement(
            self.loan_id,
            self.last_seq,
            self.status,
            self.disbursed,
            self.principal_repaid,
            self.interest_paid,
            self.outstanding,
            self.subrogated,
            self.extensions,
            self.extended_to,
        )

    def balances(self) -> dict[str, int]:
        """Each account's balance, debit positive."""
        out = dict.fromkeys(ACCOUNTS, 0)
        for entry in self.entries:
            for line in entry.lines:
                out[line.account] += line.debit - line.credit
        return out

    # ---- events ---------------------------------------------------------------------------

    def deliver(self, event: LoanEvent) -> Outcome:
        """Takes one delivered event (see the module docstring for what can become of it)."""
        if event.loan_id != self.loan_id:
            return Outcome("refused", f"event for loan {event.loan_id!r}, not {self.loan_id!r}")
        known = self.seen.get(event.event_id) or self.parked_by_id(event.event_id)
        if known is not None:
            if known != event:
                return Outcome("refused", f"event {event.event_id!r} was delivered before with other figures")
            return Outcome("duplicate")
        if event.seq <= self.last_seq:
            return Outcome("refused", f"sequence {event.seq} of this loan was already applied")
        if event.seq in self.parked:
            return Outcome("refused", f"sequence {event.seq} is already waiting as another event")
        if event.seq > self.last_seq + 1:
            problem = _shape(event)
            if problem:
                return Outcome("refused", problem)
            self.parked[event.seq] = event
            return Outcome("parked", f"waiting for sequence {self.last_seq + 1}")
        problem = self._problem(event)
        if problem:
            return Outcome("refused", problem)
        applied = [self._apply(event)]
        while self.last_seq + 1 in self.parked:
            waiting = self.parked.pop(self.last_seq + 1)
            problem = self._problem(waiting)
            if problem:  # it cannot follow what the earlier events turned out to be
                return Outcome("applied", f"sequence {waiting.seq} refused: {problem}", tuple(applied), waiting.seq)
            applied.append(self._apply(waiting))
        return Outcome("applied", "", tuple(applied))

    def parked_by_id(self, event_id: str) -> LoanEvent | None:
        return next((e for e in self.parked.values() if e.event_id == event_id), None)

    def _problem(self, event: LoanEvent) -> str:
        shape = _shape(event)
        if shape:
            return shape
        if event.kind == "subrogated":
            if self.status != "defaulted":
                return "the foundation pays its share only after a default"
            if event.principal != self.guarantee_balance:
                return f"the foundation's share is {self.guarantee_balance:,} won, not {event.principal:,} won"
            return ""
        if self.status in ("closed", "defaulted", "subrogated"):
            return f"the loan is {self.status}: no {event.kind} after that"
        if event.kind == "disbursed":
            if self.status != "awaiting_disbursement":
                return "the loan was already paid out"
            if event.principal > self.limit:
                return f"{event.principal:,} won is more than the certificate's {self.limit:,} won"
            return ""
        if self.status == "awaiting_disbursement":
            return f"no {event.kind} before the loan is paid out"
        if event.kind in ("repaid", "prepaid") and event.principal > self.outstanding:
            return f"a repayment of {event.principal:,} won is more than the {self.outstanding:,} won outstanding"
        if event.kind == "cured" and self.status != "arrears":
            return "the loan is not in arrears"
        if event.kind == "extended":
            if self.status != "active":
                return f"only a loan being repaid normally is extended, not one {self.status}"
            if self.extended_to is not None and event.maturity is not None and event.maturity <= self.extended_to:
                return f"the loan is already due on {self.extended_to.isoformat()}"
        return ""

    def _apply(self, event: LoanEvent) -> int:
        before = self.guarantee_balance
        lines: list[Line] = []
        if event.kind == "disbursed":
            self.disbursed = event.principal
            self.status = "active"
            lines += [Line("loan_outstanding", debit=event.principal), Line("bank_funds", credit=event.principal)]
        elif event.kind in ("repaid", "prepaid"):
            self.principal_repaid += event.principal
            self.interest_paid += event.interest
            lines += [
                Line("bank_funds", debit=event.principal + event.interest),
                Line("loan_outstanding", credit=event.principal),
                Line("interest_received", credit=event.interest),
            ]
            if self.outstanding == 0:
                self.status = "closed"
        elif event.kind == "arrears":
            self.status, self.days_overdue = "arrears", event.days_overdue
        elif event.kind == "cured":
            self.status, self.days_overdue = "active", 0
        elif event.kind == "defaulted":
            self.status = "defaulted"
        elif event.kind == "extended":
            self.extensions, self.extended_to = self.extensions + 1, event.maturity
        elif event.kind == "subrogated":
            self.subrogated, self.status = event.principal, "subrogated"
            lines += [
                Line("bank_funds", debit=event.principal),
                Line("loan_outstanding", credit=event.principal),
                Line("recourse_claim", debit=event.principal),
                Line("foundation_funds", credit=event.principal),
            ]
        change = self.guarantee_balance - before
        if change > 0:
            lines += [Line("guarantee_exposure", debit=change), Line("guarantee_liability", credit=change)]
        elif change < 0:
            lines += [Line("guarantee_liability", debit=-change), Line("guarantee_exposure", credit=-change)]
        self.entries.append(Entry(event.event_id, event.seq, event.on, tuple(x for x in lines if x.debit or x.credit)))
        self.seen[event.event_id] = event
        self.last_seq = event.seq
        return event.seq


def _shape(event: LoanEvent) -> str:
    """What is wrong with an event on its own (before the loan's history is looked at)."""
    if event.kind not in KINDS:
        return f"unknown event kind {event.kind!r}"
    if event.seq < 1:
        return "the sequence number starts at 1"
    if min(event.principal, event.interest, event.days_overdue) < 0:
        return "amounts and days cannot be negative"
    if event.kind == "disbursed" and (event.seq != 1 or event.principal <= 0):
        return "the disbursement is the loan's first event, with a positive amount"
    if event.kind in ("repaid", "prepaid") and event.principal + event.interest <= 0:
        return "a repayment pays something"
    if event.kind == "subrogated" and (event.principal <= 0 or event.interest):
        return "the foundation's payment is a positive amount of principal"
    if event.kind == "arrears" and event.days_overdue < 1:
        return "arrears are at least one day overdue"
    if event.kind == "extended" and (
        event.maturity is None or event.maturity <= event.on or event.principal or event.interest
    ):
        return "an extension names a new term after its day and moves no money"
    if event.kind != "extended" and event.maturity is not None:
        return "only an extension names a new term"
    return ""


# ---------------------------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    loan_id: str
    field: str
    ours: object
    bank: object


def reconcile(books: Mapping[str, LoanBook], statements: Iterable[Statement]) -> list[Difference]:
    """Where the platform's books and the bank's statements disagree (an empty list: they
    agree). A loan only one side knows is a difference of its ``loan_id``."""
    out: list[Difference] = []
    stated = {s.loan_id: s for s in statements}
    for loan_id in sorted(set(books) | set(stated)):
        book, bank = books.get(loan_id), stated.get(loan_id)
        if book is None or bank is None:
            out.append(Difference(loan_id, "loan_id", book is not None, bank is not None))
            continue
        ours = book.statement()
        for name in (
            "last_seq",
            "status",
            "disbursed",
            "principal_repaid",
            "interest_paid",
            "outstanding",
            "subrogation_received",
            "extensions",
            "extended_to",
        ):
            if getattr(ours, name) != getattr(bank, name):
                out.append(Difference(loan_id, name, getattr(ours, name), getattr(bank, name)))
    return out


__all__ = [
    "ACCOUNTS",
    "KINDS",
    "METHODS",
    "STATUSES",
    "Difference",
    "Entry",
    "Instalment",
    "Line",
    "LoanBook",
    "LoanEvent",
    "Outcome",
    "Statement",
    "Terms",
    "add_months",
    "reconcile",
    "schedule",
    "share",
]
