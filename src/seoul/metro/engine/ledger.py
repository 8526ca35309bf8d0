"""Exactly-once charging as reconciliation: post only the difference between what each
journey should have been charged and what the ledger already holds for it.

Every posting is a balanced double-entry transaction with an idempotency key. Because the
desired charges are a function of the set of accepted events (not of their arrival order),
replaying any stream any number of times, in any order, converges on the same balances.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

RIDER = "rider"
REVENUE = "revenue"
REFUNDS = "refunds"


@dataclass(frozen=True)
class Posting:
    key: str  # idempotency key of the transaction
    journey: str
    amount: int  # positive: the rider is charged more; negative: charged back
    entries: tuple[tuple[str, int], ...]  # (account, signed amount); sums to zero


def charge_entries(rider_account: str, amount: int) -> tuple[tuple[str, int], ...]:
    """Debit the rider, credit operator revenue (a negative amount reverses)."""
    return ((rider_account, amount), (REVENUE, -amount))


def reconcile(
    rider_account: str, desired: Mapping[str, int], posted: Mapping[str, int], revision: Mapping[str, int]
) -> list[Posting]:
    """Postings that bring ``posted`` (sum per journey key) to ``desired``.

    ``revision`` is the number of transactions already posted per journey; the new
    transaction's key is ``journey#revision`` so a retry of the same reconciliation posts
    nothing twice (the key already exists) and a later change gets a fresh key.
    Journeys no longer desired (an event was corrected away) are reversed to zero.
    """
    out = []
    for journey in sorted(set(desired) | set(posted)):
        delta = desired.get(journey, 0) - posted.get(journey, 0)
        if delta:
            key = f"{journey}#{revision.get(journey, 0) + 1}"
            out.append(Posting(key, journey, delta, charge_entries(rider_account, delta)))
    return out


def balances(postings: list[Posting]) -> dict[str, int]:
    total: dict[str, int] = {}
    for p in postings:
        for account, amount in p.entries:
            total[account] = total.get(account, 0) + amount
    return total
