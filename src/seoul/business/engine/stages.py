"""A business's stage in its life cycle: start-up (창업기), growth (성장기) or restart (재도전기).

The rules mirror the guarantee service's life-cycle rules (``guarantee/engine/lifecycle.py``,
the same thresholds; this engine cannot import it, the apps being independent):

1. closed now, a guaranteed loan in default (the foundation paid the bank), or opened again
   within 3 years of an earlier closure → **restart**;
2. in business less than 3 years (36 months) → **start-up**;
3. otherwise → **growth**.

The guarantee service has a fourth stage, crisis (sales down more than 20 % or tax arrears); here
such a business stays in growth, and programmes for falling sales say so in their eligibility
rules (``sales_growth``), so one fact is not a stage and a rule at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from seoul.business.engine.facts import Facts

STAGES = ("startup", "growth", "restart")
YEARS_3 = 36


@dataclass(frozen=True)
class Placement:
    stage: str
    #: Why, as a reason code and its figures (the pages say it in words).
    reason: str
    params: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "reason": self.reason, "params": self.params}


def place(facts: Facts, today: date) -> Placement:
    months = facts.months(today)
    if facts.closed:
        return Placement("restart", "closed", {})
    if facts.guarantee_defaulted:
        return Placement("restart", "defaulted_on_guaranteed_loan", {})
    if facts.prior_closure and months is not None and months < YEARS_3:
        return Placement("restart", "reopened_after_closure", {"months": months, "limit": YEARS_3})
    if months is None:
        return Placement("startup", "opening_unknown", {})
    if months < YEARS_3:
        return Placement("startup", "under_three_years", {"months": months, "limit": YEARS_3})
    return Placement("growth", "three_years_or_more", {"months": months, "limit": YEARS_3})
