"""What stands between a draft and "send": every answer still missing, every document problem
and every eligibility rule the file would fail, each with the step where the applicant fixes it.

The same list is the "check your answers" page (the items by name, each linking to its step;
no send button while there is one) and the refusal of a premature submit. Eligibility is
decided as soon as what decides it is known: the business's site, status and industry, and
which products its age allows, from the registration certificate (the first document); tax
arrears, credit score, guarantees outstanding and the limit from the tax and credit documents
(the second step) — so the applicant learns it before answering the rest, not after sending.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from seoul.guarantee.engine.catalogue import Catalogue, catalogue
from seoul.guarantee.engine.documents import AT_BUSINESS_STEP, required
from seoul.guarantee.engine.screening import (
    Business,
    Facts,
    business_reasons,
    limit_of,
    product_eligibility,
    standing_reasons,
)

# The steps of the journey, in order (then "check your answers"); an item names the one where
# it is fixed.
STEPS = ("brn", "business", "documents", "product", "amount", "bank", "phone", "email")


@dataclass(frozen=True)
class Item:
    step: str  # one of STEPS
    code: str  # missing, not_confirmed, a document problem code or a screening reason code
    kind: str = ""  # the document kind, for an item about a document


@dataclass(frozen=True)
class Draft:
    """What an application holds, as the checklist needs it."""

    brn: str
    business_confirmed: bool
    product: str
    amount: int | None
    bank: str
    phone: str
    documents: dict[str, list[str]] = field(default_factory=dict)  # kind -> problem codes
    business: Business | None = None  # from the fetched registration
    facts: Facts | None = None  # from the fetched documents


def checklist(draft: Draft, today: date, cat: Catalogue | None = None) -> list[Item]:
    """Everything that must change before the application can be sent (empty: it can)."""
    cat = cat or catalogue()
    items: list[Item] = []
    if not draft.brn:
        items.append(Item("brn", "missing"))
    elif not draft.business_confirmed:
        items.append(Item("business", "not_confirmed"))
    elif draft.business is not None:
        items.extend(Item("business", code) for code in business_reasons(draft.business, cat))
    for kind in required(draft.brn):
        step = "business" if kind in AT_BUSINESS_STEP else "documents"
        if kind not in draft.documents:
            if draft.business_confirmed:  # before that, confirming the business is the item
                items.append(Item(step, "missing", kind))
            continue
        items.extend(Item(step, code, kind) for code in dict.fromkeys(draft.documents[kind]))
    product = cat.products.get(draft.product)
    if product is None:
        items.append(Item("product", "missing"))
    elif draft.business is not None:
        items.extend(Item("product", code) for code in product_eligibility(draft.business, draft.facts, product, today))
    if not draft.amount:
        items.append(Item("amount", "missing"))
    elif product is not None and not product.min_amount <= draft.amount <= product.max_amount:
        items.append(Item("amount", "amount_out_of_range"))
    if not draft.bank:
        items.append(Item("bank", "missing"))
    if not draft.phone:
        items.append(Item("phone", "missing"))
    if draft.facts is not None:
        items.extend(Item("documents", code) for code in standing_reasons(draft.facts, cat))
        if (
            product is not None
            and draft.amount
            and draft.facts.sales_last_year is not None
            and draft.amount > limit_of(draft.facts, product, cat)
        ):
            items.append(Item("amount", "amount_above_limit"))
    return items
