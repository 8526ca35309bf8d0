"""``seoul load-reference`` checks the fund's rules (``reference/fund.json``): every mistake is
reported with where it is, before a page or the committee relies on the file."""

from __future__ import annotations

from seoul.fund.engine.rules import rules


def load() -> dict[str, int]:
    rules.cache_clear()
    found = rules()
    return {"sectors": len(found.sectors), "stages": len(found.stages), "criteria": len(found.criteria)}
