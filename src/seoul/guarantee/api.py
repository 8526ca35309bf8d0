"""JSON API of the guarantee service (mounted at /api/v1/guarantee/)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from seoul.guarantee import actions, selectors
from seoul.guarantee.adapters import clients, signing

router = Router(tags=["guarantee"])


class BankSignature(APIKeyHeader):
    """Partner banks authenticate each webhook by its HMAC signature over the raw body."""

    param_name = "X-Bank-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key and signing.verify(clients.bank_secret(), request.body, key):
            return "bank"
        return None


@router.get("/products", response=list[dict[str, Any]], summary="Guarantee products (public information)")
def products(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.products()


@router.post(
    "/bank/webhook",
    auth=BankSignature(),
    url_name="guarantee_bank_webhook",
    summary="Partner bank webhook: certificate accepted or rejected, loan executed",
)
def bank_webhook(request: HttpRequest) -> dict[str, str]:
    try:
        outcome = actions.receive_webhook(request.body, request.headers.get("X-Bank-Signature", ""))
    except PermissionDenied:
        raise HttpError(401, "bad signature") from None
    except ValidationError:
        raise HttpError(422, "malformed webhook") from None
    return {"outcome": outcome}
