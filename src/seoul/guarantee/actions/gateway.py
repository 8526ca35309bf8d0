"""What the guarantee fee and the claim payments share at the payment gateway: making an order
(its id is also the idempotency key) and sending the payer to its checkout page in their
language, and keeping each gateway event once by its id."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.translation import get_language

from seoul.core.adapters.http import AdapterError
from seoul.guarantee.adapters import clients
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.models import PaymentEvent
from seoul.guarantee.schemas import GatewayEvent


def checkout(
    *, order_id: str, amount: int, name: str, return_url: str, webhook_url: str, failed: Callable[[AdapterError], None]
) -> clients.PaymentOrder:
    """The gateway's order (made now, or found again by its id). A gateway that does not answer
    is told to ``failed`` (to keep the error) and refused with the words to show."""
    try:
        return clients.create_payment(
            order_id=order_id,
            amount=amount,
            order_name=name,
            return_url=return_url,
            webhook_url=webhook_url,
            idempotency_key=order_id,
        )
    except AdapterError as exc:
        failed(exc)
        if exc.code == "timeout":
            raise GuaranteeError.PAYMENTS_TIMEOUT.error() from None
        raise GuaranteeError.PAYMENTS_UNAVAILABLE.error() from None


def page_url(order: clients.PaymentOrder) -> str:
    """The checkout page in the reader's language (the gateway shows Korean unless told)."""
    if (get_language() or "ko").startswith("en"):
        return order.checkout_url + ("&" if "?" in order.checkout_url else "?") + "lang=en"
    return order.checkout_url


def keep_once(event: GatewayEvent) -> PaymentEvent | None:
    """Keep the gateway's event in the inbox: the new row, or None when it came before (call
    inside the transaction that applies it)."""
    try:
        with transaction.atomic():
            return PaymentEvent.objects.create(
                event_id=event.event_id, kind=event.type, payload=event.model_dump(mode="json")
            )
    except IntegrityError:
        return None
