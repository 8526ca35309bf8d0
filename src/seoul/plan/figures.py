"""The plan's computed figures, kept per process until a write changes them.

Every write of the plan (each function in ``actions`` and the reference loader) calls
:func:`changed` inside its own transaction: it gives the one ``FiguresVersion`` row a new
random stamp, so the new stamp commits or rolls back together with the write (a counter could
come back to an earlier number after a rollback; a random stamp is not reused). Readers call
:func:`version` (one primary-key query per request) and keep what they computed under (what,
stamp, Seoul date, language) with :func:`kept`. A request that starts after a write has
committed reads the new stamp in whichever worker process it lands, misses and computes
afresh: no process can show figures from before a committed write. What was kept for another
stamp or day is dropped.

Only figures computed from the plan's register are kept, never anything from a request or a
user: callers pass functions of the date alone.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

from django.db import connection
from django.utils.translation import get_language

from seoul.plan.models import FiguresVersion

T = TypeVar("T")

_MISSING = object()
_kept: dict[Hashable, Any] = {}
_kept_for: tuple[int, date] | None = None


def changed() -> None:
    """Mark the plan's figures as changed; call inside the transaction of the write."""
    stamp = secrets.randbits(62)
    if not FiguresVersion.objects.filter(pk=1).update(stamp=stamp):
        FiguresVersion.objects.update_or_create(pk=1, defaults={"stamp": stamp})


@functools.cache
def _version_sql() -> str:
    table = connection.ops.quote_name(FiguresVersion._meta.db_table)
    return f"SELECT stamp FROM {table} WHERE id = 1"  # noqa: S608 - the model's own table name


def version() -> int:
    """The stamp of the figures as committed now (as this transaction sees them). Plain SQL:
    it runs on every request, and the ORM spends several times the query's cost building it."""
    with connection.cursor() as cursor:
        cursor.execute(_version_sql())
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def kept(what: str, compute: Callable[[], T], *, version: int, today: date, by_language: bool = False) -> T:
    """``compute()``, kept in this process for this figures ``version``, Seoul date and (when
    the result holds translated text) language."""
    global _kept_for
    if _kept_for != (version, today):
        _kept.clear()
        _kept_for = (version, today)
    key = (what, get_language() if by_language else None)
    if (value := _kept.get(key, _MISSING)) is _MISSING:  # one lookup: safe under threaded servers too
        value = _kept[key] = compute()
    return value  # type: ignore[no-any-return]


def forget() -> None:
    """Drop everything kept in this process (as a fresh process starts)."""
    global _kept_for
    _kept.clear()
    _kept_for = None
