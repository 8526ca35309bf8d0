"""JSON API of the guarantee service (mounted at /api/v1/guarantee/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router
from ninja.security import APIKeyHeader

from seoul.core.adapters import signing
from seoul.core.schemas import errors
from seoul.guarantee import actions, selectors
from seoul.guarantee.adapters import clients
from seoul.guarantee.schemas import BankEvent, GatewayEvent, GatewayWebhookOut, ProductOut, WebhookOut

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


class GatewaySignature(APIKeyHeader):
    """The payment gateway signs each webhook the same way, in ``X-Gateway-Signature``."""

    param_name = clients.PAYMENTS_SIGNATURE_HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if key and signing.verify(clients.payments_secret(), request.body, key):
            return "payment gateway"
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


@router.post(
    "/payments/webhook",
    auth=GatewaySignature(),
    url_name="guarantee_payments_webhook",
    response={200: GatewayWebhookOut, **errors(401, 422)},
    summary="Payment gateway webhook: a guarantee fee paid, declined or failed",
    description="Signed by the gateway over the raw body. A repeated event id answers `duplicate` and changes "
    "nothing; a paid fee issues the guarantee certificate once, whether this webhook or the applicant's "
    "return from the gateway comes first. A payment the service does not know is a 422 "
    "(`guarantee.unknown_payment`) and changes nothing.",
)
def payments_webhook(request: HttpRequest, event: GatewayEvent) -> dict[str, str]:
    outcome = actions.receive_payment_webhook(
        request.body,
        signature=request.headers.get(clients.PAYMENTS_SIGNATURE_HEADER, ""),
        callback_url=request.build_absolute_uri(reverse("api:guarantee_bank_webhook")),
    )
    return {"outcome": outcome}
