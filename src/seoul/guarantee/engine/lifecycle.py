"""Life-cycle support: the business's stage and the programmes of that stage.

Rules (``reference/programmes.json`` states them in words): closed now, restarted after a
closure within 3 years, or a default on a guaranteed loan (a claim of the foundation) → re-start; sales down more than 20 % or tax arrears → crisis; under
3 years → start-up; otherwise growth.
"""

from __future__ import annotations

from datetime import date

from seoul.guarantee.engine.catalogue import Catalogue, catalogue
from seoul.guarantee.engine.screening import Facts, months_between


def stage_of(facts: Facts, today: date) -> str:
    months = months_between(facts.opened_on, today)
    if facts.closed or (facts.prior_closure and months < 36) or facts.claim_standing != "none":
        return "restart"
    if facts.tax_arrears or (
        facts.sales_last_year is not None
        and facts.sales_year_before
        and facts.sales_last_year < 0.8 * facts.sales_year_before
    ):
        return "crisis"
    if months < 36:
        return "startup"
    return "growth"


def recommend(facts: Facts, today: date, cat: Catalogue | None = None) -> tuple[str, list[dict[str, str]]]:
    cat = cat or catalogue()
    stage = stage_of(facts, today)
    return stage, [p for p in cat.programmes if p["stage"] == stage]
