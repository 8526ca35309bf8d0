"""The one way into the ledger (engine/ledger.py): balanced transactions, posted once by key."""

from __future__ import annotations

from collections.abc import Sequence

from seoul.metro.models import LedgerEntry, LedgerTransaction, Rider


def post(
    rider: Rider,
    key: str,
    kind: str,
    amount: int,
    entries: Sequence[tuple[str, int]],
    *,
    journey_key: str = "",
    memo: str = "",
) -> LedgerTransaction:
    """A transaction whose entries balance, posted once by ``key`` (callers hold the rider's lock
    or a unique key makes a second post fail)."""
    if sum(m for _, m in entries) != 0:
        raise ValueError(f"ledger transaction {key} does not balance: {entries}")
    txn = LedgerTransaction.objects.create(
        key=key, kind=kind, rider=rider, journey_key=journey_key, amount=amount, memo=memo
    )
    LedgerEntry.objects.bulk_create(LedgerEntry(transaction=txn, account=a, amount=m) for a, m in entries)
    return txn
