"""Guarantee reference data: products, industries, scorecard and programmes are read from
``reference/*.json`` by the engine; loading them here validates the files (``seoul
load-reference`` fails on a bad product or an excluded industry missing from the table)."""

from __future__ import annotations

from seoul.guarantee.engine.catalogue import catalogue


def load() -> dict[str, int]:
    catalogue.cache_clear()
    cat = catalogue()
    return {"products": len(cat.products), "industries": len(cat.industries), "programmes": len(cat.programmes)}
