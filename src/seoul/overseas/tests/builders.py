"""Test builders of the overseas-sales service: the round, an application at each state, files."""

from __future__ import annotations

from datetime import date
from typing import Any

from seoul.core.models import User
from seoul.overseas import actions
from seoul.overseas.actions.applications import ProductData
from seoul.overseas.models import Application, Listing, Round

BRN = "220-81-62517"
OTHER_BRN = "124-81-00998"
IN_INTAKE = date(2026, 11, 15)
PDF = b"%PDF-1.4\n% receipt\n%%EOF\n"

AMAZON_OK = {
    "title": "Hanji Paper Table Lamp",
    "brand": "Hangang Craft",
    "bullet_points": "Handmade\nWarm light",
    "price": "59.00",
    "currency": "USD",
    "condition": "new",
    "hs_code": "9405.49",
    "weight_g": "800",
}


def pdf(text: str = "receipt") -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def product(**changes: Any) -> ProductData:
    fields: dict[str, Any] = {
        "name": "한지 조명",
        "description": "손으로 만든 한지 조명입니다.",
        "category": "craft",
        "price_won": 45_000,
        "weight_g": 800,
        "hs_code": "9405.49",
    }
    return ProductData(**(fields | changes))


def apply(round: Round, user: User, *, brn: str = BRN, **changes: Any) -> Application:
    fields: dict[str, Any] = {
        "business_name": "한강공방",
        "brn": brn,
        "marketplaces": ["amazon", "shopee"],
        "countries": ["US", "SG"],
        "plan": "",
        "product": product(),
        "today": IN_INTAKE,
    }
    return actions.apply(round, actor=user, **(fields | changes))


def selected(round: Round, user: User, officer: User, **changes: Any) -> Application:
    app = apply(round, user, **changes)
    actions.score(app, {"product": 30, "readiness": 20, "plan": 20}, actor=officer)
    return actions.decide(app, select=True, reason="", actor=officer)


def amazon_listing(app: Application) -> Listing:
    return Listing.objects.get(product__application=app, marketplace="amazon")
