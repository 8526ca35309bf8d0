"""The card payment gateway: card registration by token ("billing key") on the gateway's hosted
page, authorisation, capture, one-step charge, refund, signed webhooks and the daily
settlement report (protocol: docs/metro-payments.md).

The platform never sees a card number: the rider's browser goes to the gateway's page
(:func:`start_card_registration` gives its URL), the gateway sends it back to ``return_url``
with ``?session=<id>``, and the platform fetches what it may keep (:func:`card_registration`:
token, brand, last four digits, expiry).

Every call that moves money carries an ``idempotency_key``: the gateway answers a repeated key
with its first answer and never moves money twice, so these functions repeat a request that
timed out or met a busy gateway (``SEOUL_METRO_GATEWAY_ATTEMPTS`` tries, same key). When every
try fails they raise :class:`GatewayError` (``timeout``/``unavailable``) and the caller tries
again later **with the same key**; what happened meanwhile is then answered.

Configuration (Django settings or environment): ``SEOUL_METRO_GATEWAY_URL`` (else a loopback
stand-in is started, on ``SEOUL_METRO_GATEWAY_STANDIN_PORT`` if set, shared by the processes of
one machine), ``SEOUL_METRO_GATEWAY_API_KEY``, ``SEOUL_METRO_GATEWAY_SECRET`` (webhooks; both
derived from ``SECRET_KEY`` unless set), ``SEOUL_METRO_GATEWAY_WEBHOOK_URL`` (where the
stand-in posts its webhooks), ``SEOUL_METRO_GATEWAY_TIMEOUT`` (seconds, 5) and
``SEOUL_METRO_GATEWAY_ATTEMPTS`` (3, waiting ``SEOUL_METRO_GATEWAY_BACKOFF`` × n seconds, 0.2).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from seoul.core.adapters import signing
from seoul.core.adapters.config import derived_secret, setting
from seoul.core.adapters.http import AdapterError, call, with_retries
from seoul.core.adapters.standin import Running
from seoul.metro.adapters.standins import GATEWAY_HEADER, GatewayStandIn

SIGNATURE_HEADER = GATEWAY_HEADER  # "X-Gateway-Signature"
_running = Running()


@dataclass(frozen=True)
class CardRegistration:
    """What the platform keeps of a card: never its number."""

    token: str  # the gateway's card token ("billing key")
    brand: str  # e.g. "VISA", "BC", "KB국민"
    last4: str
    expires: str  # "YYYY-MM"


@dataclass(frozen=True)
class Payment:
    id: str  # gateway payment id
    status: str  # "authorized" | "captured" | "declined" | "refunded" | "partially_refunded"
    amount: int  # won: what was authorised (or charged)
    decline_code: str = ""  # e.g. "insufficient_funds", "card_expired", "do_not_honor"
    captured_amount: int = 0
    refunded_amount: int = 0  # in all, over every refund of the payment
    reference: str = ""  # the platform's reference given at authorisation
    refund_id: str = ""  # the refund just made (refund() only)


class GatewayError(AdapterError):
    """``timeout``, ``unavailable`` (try again with the same key), ``declined`` (a card the
    issuer refused at registration: ``decline_code`` says why), ``pending``/``cancelled``/
    ``expired`` (a card session not completed), or the gateway's own code for a refusal
    (``card_not_found``, ``not_capturable``, ``amount_exceeds_authorized``,
    ``amount_exceeds_refundable``, ``idempotency_key_reused``, ``invalid_amount``,
    ``unauthorized``, …)."""

    def __init__(self, code: str, message: str, *, status: int | None = None, decline_code: str = "") -> None:
        super().__init__(code, message, status=status)
        self.decline_code = decline_code


# --- configuration ------------------------------------------------------------------------------


def gateway_secret() -> str:
    """The webhook secret shared with the gateway."""
    return derived_secret("SEOUL_METRO_GATEWAY_SECRET", b"metro-gateway-webhook")


def api_key() -> str:
    return derived_secret("SEOUL_METRO_GATEWAY_API_KEY", b"metro-gateway-api-key")


def _make(port: int) -> GatewayStandIn:
    return GatewayStandIn(
        gateway_secret(), api_key(), callback_url=str(setting("SEOUL_METRO_GATEWAY_WEBHOOK_URL", "")), port=port
    )


def _standin_port() -> int:
    return int(setting("SEOUL_METRO_GATEWAY_STANDIN_PORT", 0))


def standin() -> GatewayStandIn:
    """This process's gateway stand-in (started on first use): tests set its knobs."""
    made = _running.get("gateway", _make, _standin_port())
    assert isinstance(made, GatewayStandIn)  # noqa: S101 - the registry holds what _make made
    return made


def endpoint() -> str:
    configured = setting("SEOUL_METRO_GATEWAY_URL")
    if configured:
        return str(configured).rstrip("/")
    return _running.url("gateway", _make, _standin_port())


def _request(
    method: str, path: str, body: dict[str, Any] | None = None, *, key: str | None = None, safe: bool = True
) -> dict[str, Any]:
    """One gateway request, repeated on a time-out or a busy answer when ``safe`` (a read, or
    a write with an idempotency key); otherwise only a busy answer (nothing was done) is."""
    headers = {"Authorization": f"Bearer {api_key()}"}
    if key is not None:
        if not key or len(key) > 255:
            raise GatewayError("invalid_request", "an idempotency key has 1 to 255 characters")
        headers["Idempotency-Key"] = key
    timeout = float(setting("SEOUL_METRO_GATEWAY_TIMEOUT", 5))
    url = endpoint() + path
    try:
        _status, data = with_retries(
            lambda: call(method, url, body, headers=headers, timeout=timeout),
            attempts=int(setting("SEOUL_METRO_GATEWAY_ATTEMPTS", 3)),
            retry_on=("timeout", "unavailable") if safe else ("unavailable",),
            backoff=float(setting("SEOUL_METRO_GATEWAY_BACKOFF", 0.2)),
        )
    except AdapterError as exc:
        raise GatewayError(exc.code, str(exc), status=exc.status) from None
    return data


def _payment(data: dict[str, Any]) -> Payment:
    try:
        return Payment(
            id=str(data["id"]),
            status=str(data["status"]),
            amount=int(data["amount"]),
            decline_code=str(data.get("decline_code") or ""),
            captured_amount=int(data.get("captured_amount", 0)),
            refunded_amount=int(data.get("refunded_amount", 0)),
            reference=str(data.get("reference", "")),
            refund_id=str(data.get("refund_id", "")),
        )
    except (KeyError, TypeError, ValueError):
        raise GatewayError("invalid_answer", "the gateway's answer is not a payment") from None


# --- card registration ----------------------------------------------------------------------------


def start_card_registration(customer_ref: str, return_url: str) -> tuple[str, str]:
    """(session id, URL of the gateway's hosted card page). Send the rider's browser to the URL;
    it comes back to ``return_url?session=<id>`` when the rider registered, was declined or
    cancelled; then call :func:`card_registration`. ``customer_ref`` is the platform's opaque
    reference of the rider (never a name or a phone number)."""
    data = _request("POST", "/v1/card-sessions", {"customer_ref": customer_ref, "return_url": return_url}, safe=False)
    return str(data["session_id"]), str(data["url"])


def card_registration(session_id: str) -> CardRegistration:
    """The card the rider registered in session ``session_id``, fetched server-side."""
    if not session_id or len(session_id) > 100 or not session_id.isascii() or "/" in session_id:
        raise GatewayError("session_not_found", "not a card session id")
    data = _request("GET", f"/v1/card-sessions/{session_id}")
    status = str(data.get("status", ""))
    if status == "declined":
        code = str(data.get("decline_code", ""))
        raise GatewayError("declined", f"the card was declined ({code})", decline_code=code)
    if status != "completed" or not isinstance(data.get("card"), dict):
        raise GatewayError(status or "invalid_answer", f"the card session is {status or 'unreadable'}")
    card = data["card"]
    return CardRegistration(
        token=str(card["token"]), brand=str(card["brand"]), last4=str(card["last4"]), expires=str(card["expires"])
    )


# --- money ---------------------------------------------------------------------------------------------


def authorize(token: str, amount: int, *, reference: str, idempotency_key: str) -> Payment:
    """Hold ``amount`` won on the card; ``status`` "authorized", or "declined" with a
    ``decline_code`` (no money moves)."""
    body = {"card_token": token, "amount": amount, "reference": reference, "capture": False}
    return _payment(_request("POST", "/v1/payments", body, key=idempotency_key))


def capture(payment_id: str, amount: int, *, idempotency_key: str) -> Payment:
    """Take ``amount`` (at most what was authorised; the rest is released) of an authorisation."""
    return _payment(
        _request("POST", f"/v1/payments/{_id(payment_id)}/capture", {"amount": amount}, key=idempotency_key)
    )


def charge(token: str, amount: int, *, reference: str, idempotency_key: str) -> Payment:
    """Authorise and capture in one: ``status`` "captured", or "declined"."""
    body = {"card_token": token, "amount": amount, "reference": reference, "capture": True}
    return _payment(_request("POST", "/v1/payments", body, key=idempotency_key))


def refund(payment_id: str, amount: int, *, idempotency_key: str) -> Payment:
    """Give back ``amount`` of a captured payment (several partial refunds may follow each
    other, each with its own key); the answer's ``refund_id`` names this refund."""
    return _payment(
        _request("POST", f"/v1/payments/{_id(payment_id)}/refunds", {"amount": amount}, key=idempotency_key)
    )


def payment(payment_id: str) -> Payment:
    """The payment as the gateway knows it now."""
    return _payment(_request("GET", f"/v1/payments/{_id(payment_id)}"))


def _id(payment_id: str) -> str:
    if not payment_id or len(payment_id) > 100 or not payment_id.isascii() or not payment_id.replace("_", "").isalnum():
        raise GatewayError("payment_not_found", "not a payment id")
    return payment_id


# --- webhooks and the report -------------------------------------------------------------------------


def verify_webhook(body: bytes, signature_header: str | None) -> dict[str, Any] | None:
    """The event in ``body`` if ``signature_header`` (``X-Gateway-Signature``) is the gateway's
    fresh signature of it and it has the event's shape; None for anything forged, stale or
    malformed. Events: ``{"event_id", "type", "created", "data": {...}}``; the same ``event_id``
    may arrive more than once and events may arrive out of order."""
    if not signing.verify(gateway_secret(), body, signature_header):
        return None
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("event_id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(event.get("data"), dict)
    ):
        return None
    return event


def report(day: date) -> list[dict[str, Any]]:
    """The gateway's settlement report of ``day`` (Seoul time): one row per capture and per
    refund, ``{"id", "payment_id", "reference", "type": "capture"|"refund", "amount", "at"}``
    with ``at`` an aware datetime and ``id`` the movement's own id (a refund's ``refund_id``)."""
    data = _request("GET", f"/v1/reports/settlement?date={day.isoformat()}")
    rows = []
    try:
        for row in data["rows"]:
            kind = str(row["type"])
            if kind not in ("capture", "refund"):
                raise ValueError(kind)
            at = datetime.fromisoformat(str(row["at"]))
            if at.tzinfo is None:
                raise ValueError("a time without its zone")
            rows.append(
                {
                    "id": str(row.get("id", "")),
                    "payment_id": str(row["payment_id"]),
                    "reference": str(row["reference"]),
                    "type": kind,
                    "amount": int(row["amount"]),
                    "at": at,
                }
            )
    except (KeyError, TypeError, ValueError):
        raise GatewayError("invalid_report", "the gateway's report is not in the expected shape") from None
    return rows
