"""Loopback stand-ins for the metro rider service's outside services (protocols:
docs/metro-payments.md). Both build on :class:`seoul.core.adapters.standin.StandIn`, so the
common fault knobs (``delay``, ``fail_next``, ``failure_rate``, ``late_next``/``late_by``) and
the ``/_control`` endpoint work on them as on every stand-in.

* :class:`GatewayStandIn` — a card payment gateway: a hosted card page (the platform never sees
  a card number), billing-key tokens, authorisation, capture, one-step charge, refunds, all
  idempotent by ``Idempotency-Key``; signed webhooks; a daily settlement report. Test cards
  (:data:`TEST_CARDS`) decline, time out or succeed by number.
* :class:`EntitlementStandIn` — the public-data service that confirms free-travel entitlements
  (65 and over, disability, national merit) for a person by name, birth date and mobile number,
  with the person's consent; never a resident registration number.

``python -m seoul.metro.adapters.standins gateway --port 8026`` serves one on a fixed port for
several worker processes (``SEOUL_METRO_GATEWAY_URL``).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from seoul.core.adapters.standin import (
    Answer,
    Request,
    SendsWebhooks,
    StandIn,
    Webhooks,
    error,
    html_answer,
    json_answer,
    redirect,
)
from seoul.core.engine.time import SEOUL

GATEWAY_HEADER = "X-Gateway-Signature"
MAX_AMOUNT = 10_000_000  # won, per payment: far above any fare, pass or top-up
SESSION_SECONDS = 30 * 60


# --- cards -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    behaviour: str  # "succeeds" | "declined_at_registration" | "charges_declined" | "times_out"
    decline_code: str = ""
    note: str = ""


# The stand-in's test cards (Stripe's numbers where Stripe has one for the case). Any other
# number that passes the Luhn check and has a future expiry registers and pays like 4242….
TEST_CARDS = {
    c.number: c
    for c in (
        TestCard("4242424242424242", "VISA", "succeeds", note="always succeeds"),
        TestCard("5555555555554444", "MASTERCARD", "succeeds", note="always succeeds"),
        TestCard("9410000000000005", "BC", "succeeds", note="always succeeds (a domestic BC card)"),
        TestCard("9445000000000004", "KB국민", "succeeds", note="always succeeds (a domestic KB Kookmin card)"),
        TestCard(
            "4000000000009995",
            "VISA",
            "charges_declined",
            "insufficient_funds",
            "registers; every authorisation and charge is declined: insufficient funds",
        ),
        TestCard(
            "4000000000000341",
            "VISA",
            "charges_declined",
            "do_not_honor",
            "registers; every authorisation and charge is declined by the issuer",
        ),
        TestCard(
            "4000000000000002",
            "VISA",
            "declined_at_registration",
            "do_not_honor",
            "declined at registration",
        ),
        TestCard(
            "4000000000000119",
            "VISA",
            "times_out",
            note="registers; the first answer to every payment request comes after the client's timeout "
            "(the work is done: the same request again, with the same key, learns the result)",
        ),
    )
}


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    digits = [int(c) for c in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def brand_of(number: str) -> str:
    """The brand the stand-in gives a number: its test card's, else by the leading digits as the
    international schemes assign them (4 Visa, 51–55 and 2221–2720 Mastercard, 35 JCB, 34/37
    American Express); ``9410``/``9445`` are this stand-in's own prefixes for BC and KB국민."""
    if number in TEST_CARDS:
        return TEST_CARDS[number].brand
    if number.startswith("9410"):
        return "BC"
    if number.startswith("9445"):
        return "KB국민"
    if number.startswith("4"):
        return "VISA"
    if number[:2] in ("51", "52", "53", "54", "55") or 2221 <= int(number[:4]) <= 2720:
        return "MASTERCARD"
    if number.startswith("35"):
        return "JCB"
    if number[:2] in ("34", "37"):
        return "AMEX"
    return "CARD"


_EXPIRY = re.compile(r"\s*(0[1-9]|1[0-2])\s*/\s*(\d{2}|\d{4})\s*")


def parse_expiry(text: str) -> str | None:
    """``MM/YY`` or ``MM/YYYY`` → ``YYYY-MM``; None if it is neither."""
    found = _EXPIRY.fullmatch(text)
    if found is None:
        return None
    month, year = found.groups()
    return f"{2000 + int(year) if len(year) == 2 else int(year):04d}-{month}"


@dataclass
class Card:
    token: str
    number: str  # kept by the gateway only; never in an answer
    brand: str
    expires: str  # YYYY-MM
    holder: str
    customer_ref: str

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def behaviour(self) -> TestCard | None:
        return TEST_CARDS.get(self.number)

    def public(self) -> dict[str, str]:
        return {"token": self.token, "brand": self.brand, "last4": self.last4, "expires": self.expires}


DEMO_CARD_TOKEN = "bk_demo_visa_4242"  # noqa: S105 - a stand-in card reference, not a secret


def demo_cards() -> dict[str, Card]:
    """The demo rider's card (``seoul demo-data``), known to every instance as the demo people are
    to the entitlement stand-in: the demo data is loaded before ``seoul run`` starts the stand-in,
    which keeps its cards in memory only."""
    card = Card(DEMO_CARD_TOKEN, "4242424242424242", "VISA", "2039-12", "DEMO RIDER", "demo")
    return {card.token: card}


@dataclass
class Session:
    id: str
    customer_ref: str
    return_url: str
    created: float
    status: str = "pending"  # pending | completed | declined | cancelled
    card: Card | None = None
    decline_code: str = ""


@dataclass
class PaymentRecord:
    id: str
    token: str
    reference: str
    amount: int  # authorised
    status: str  # authorized | captured | declined | refunded | partially_refunded
    decline_code: str = ""
    captured: int = 0
    refunded: int = 0
    created: str = ""

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "amount": self.amount,
            "captured_amount": self.captured,
            "refunded_amount": self.refunded,
            "reference": self.reference,
            "decline_code": self.decline_code,
            "created": self.created,
        }


@dataclass
class Movement:
    """Money that moved: one row of the settlement report."""

    id: str
    payment_id: str
    reference: str
    type: str  # capture | refund
    amount: int
    at: datetime

    def row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "payment_id": self.payment_id,
            "reference": self.reference,
            "type": self.type,
            "amount": self.amount,
            "at": self.at.astimezone(SEOUL).isoformat(timespec="seconds"),
        }


def _set_of(value: Any) -> set[str]:
    return {str(v) for v in value}


def _amounts(value: Any) -> dict[str, int]:
    return {str(k): int(v) for k, v in dict(value).items()}


# --- the gateway ---------------------------------------------------------------------------------


class GatewayStandIn(SendsWebhooks, StandIn):
    """The payment gateway. State lives in this instance (one per process unless a port is
    shared, see ``core.adapters.standin.Running``); knobs beyond the common ones:

    ``decline_next``/``decline_code`` decline the next *n* authorisations or charges;
    ``callback_url`` and ``webhook_repeat``/``webhook_delay``/``webhook_hold`` steer the
    webhooks (twice, late, held for :meth:`Webhooks.flush` in another order);
    ``report_drop`` (payment ids) and ``report_alter`` (payment id → amount) make the settlement
    report disagree with what really moved, to test reconciliation."""

    FAULTY = ("/v1/",)
    KNOBS = {
        **StandIn.KNOBS,
        "decline_next": int,
        "decline_code": str,
        "callback_url": str,
        "webhook_repeat": int,
        "webhook_delay": float,
        "webhook_hold": bool,
        "report_drop": _set_of,
        "report_alter": _amounts,
    }

    def __init__(self, secret: str, api_key: str, *, callback_url: str = "", **kwargs: Any) -> None:
        self.secret = secret
        self.api_key = api_key
        self.webhooks = Webhooks(secret, GATEWAY_HEADER, url=callback_url)
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.sessions: dict[str, Session] = {}
        self.cards: dict[str, Card] = demo_cards()
        self.payments: dict[str, PaymentRecord] = {}
        self.movements: list[Movement] = []
        self.idempotent: dict[str, tuple[str, Answer]] = {}
        self.requests: list[dict[str, Any]] = []  # every API request as received (method, path, key)
        super().__init__(**kwargs)

    def reset_faults(self) -> None:
        super().reset_faults()
        with self.lock:
            self.decline_next = 0
            self.decline_code = "do_not_honor"
            self.report_drop: set[str] = set()
            self.report_alter: dict[str, int] = {}

    def reset(self) -> None:
        """Forget everything (cards, payments, report, webhooks) and every knob but the callback URL;
        the clock is the real one again."""
        self.webhooks.reset()
        with self.lock:
            self.now = lambda: datetime.now(UTC)
            self.reset_faults()
            self.sessions.clear()
            self.cards.clear()
            self.cards.update(demo_cards())
            self.payments.clear()
            self.movements.clear()
            self.idempotent.clear()
            self.requests.clear()

    # the callback URL is the sender's too
    @property
    def callback_url(self) -> str:
        return self.webhooks.url

    @callback_url.setter
    def callback_url(self, value: str) -> None:
        self.webhooks.url = value

    def knobs(self) -> dict[str, Any]:
        found = super().knobs()
        found["report_drop"] = sorted(found["report_drop"])
        return found

    # --- dispatch ----------------------------------------------------------------------------

    def respond(self, request: Request) -> Answer:
        path, method = request.path, request.method
        if path.startswith("/hosted/cards/"):
            return self.hosted_page(request, path.removeprefix("/hosted/cards/"))
        if not path.startswith("/v1/"):
            return error(404, "not_found", path)
        if not secrets.compare_digest(request.header("Authorization").encode(), f"Bearer {self.api_key}".encode()):
            return error(401, "unauthorized", "a valid API key is required")
        body = request.json() if method == "POST" else {}
        with self.lock:
            self.requests.append({"method": method, "path": path, "key": request.header("Idempotency-Key")})
        parts = path.strip("/").split("/")[1:]
        if method == "POST" and parts == ["card-sessions"]:
            return self.start_session(body)
        if method == "GET" and len(parts) == 2 and parts[0] == "card-sessions":
            return self.session_answer(parts[1])
        if method == "GET" and len(parts) == 2 and parts[0] == "payments":
            with self.lock:
                payment = self.payments.get(parts[1])
            return json_answer(200, payment.public()) if payment else error(404, "payment_not_found", "no such payment")
        if method == "GET" and parts == ["reports", "settlement"]:
            return self.report_answer(request.query.get("date", ""))
        if method == "POST" and (
            parts == ["payments"] or (len(parts) == 3 and parts[0] == "payments" and parts[2] in ("capture", "refunds"))
        ):
            return self.money(request, parts, body)
        return error(404, "not_found", path)

    def control(self, request: Request) -> Answer:
        if request.path == "/_control/webhooks" and request.method == "GET":
            return json_answer(200, {"events": self.webhooks.events, "deliveries": self.webhooks.deliveries})
        if request.path == "/_control/webhooks/flush" and request.method == "POST":
            try:
                return json_answer(200, {"released": self.webhooks.flush(str(request.json().get("order", "reverse")))})
            except ValueError as exc:
                return error(400, "invalid_order", str(exc))
        return super().control(request)

    # --- card registration -------------------------------------------------------------------

    def start_session(self, body: dict[str, Any]) -> Answer:
        customer_ref, return_url = body.get("customer_ref"), body.get("return_url")
        if not isinstance(customer_ref, str) or not 0 < len(customer_ref) <= 64:
            return error(400, "invalid_request", "customer_ref (1–64 characters) is required")
        if not isinstance(return_url, str) or urlsplit(return_url).scheme not in ("http", "https"):
            return error(400, "invalid_request", "return_url must be an http(s) URL")
        session = Session("cs_" + secrets.token_urlsafe(18), customer_ref, return_url, time.time())
        with self.lock:
            self.sessions[session.id] = session
        return json_answer(
            201,
            {
                "session_id": session.id,
                "url": f"{self.url}/hosted/cards/{session.id}",
                "expires_in": SESSION_SECONDS,
            },
        )

    def _session(self, session_id: str) -> Session | None:
        with self.lock:
            session = self.sessions.get(session_id)
            if session is not None and session.status == "pending" and time.time() - session.created > SESSION_SECONDS:
                session.status = "expired"
            return session

    def session_answer(self, session_id: str) -> Answer:
        session = self._session(session_id)
        if session is None:
            return error(404, "session_not_found", "no such card session")
        answer: dict[str, Any] = {
            "session_id": session.id,
            "status": session.status,
            "customer_ref": session.customer_ref,
        }
        if session.card is not None and session.status == "completed":
            answer["card"] = session.card.public()
        if session.decline_code:
            answer["decline_code"] = session.decline_code
        return json_answer(200, answer)

    def hosted_page(self, request: Request, session_id: str) -> Answer:
        session = self._session(session_id)
        if session is None:
            return html_answer(
                404,
                _page("Not found", "<p>이 카드 등록 링크는 없습니다. This card registration link does not exist.</p>"),
            )
        if session.status != "pending":
            return html_answer(
                410,
                _page(
                    "Link used",
                    "<p>이 카드 등록 링크는 이미 사용되었거나 만료되었습니다. "
                    "This card registration link was already used or has expired.</p>"
                    f'<p><a href="{html.escape(_return(session))}">돌아가기 Go back</a></p>',
                ),
            )
        if request.method == "GET":
            return html_answer(200, _form(session))
        form = request.form()
        if form.get("action") == "cancel":
            with self.lock:
                session.status = "cancelled"
            return redirect(_return(session))
        number = re.sub(r"[\s-]", "", form.get("number", ""))
        expires = parse_expiry(form.get("expiry", ""))
        holder = " ".join(form.get("holder", "").split())
        errors: dict[str, str] = {}
        if not luhn_valid(number):
            errors["number"] = "카드 번호를 확인해 주세요. Check the card number."
        if expires is None:
            errors["expiry"] = "유효기간을 MM/YY 형식으로 입력해 주세요. Enter the expiry as MM/YY."
        if not holder or len(holder) > 50 or any(ord(c) < 32 for c in holder):
            errors["holder"] = "카드 소유자 이름을 입력해 주세요. Enter the cardholder's name."
        if errors:
            return html_answer(400, _form(session, errors, expiry=form.get("expiry", ""), holder=holder))
        assert expires is not None  # noqa: S101 - checked above
        test = TEST_CARDS.get(number)
        decline = ""
        if expires < self.now().astimezone(SEOUL).strftime("%Y-%m"):
            decline = "card_expired"
        elif test is not None and test.behaviour == "declined_at_registration":
            decline = test.decline_code
        with self.lock:
            if decline:
                session.status, session.decline_code = "declined", decline
            else:
                card = Card(
                    "bk_" + secrets.token_urlsafe(18), number, brand_of(number), expires, holder, session.customer_ref
                )
                self.cards[card.token] = card
                session.status, session.card = "completed", card
        return redirect(_return(session))

    # --- money -------------------------------------------------------------------------------

    def money(self, request: Request, parts: list[str], body: dict[str, Any]) -> Answer:
        key = request.header("Idempotency-Key")
        if not key or len(key) > 255:
            return error(400, "idempotency_key_required", "an Idempotency-Key header (1–255 characters) is required")
        fingerprint = hashlib.sha256(f"{request.path}|{sorted(body.items())!r}".encode()).hexdigest()
        with self.lock:  # the whole operation under the lock: a repeat waits and gets the same answer
            known = self.idempotent.get(key)
            if known is not None:
                if known[0] != fingerprint:
                    return error(422, "idempotency_key_reused", "this key was used for another request")
                stored = known[1]
                return Answer(stored.status, stored.body, stored.content_type)  # a repeat is answered at once
            amount = body.get("amount")
            if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
                answer = error(400, "invalid_amount", f"amount must be a whole number of won, 1 to {MAX_AMOUNT}")
            elif parts == ["payments"]:
                answer = self._pay(body, amount)
            elif parts[2] == "capture":
                answer = self._capture(parts[1], amount)
            else:
                answer = self._refund(parts[1], amount)
            if answer.status < 500:
                self.idempotent[key] = (fingerprint, answer)
        return answer

    def _emit(self, kind: str, payment: PaymentRecord, **extra: Any) -> None:
        data = {**payment.public(), **extra}
        self.webhooks.emit(
            {
                "event_id": "evt_" + secrets.token_hex(12),
                "type": kind,
                "created": self.now().astimezone(SEOUL).isoformat(timespec="seconds"),
                "data": data,
            }
        )

    def _move(self, payment: PaymentRecord, kind: str, amount: int) -> Movement:
        movement = Movement(
            ("cap_" if kind == "capture" else "re_") + secrets.token_hex(8),
            payment.id,
            payment.reference,
            kind,
            amount,
            self.now(),
        )
        self.movements.append(movement)
        return movement

    def _pay(self, body: dict[str, Any], amount: int) -> Answer:
        token, reference, capture = body.get("card_token"), body.get("reference"), body.get("capture", False)
        if not isinstance(reference, str) or not 0 < len(reference) <= 64:
            return error(400, "invalid_request", "reference (1–64 characters) is required")
        if not isinstance(capture, bool):
            return error(400, "invalid_request", "capture is true or false")
        card = self.cards.get(token) if isinstance(token, str) else None
        if card is None:
            return error(404, "card_not_found", "no card is registered with this token")
        test = card.behaviour
        decline = ""
        if card.expires < self.now().astimezone(SEOUL).strftime("%Y-%m"):
            decline = "card_expired"
        elif test is not None and test.behaviour == "charges_declined":
            decline = test.decline_code
        elif self.decline_next > 0:
            self.decline_next -= 1
            decline = self.decline_code
        payment = PaymentRecord(
            "pay_" + secrets.token_hex(10),
            card.token,
            reference,
            amount,
            "declined" if decline else ("captured" if capture else "authorized"),
            decline_code=decline,
            created=self.now().astimezone(SEOUL).isoformat(timespec="seconds"),
        )
        self.payments[payment.id] = payment
        if decline:
            self._emit("payment.declined", payment)
        elif capture:
            payment.captured = amount
            movement = self._move(payment, "capture", amount)
            self._emit("payment.captured", payment, movement_id=movement.id)
        else:
            self._emit("payment.authorized", payment)
        answer = json_answer(201, payment.public())
        if test is not None and test.behaviour == "times_out":
            answer.late = self.late_by
        return answer

    def _capture(self, payment_id: str, amount: int) -> Answer:
        payment = self.payments.get(payment_id)
        if payment is None:
            return error(404, "payment_not_found", "no such payment")
        if payment.status != "authorized":
            return error(409, "not_capturable", f"a {payment.status} payment cannot be captured")
        if amount > payment.amount:
            return error(422, "amount_exceeds_authorized", "more than was authorised")
        payment.status, payment.captured = "captured", amount
        movement = self._move(payment, "capture", amount)
        self._emit("payment.captured", payment, movement_id=movement.id)
        answer = json_answer(200, payment.public())
        card = self.cards.get(payment.token)
        if card is not None and card.behaviour is not None and card.behaviour.behaviour == "times_out":
            answer.late = self.late_by
        return answer

    def _refund(self, payment_id: str, amount: int) -> Answer:
        payment = self.payments.get(payment_id)
        if payment is None:
            return error(404, "payment_not_found", "no such payment")
        if payment.status not in ("captured", "partially_refunded"):
            return error(409, "not_refundable", f"a {payment.status} payment cannot be refunded")
        if amount > payment.captured - payment.refunded:
            return error(422, "amount_exceeds_refundable", "more than is left to refund")
        payment.refunded += amount
        payment.status = "refunded" if payment.refunded == payment.captured else "partially_refunded"
        movement = self._move(payment, "refund", amount)
        self._emit("refund.succeeded", payment, refund_id=movement.id, refund_amount=amount, movement_id=movement.id)
        answer = json_answer(201, {**payment.public(), "refund_id": movement.id})
        card = self.cards.get(payment.token)
        if card is not None and card.behaviour is not None and card.behaviour.behaviour == "times_out":
            answer.late = self.late_by
        return answer

    # --- report ------------------------------------------------------------------------------

    def report_rows(self, day: date) -> list[dict[str, Any]]:
        with self.lock:
            rows = []
            for movement in sorted(self.movements, key=lambda m: (m.at, m.id)):
                if movement.at.astimezone(SEOUL).date() != day or movement.payment_id in self.report_drop:
                    continue
                row = movement.row()
                if movement.payment_id in self.report_alter:
                    row["amount"] = self.report_alter[movement.payment_id]
                rows.append(row)
            return rows

    def report_answer(self, day_text: str) -> Answer:
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            return error(400, "invalid_date", "date=YYYY-MM-DD is required")
        return json_answer(200, {"date": day.isoformat(), "time_zone": "Asia/Seoul", "rows": self.report_rows(day)})


def _return(session: Session) -> str:
    joiner = "&" if urlsplit(session.return_url).query else "?"
    return f"{session.return_url}{joiner}session={session.id}"


_STYLE = """
body{margin:0;font-family:"Pretendard","Noto Sans KR","Nanum Gothic",system-ui,sans-serif;color:#1e2124;
background:#f4f5f6;line-height:1.5;font-size:17px}
header{background:#fff;border-bottom:1px solid #cdd1d5;padding:12px 16px;font-weight:700}
main{max-width:32rem;margin:24px auto;background:#fff;border:1px solid #cdd1d5;border-radius:8px;padding:20px 24px}
h1{font-size:1.5rem;margin:0 0 12px} label{display:block;font-weight:700;margin-top:16px}
.hint{color:#464c53;font-size:.94rem;margin:2px 0 4px}
input{box-sizing:border-box;width:100%;font-size:1.06rem;padding:10px 12px;border:1px solid #6d7882;border-radius:6px}
input[aria-invalid=true]{border:2px solid #de3412}
.field-error{color:#bd2c0f;font-weight:700;margin:4px 0}
.summary{border:2px solid #de3412;border-radius:8px;padding:12px 16px;margin-bottom:16px}
.summary a{color:#bd2c0f}
.actions{display:flex;gap:12px;flex-wrap:wrap;margin-top:24px}
button{font-size:1.06rem;padding:10px 20px;border-radius:6px;border:1px solid #256ef4;cursor:pointer}
.primary{background:#256ef4;color:#fff} .secondary{background:#fff;color:#256ef4}
button:focus,input:focus,a:focus{outline:3px solid #1c1c1c;outline-offset:2px}
details{margin-top:24px;font-size:.94rem} code{font-size:.94rem}
"""


def _page(title: str, content: str) -> str:
    return (
        '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · 결제대행 테스트 Payment gateway stand-in</title><style>{_STYLE}</style></head>"
        "<body><header>결제대행 테스트 서버 · Payment gateway stand-in</header>"
        f"<main>{content}</main></body></html>"
    )


def _form(session: Session, errors: dict[str, str] | None = None, *, expiry: str = "", holder: str = "") -> str:
    """The hosted card page. The number is never written back into the page (not even after an
    error): only the gateway ever holds it."""
    errors = errors or {}
    labels = {  # Korean, English, autocomplete, input mode, value written back
        "number": ("카드 번호", "Card number", "숫자 16자리", "16 digits", "cc-number", "numeric", ""),
        "expiry": ("유효기간", "Expiry (MM/YY)", "예: 08/29", "e.g. 08/29", "cc-exp", "numeric", expiry),
        "holder": (
            "카드 소유자 이름",
            "Cardholder name",
            "카드에 적힌 이름",
            "The name on the card",
            "cc-name",
            "text",
            holder,
        ),
    }
    summary = ""
    if errors:
        items = "".join(f'<li><a href="#{name}">{html.escape(text)}</a></li>' for name, text in errors.items())
        summary = (
            '<div class="summary" role="alert" tabindex="-1" id="error-summary">'
            f"<h2>입력 내용을 확인해 주세요 · Please check</h2><ul>{items}</ul></div>"
        )
    fields = []
    for name, (label, label_en, hint, hint_en, autocomplete, mode, value) in labels.items():
        described = f"{name}-hint" + (f" {name}-error" if name in errors else "")
        fields.append(
            f'<label for="{name}">{label} <span lang="en">{label_en}</span></label>'
            f'<p class="hint" id="{name}-hint">{hint} <span lang="en">{hint_en}</span></p>'
            + (f'<p class="field-error" id="{name}-error">{html.escape(errors[name])}</p>' if name in errors else "")
            + f'<input id="{name}" name="{name}" autocomplete="{autocomplete}" inputmode="{mode}" required '
            f'aria-describedby="{described}"'
            + (' aria-invalid="true"' if name in errors else "")
            + f' value="{html.escape(value)}">'
        )
    cards = "".join(
        f"<li><code>{' '.join(c.number[i : i + 4] for i in range(0, len(c.number), 4))}</code> {html.escape(c.brand)}: "
        f"{html.escape(c.note)}</li>"
        for c in TEST_CARDS.values()
    )
    content = (
        f"{summary}<h1>결제 카드 등록 · Register a payment card</h1>"
        "<p>카드 번호는 결제대행사만 보관하며 서울시 플랫폼에는 전달되지 않습니다. "
        "The card number stays with the payment gateway; the Seoul platform never receives it.</p>"
        f'<form method="post" action="/hosted/cards/{html.escape(session.id)}" novalidate>'
        + "".join(fields)
        + '<div class="actions"><button class="primary" type="submit" name="action" value="register">'
        "카드 등록 Register card</button>"
        '<button class="secondary" type="submit" name="action" value="cancel" formnovalidate>취소 Cancel</button></div>'
        "</form>"
        f"<details><summary>테스트 카드 Test cards</summary><ul>{cards}</ul>"
        "<p>유효기간은 미래의 아무 날짜 Any future expiry.</p></details>"
    )
    return _page("카드 등록 Register a card", content)


# --- entitlement verification ------------------------------------------------------------------------

KINDS = ("senior", "disabled", "merit")
SENIOR_AGE = 65
# 65 and over lasts for life; the service still answers with a date, ten years on, after which
# the platform asks again (a death it was not told of ends it there).
SENIOR_HORIZON_DAYS = 3652
_RESIDENT_NUMBER = re.compile(r"\d{6}\s*-?\s*[1-8]\d{6}")


def _digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Person:
    """Someone the verification service knows. ``entitlements``: kind → days from "today" until
    it expires (relative, so the demo table never goes stale); 65 and over is computed from the
    birth date. Faults: ``delay`` seconds, ``fail_times`` answers 503."""

    name: str
    birth_date: date
    phone: str
    entitlements: dict[str, int] = field(default_factory=dict)
    delay: float = 0.0
    fail_times: int = 0

    @property
    def key(self) -> tuple[str, date, str]:
        return (" ".join(self.name.split()), self.birth_date, _digits(self.phone))


# The demo's people (fictional), known to every instance: `make run` and tests can sign up as
# them. Mobile numbers 010-6500-00xx are theirs alone on this platform.
def demo_people() -> list[Person]:
    return [
        Person("김영자", date(1953, 2, 14), "010-6500-0001"),  # 65 and over
        Person("이준호", date(1985, 7, 9), "010-6500-0002", {"disabled": 730}),
        Person("박상철", date(1968, 11, 30), "010-6500-0003", {"merit": 1825}),
        Person("최말순", date(1950, 5, 5), "010-6500-0004", {"disabled": 365}),  # and 65 and over
        Person("정하늘", date(1992, 3, 21), "010-6500-0005", {"disabled": 3}),  # expires in three days
        Person("한지민", date(1999, 12, 1), "010-6500-0006"),  # known, entitled to nothing
        Person("오지연", date(1990, 1, 1), "010-6500-0007", {"disabled": 365}, delay=3.0),  # a slow answer
    ]


class EntitlementStandIn(StandIn):
    """``POST /v1/entitlements/verifications`` → the person's current entitlements. Knob
    ``match_anyone``: treat a person it does not know as found with the birth date given
    (entitled to 65-and-over only, by age), for sign-ups with made-up people."""

    FAULTY = ("/v1/",)
    KNOBS = {**StandIn.KNOBS, "match_anyone": bool}

    def __init__(self, api_key: str, **kwargs: Any) -> None:
        self.api_key = api_key
        self.people: dict[tuple[str, date, str], Person] = {}
        self.served: list[dict[str, Any]] = []  # what was asked: consent id and whether found
        self.today: Callable[[], date] = lambda: datetime.now(SEOUL).date()
        self.match_anyone = False
        super().__init__(**kwargs)
        self.reset()

    def reset(self) -> None:
        """Back to the demo people, no faults, the real date."""
        self.reset_faults()
        with self.lock:
            self.today = lambda: datetime.now(SEOUL).date()
            self.match_anyone = False
            self.people.clear()
            self.served.clear()
        for person in demo_people():
            self.add(person)

    def add(self, person: Person) -> Person:
        unknown = set(person.entitlements) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds: {sorted(unknown)}")
        with self.lock:
            self.people[person.key] = person
        return person

    def respond(self, request: Request) -> Answer:
        if request.path != "/v1/entitlements/verifications" or request.method != "POST":
            return error(404, "not_found", request.path)
        if not secrets.compare_digest(request.header("Authorization").encode(), f"Bearer {self.api_key}".encode()):
            return error(401, "unauthorized", "a valid API key is required")
        body = request.json()
        if any(isinstance(v, str) and _RESIDENT_NUMBER.search(v) for v in body.values()):
            return error(400, "resident_number_refused", "this service never takes a resident registration number")
        name, birth_text, phone, consent = (body.get(k) for k in ("name", "birth_date", "phone", "consent_id"))
        if not isinstance(consent, str) or not 0 < len(consent) <= 64:
            return error(400, "consent_required", "the person's consent id is required")
        try:
            birth = date.fromisoformat(str(birth_text))
        except ValueError:
            return error(400, "invalid_request", "birth_date is YYYY-MM-DD")
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 50 or not isinstance(phone, str):
            return error(400, "invalid_request", "name and mobile number are required")
        digits = _digits(phone)
        if not (digits.startswith("01") and len(digits) in (10, 11)):
            return error(400, "invalid_request", "a mobile number is required")
        key = (" ".join(name.split()), birth, digits)
        with self.lock:
            person = self.people.get(key)
            if person is None and self.match_anyone:
                person = Person(name, birth, digits)
            failing = person is not None and person.fail_times > 0
            if failing and person is not None:
                person.fail_times -= 1
        if person is not None and person.delay:
            time.sleep(person.delay)
        if failing:
            return error(503, "unavailable", "the registry is busy, try again")
        today = self.today()
        entitlements = []
        if person is not None:
            if age_on(person.birth_date, today) >= SENIOR_AGE:
                entitlements.append(
                    {"kind": "senior", "valid_until": (today + timedelta(days=SENIOR_HORIZON_DAYS)).isoformat()}
                )
            for kind, days in sorted(person.entitlements.items()):
                if days >= 0:
                    entitlements.append({"kind": kind, "valid_until": (today + timedelta(days=days)).isoformat()})
        with self.lock:
            self.served.append({"consent_id": consent, "found": person is not None})
        return json_answer(
            200,
            {
                "verification_id": "ver_" + secrets.token_hex(8),
                "checked_on": today.isoformat(),
                "found": person is not None,
                "entitlements": entitlements,
            },
        )

    def control(self, request: Request) -> Answer:
        if request.path == "/_control/people" and request.method == "POST":
            body = request.json()
            try:
                person = self.add(
                    Person(
                        str(body["name"]),
                        date.fromisoformat(str(body["birth_date"])),
                        str(body["phone"]),
                        {str(k): int(v) for k, v in dict(body.get("entitlements", {})).items()},
                        delay=float(body.get("delay", 0)),
                        fail_times=int(body.get("fail_times", 0)),
                    )
                )
            except (KeyError, TypeError, ValueError) as exc:
                return error(400, "invalid_person", str(exc))
            return json_answer(201, {"name": person.name, "entitlements": person.entitlements})
        return super().control(request)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - a command for people
    """Serve one stand-in on a fixed loopback port until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("gateway", "entitlements"))
    parser.add_argument("--port", type=int, default=8026)
    parser.add_argument("--callback-url", default="", help="where the gateway posts its webhooks")
    args = parser.parse_args(argv)
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "seoul.settings")

    django.setup()
    from seoul.metro.adapters import entitlements, gateway

    made: StandIn
    if args.kind == "gateway":
        made = GatewayStandIn(
            gateway.gateway_secret(), gateway.api_key(), callback_url=args.callback_url, port=args.port
        )
    else:
        made = EntitlementStandIn(entitlements.api_key(), port=args.port)
    print(f"{args.kind} stand-in on {made.url}")  # noqa: T201
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        made.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
