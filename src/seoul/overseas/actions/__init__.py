"""Every write of the overseas-sales service, by use-case family (each takes ``actor=`` and checks
its own permission and scope, and is audited)."""

from seoul.overseas.actions.applications import add_product, apply, withdraw
from seoul.overseas.actions.claims import claim, decide_claim
from seoul.overseas.actions.listings import mark_ready, save_listing, upload_document
from seoul.overseas.actions.officers import decide, listing_live, return_listing, score
from seoul.overseas.actions.sales import import_sales

__all__ = [
    "add_product",
    "apply",
    "claim",
    "decide",
    "decide_claim",
    "import_sales",
    "listing_live",
    "mark_ready",
    "return_listing",
    "save_listing",
    "score",
    "upload_document",
    "withdraw",
]
