"""Adapters to the outside services: one small interface each, talking HTTP.

Which endpoint is used is configuration (``SEOUL_GUARANTEE_*`` settings or environment
variables, see :func:`endpoint`); with none configured a local stand-in is started on
loopback (``standins.py``), so development and tests never leave the machine.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from seoul.core.adapters import signing
from seoul.core.adapters.config import derived_secret, setting
from seoul.core.adapters.http import AdapterError, call, with_retries
from seoul.core.adapters.standin import StandIn
from seoul.guarantee.adapters import standins

log = logging.getLogger("seoul.guarantee.adapters")

_lock = threading.Lock()
_standins: dict[str, StandIn] = {}


def bank_secret() -> str:
    return derived_secret("SEOUL_GUARANTEE_BANK_SECRET", b"guarantee-bank-webhook")


def payments_secret() -> str:
    """The secret the payment gateway signs its webhooks and its returns with."""
    return derived_secret("SEOUL_GUARANTEE_PAYMENTS_SECRET", b"guarantee-payments-webhook")


def standin(kind: str) -> Any:
    """The running local stand-in of ``kind`` (auth, documents, bank, payments), started on
    first use."""
    with _lock:
        if kind not in _standins:
            made: StandIn
            if kind == "auth":
                made = standins.AuthStandIn()
            elif kind == "documents":
                made = standins.DocumentStandIn()
            elif kind == "payments":
                made = standins.PaymentStandIn(payments_secret())
            else:
                made = standins.BankStandIn(bank_secret())
            _standins[kind] = made
            log.info("started the %s stand-in on %s", kind, made.url)
        return _standins[kind]


def endpoint(kind: str) -> str:
    configured = setting(f"SEOUL_GUARANTEE_{kind.upper()}_URL")
    return str(configured).rstrip("/") if configured else str(standin(kind).url)


# --- simple authentication ---------------------------------------------------------------


@dataclass(frozen=True)
class AuthResult:
    status: str  # pending | completed | declined
    subject: str = ""  # the provider's opaque identifier of the person
    ci: str = ""  # the connecting identifier, the same for the person at every provider
    name: str = ""  # the name the provider verified
    phone: str = ""


def start_auth(provider: str, name: str, phone: str) -> str:
    _status, data = call(
        "POST",
        endpoint("auth") + "/v1/auth/requests",
        {"provider": provider, "name": name, "phone": phone},
        timeout=float(setting("SEOUL_GUARANTEE_AUTH_TIMEOUT", 5)),
    )
    return str(data["tx_id"])


def auth_status(tx_id: str) -> AuthResult:
    _status, data = call("GET", endpoint("auth") + f"/v1/auth/requests/{tx_id}", timeout=5)
    return AuthResult(
        status=str(data.get("status")),
        subject=str(data.get("subject", "")),
        ci=str(data.get("ci", "")),
        name=str(data.get("name", "")),
        phone=str(data.get("phone", "")),
    )


# --- public-data documents -----------------------------------------------------------------


def consent_token(brn: str, subject: str, kinds: tuple[str, ...]) -> str:
    """A consent token for the documents ``kinds`` of the business ``brn``, given by ``subject``."""
    _status, data = call(
        "POST",
        endpoint("documents") + "/v1/consents",
        {"brn": brn, "subject": subject, "scope": " ".join(kinds)},
        timeout=5,
    )
    return str(data["consent_token"])


def fetch_documents(token: str, *, attempts: int = 3) -> list[dict[str, Any]]:
    """The documents the consent covers; retries a busy registry (503) with a short back-off."""
    timeout = float(setting("SEOUL_GUARANTEE_DOCUMENTS_TIMEOUT", 10))
    for attempt in range(attempts):
        try:
            _status, data = call(
                "POST",
                endpoint("documents") + "/v1/documents",
                {},
                headers={"Authorization": f"Bearer {token}"},
                timeout=timeout,
            )
            return list(data["documents"])
        except AdapterError as exc:
            if exc.code != "unavailable" or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AdapterError("unavailable", "no answer")  # pragma: no cover - loop always returns or raises


# --- partner bank ------------------------------------------------------------------------------

# The partner banks an applicant may choose, by the code the certificate carries. One bank
# endpoint is configured (SEOUL_GUARANTEE_BANK_URL, or the loopback stand-in): the applicant
# reads the name a citizen knows it by, never the code.
BANKS = {
    "standin": _("Seoul partner bank"),
}


def send_certificate(payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """Send the electronic guarantee certificate; the same key may be sent again safely."""
    _status, data = call(
        "POST",
        endpoint("bank") + "/v1/guarantee-certificates",
        payload,
        headers={"Idempotency-Key": idempotency_key},
        timeout=float(setting("SEOUL_GUARANTEE_BANK_TIMEOUT", 5)),
    )
    return data


def loan_statement(loan_id: str) -> dict[str, Any]:
    """The bank's statement of one loan: last_seq, status, disbursed, principal_repaid,
    interest_paid, outstanding (won)."""
    _status, data = call(
        "GET",
        endpoint("bank") + f"/v1/loans/{loan_id}/statement",
        None,
        timeout=float(setting("SEOUL_GUARANTEE_BANK_TIMEOUT", 5)),
    )
    return data


def pay_subrogation(loan_id: str, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """Pay the bank the foundation's share of a defaulted loan (대위변제); the bank confirms the
    receipt later as the loan's next event (``loan.subrogated``). The same key may be sent again
    safely: the bank pays nothing twice."""
    _status, data = call(
        "POST",
        endpoint("bank") + f"/v1/loans/{loan_id}/subrogation",
        payload,
        headers={"Idempotency-Key": idempotency_key},
        timeout=float(setting("SEOUL_GUARANTEE_BANK_TIMEOUT", 5)),
    )
    return data


def extend_loan(loan_id: str, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    """Tell the bank the foundation extended the loan's guarantee to ``new_term`` (기한연장);
    the bank collects the part to repay first and the fee, and reports the repayment and the
    extension as the loan's next events. The same key may be sent again: the bank extends once."""
    _status, data = call(
        "POST",
        endpoint("bank") + f"/v1/loans/{loan_id}/extension",
        payload,
        headers={"Idempotency-Key": idempotency_key},
        timeout=float(setting("SEOUL_GUARANTEE_BANK_TIMEOUT", 5)),
    )
    return data


# --- payment gateway (the guarantee fee) ----------------------------------------------------------

PAYMENTS_SIGNATURE_HEADER = standins.GATEWAY_HEADER  # "X-Gateway-Signature"


@dataclass(frozen=True)
class PaymentOrder:
    payment_id: str  # the gateway's id of the payment
    checkout_url: str  # where the applicant's browser pays
    status: str  # ready | paid | declined | failed


def create_payment(
    *,
    order_id: str,
    amount: int,
    order_name: str,
    return_url: str,
    webhook_url: str,
    idempotency_key: str,
) -> PaymentOrder:
    """Make a payment order at the gateway and learn where the applicant pays it. The same key
    may be sent again safely (after a time-out the gateway answers with the order it made), so a
    time-out or a busy gateway is tried again at once (``SEOUL_GUARANTEE_PAYMENTS_ATTEMPTS``)."""
    body = {
        "order_id": order_id,
        "amount": amount,
        "order_name": order_name,
        "return_url": return_url,
        "webhook_url": webhook_url,
    }
    url = endpoint("payments") + "/v1/payments"
    timeout = float(setting("SEOUL_GUARANTEE_PAYMENTS_TIMEOUT", 5))
    _status, data = with_retries(
        lambda: call("POST", url, body, headers={"Idempotency-Key": idempotency_key}, timeout=timeout),
        attempts=int(setting("SEOUL_GUARANTEE_PAYMENTS_ATTEMPTS", 2)),
        backoff=float(setting("SEOUL_GUARANTEE_PAYMENTS_BACKOFF", 0.2)),
    )
    checkout = str(data.get("checkout_url", ""))
    if not data.get("payment_id") or urlsplit(checkout).scheme not in ("http", "https"):
        raise AdapterError("invalid_answer", "the gateway's answer is not a payment order")
    return PaymentOrder(str(data["payment_id"])[:64], checkout, str(data.get("status", "")))


def verify_return(params: Mapping[str, str]) -> dict[str, str] | None:
    """The result the gateway sent the browser back with, if its ``signature`` is the gateway's
    fresh signature of it (five minutes); None for anything forged, stale or incomplete."""
    fields = {name: str(params.get(name, "")) for name in standins.RETURN_FIELDS}
    if not signing.verify(payments_secret(), standins.return_query(fields), params.get("signature")):
        return None
    return fields


# --- notifications ------------------------------------------------------------------------------


class Notifier(Protocol):
    def send(self, channel: str, to: str, body: str, *, key: str) -> str:
        """Send one message; ``key`` makes a repeat harmless (the provider sends it once and
        answers the same id). Returns the provider's id, or raises :class:`AdapterError`."""
        ...


@dataclass
class RecordingNotifier:
    """The SMS / e-mail stand-in: records what would have been sent and returns an id. Like
    a real gateway it sends a message once per idempotency key, and it can be made to fail
    (``fail_next`` times, as a gateway outage)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)
    by_key: dict[str, str] = field(default_factory=dict)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, channel: str, to: str, body: str, *, key: str) -> str:
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                raise AdapterError("unavailable", "the message gateway is not answering")
            if key in self.by_key:
                return self.by_key[key]
            self.sent.append((channel, to, body))
            self.by_key[key] = f"standin-{len(self.sent)}"
            return self.by_key[key]


_notifier = RecordingNotifier()


def notifier() -> Notifier:
    return _notifier
