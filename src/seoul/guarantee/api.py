"""JSON API of the guarantee service (mounted at /api/v1/guarantee/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.security import APIKeyHeader

from seoul.core.adapters import signing
from seoul.core.schemas import errors
from seoul.guarantee import actions, selectors
from seoul.guarantee.adapters import clients
from seoul.guarantee.schemas import BankEvent, ProductOut, WebhookOut

router = Router(tags=["guarantee"])


class BankSignature(APIKeyHeader):
    """Partner banks authenticate each webhook by its HMAC signature over the raw body
    (``X-Bank-Signature: t=<unix seconds>,v1=<64 hex digits>``, five minutes' tolerance).
    Anything else in the header — another shape, non-ASCII text — is a 401, never an error."""

    param_name = "X-Bank-Signature"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key and signing.verify(clients.bank_secret(), request.body, key):
            return "bank"
        return None


@router.get("/products", response=list[ProductOut], summary="Guarantee products (public information)")
def products(request: HttpRequest) -> list[dict[str, Any]]:
    return selectors.products()


@router.post(
    "/bank/webhook",
    auth=BankSignature(),
    url_name="guarantee_bank_webhook",
    response={200: WebhookOut, **errors(401, 422)},
    summary="Partner bank webhook: certificate accepted or rejected, loan executed",
    description="Signed by the bank over the raw body. A repeated event id answers `duplicate` and changes "
    "nothing; a loan is recorded at most once per certificate.",
)
def bank_webhook(request: HttpRequest, event: BankEvent) -> dict[str, str]:
    # ``event`` is the body checked against the schema (422 otherwise); the action re-checks the
    # signature over the raw bytes, which is what the bank signed.
    return {"outcome": actions.receive_webhook(request.body, signature=request.headers.get("X-Bank-Signature", ""))}
