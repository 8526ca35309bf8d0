"""The payment-gateway adapter against its loopback stand-in: card registration on the hosted
page (the platform never receives the number), charges, declines, time-outs answered by a
repeat with the same key (money moves once), refunds, webhooks twice/late/out of order,
forged and stale signatures, and the settlement report (no database)."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core.adapters import signing
from seoul.core.adapters.http import AdapterError, call
from seoul.core.engine.time import SEOUL
from seoul.metro.adapters import gateway
from seoul.metro.adapters.standins import DEMO_CARD_TOKEN, TEST_CARDS, GatewayStandIn

OK = "4242424242424242"
POOR = "4000000000009995"  # registers; charges declined: insufficient funds
REFUSED = "4000000000000002"  # declined at registration
SLOW = "4000000000000119"  # every first answer comes after the client's timeout
RETURN = "http://127.0.0.1:9/metro/me/cards/return"


class Receiver:
    """The platform's webhook endpoint, played by a tiny server: records (body, signature)."""

    def __init__(self) -> None:
        got: list[tuple[bytes, str]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                got.append((raw, self.headers.get(gateway.SIGNATURE_HEADER, "")))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.got = got
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/metro/gateway/webhook"

    def events(self) -> list[dict[str, Any]]:
        """What the platform accepts of what arrived, in arrival order (duplicates kept)."""
        accepted = [gateway.verify_webhook(raw, header) for raw, header in self.got]
        assert all(e is not None for e in accepted), "every webhook the gateway sends verifies"
        return [e for e in accepted if e is not None]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gw() -> Iterator[GatewayStandIn]:
    service = gateway.standin()
    service.reset()
    service.late_by = 1.0
    yield service
    service.reset()
    service.callback_url = ""


@pytest.fixture
def hooks(gw: GatewayStandIn) -> Iterator[Receiver]:
    receiver = Receiver()
    gw.callback_url = receiver.url
    yield receiver
    gw.webhooks.drain()
    receiver.close()


def fetch(url: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
    """GET (or POST a form to) a page without following a redirect, as a browser's first hop."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if form is None:
        conn.request("GET", target)
    else:
        body = urllib.parse.urlencode(form)
        conn.request("POST", target, body, {"Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    answer = (resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read().decode())
    conn.close()
    return answer


def register(number: str = OK, expiry: str = "12/39", holder: str = "KIM SEOUL") -> tuple[str, int, dict[str, str]]:
    session, url = gateway.start_card_registration("rider-7f3a", RETURN)
    status, headers, _page = fetch(url, {"number": number, "expiry": expiry, "holder": holder, "action": "register"})
    return session, status, headers


def card(number: str = OK) -> gateway.CardRegistration:
    session, status, _headers = register(number)
    assert status == 303
    return gateway.card_registration(session)


# --- card registration -------------------------------------------------------------------------------


def test_the_hosted_page_registers_a_card_and_the_platform_never_receives_its_number(
    gw: GatewayStandIn, hooks: Receiver
) -> None:
    session, url = gateway.start_card_registration("rider-7f3a", RETURN + "?step=2")
    assert url.startswith("http://127.0.0.1:") and session in url
    status, _h, page = fetch(url)
    assert status == 200 and '<html lang="ko">' in page
    for field in ("number", "expiry", "holder"):  # each input has a label and a hint it points at
        assert f'<label for="{field}">' in page and f'aria-describedby="{field}-hint"' in page
    assert "카드 번호" in page and "Card number" in page and 'autocomplete="cc-number"' in page
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.card_registration(session)
    assert exc.value.code == "pending"
    # a mistyped number: the page says so and does not write the number back
    status, _h, page = fetch(url, {"number": "4242 4242 4242 4241", "expiry": "12/39", "holder": "KIM"})
    assert status == 400 and 'aria-invalid="true"' in page and 'href="#number"' in page
    assert "4242 4242 4242 4241" not in page and "4242424242424241" not in page
    status, headers, _page = fetch(url, {"number": "4242 4242 4242 4242", "expiry": "12/39", "holder": "KIM SEOUL"})
    assert status == 303 and headers["location"] == f"{RETURN}?step=2&session={session}"
    registered = gateway.card_registration(session)
    assert registered == gateway.CardRegistration(registered.token, "VISA", "4242", "2039-12")
    assert registered.token.startswith("bk_") and OK not in registered.token
    # what reaches the platform: the redirect, the session answer, payments and their webhooks
    _s, raw_session = call("GET", gateway.endpoint() + f"/v1/card-sessions/{session}", headers=_auth())
    gateway.charge(registered.token, 1_550, reference="journey-1", idempotency_key="k-1")
    assert gw.webhooks.drain()
    seen = json.dumps(raw_session) + headers["location"] + "".join(raw.decode() for raw, _ in hooks.got)
    assert hooks.got and OK not in seen and "4242 4242" not in seen
    # the link is spent
    status, _h, page = fetch(url)
    assert status == 410 and "already used" in page


def _auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {gateway.api_key()}"}


@pytest.mark.parametrize(
    ("number", "expiry", "code"),
    [(REFUSED, "12/39", "do_not_honor"), (OK, "01/21", "card_expired")],
)
def test_a_card_the_issuer_refuses_is_declined_at_registration(
    gw: GatewayStandIn, number: str, expiry: str, code: str
) -> None:
    session, status, headers = register(number, expiry)
    assert status == 303 and headers["location"].endswith(f"session={session}")
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.card_registration(session)
    assert (exc.value.code, exc.value.decline_code) == ("declined", code)
    assert set(gw.cards) == {DEMO_CARD_TOKEN}  # only the demo rider's card: nothing kept


def test_a_rider_may_cancel_on_the_hosted_page(gw: GatewayStandIn) -> None:
    session, url = gateway.start_card_registration("rider-7f3a", RETURN)
    status, headers, _page = fetch(url, {"action": "cancel"})
    assert status == 303 and headers["location"] == f"{RETURN}?session={session}"
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.card_registration(session)
    assert exc.value.code == "cancelled"
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.card_registration("cs_nobody")
    assert exc.value.code == "session_not_found"


def test_the_gateway_wants_its_api_key(gw: GatewayStandIn) -> None:
    with pytest.raises(gateway.GatewayError) as exc, override_settings(SEOUL_METRO_GATEWAY_API_KEY="wrong"):
        gateway.start_card_registration("rider-7f3a", RETURN)
    assert exc.value.code == "unauthorized" and exc.value.status == 401


# --- money ----------------------------------------------------------------------------------------------


def test_charge_authorise_capture_and_refund(gw: GatewayStandIn, hooks: Receiver) -> None:
    token = card().token
    charged = gateway.charge(token, 1_550, reference="journey-1", idempotency_key="charge-1")
    assert (charged.status, charged.amount, charged.captured_amount) == ("captured", 1_550, 1_550)
    held = gateway.authorize(token, 20_000, reference="settle-2026-12-01", idempotency_key="auth-1")
    assert (held.status, held.captured_amount) == ("authorized", 0)
    taken = gateway.capture(held.id, 12_300, idempotency_key="cap-1")
    assert (taken.id, taken.status, taken.captured_amount) == (held.id, "captured", 12_300)
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.capture(held.id, 12_300, idempotency_key="cap-again")
    assert exc.value.code == "not_capturable"
    part = gateway.refund(taken.id, 300, idempotency_key="re-1")
    assert (part.status, part.refunded_amount) == ("partially_refunded", 300) and part.refund_id
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.refund(taken.id, 12_001, idempotency_key="re-too-much")
    assert exc.value.code == "amount_exceeds_refundable"
    rest = gateway.refund(taken.id, 12_000, idempotency_key="re-2")
    assert (rest.status, rest.refunded_amount) == ("refunded", 12_300) and rest.refund_id != part.refund_id
    assert gateway.payment(taken.id) == gateway.Payment(
        taken.id, "refunded", 20_000, "", 12_300, 12_300, "settle-2026-12-01"
    )
    assert gw.webhooks.drain()
    assert [e["type"] for e in hooks.events()] == [
        "payment.captured",
        "payment.authorized",
        "payment.captured",
        "refund.succeeded",
        "refund.succeeded",
    ]


def test_declines_move_no_money_and_say_why(gw: GatewayStandIn, hooks: Receiver) -> None:
    poor = card(POOR).token
    declined = gateway.charge(poor, 1_550, reference="journey-1", idempotency_key="d-1")
    assert (declined.status, declined.decline_code, declined.captured_amount) == ("declined", "insufficient_funds", 0)
    good = card(OK).token
    call("POST", gateway.endpoint() + "/_control", {"decline_next": 1, "decline_code": "do_not_honor"})
    refused = gateway.authorize(good, 5_000, reference="top-up-1", idempotency_key="d-2")
    assert (refused.status, refused.decline_code) == ("declined", "do_not_honor")
    assert gateway.charge(good, 5_000, reference="top-up-1", idempotency_key="d-3").status == "captured"
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.capture(refused.id, 5_000, idempotency_key="d-4")
    assert exc.value.code == "not_capturable"
    assert gw.webhooks.drain()
    assert [(e["type"], e["data"]["decline_code"]) for e in hooks.events()] == [
        ("payment.declined", "insufficient_funds"),
        ("payment.declined", "do_not_honor"),
        ("payment.captured", ""),
    ]
    assert [r["amount"] for r in gateway.report(datetime.now(SEOUL).date())] == [5_000]


def test_a_card_whose_expiry_has_passed_is_declined_when_charged(gw: GatewayStandIn) -> None:
    token = card().token
    gw.now = lambda: datetime(2040, 1, 2, tzinfo=UTC)  # the card ran to 2039-12
    assert gateway.charge(token, 1_550, reference="j", idempotency_key="e-1").decline_code == "card_expired"


def test_the_same_key_answers_the_first_answer_and_another_request_is_refused(gw: GatewayStandIn) -> None:
    token = card().token
    first = gateway.charge(token, 1_550, reference="journey-1", idempotency_key="same")
    again = gateway.charge(token, 1_550, reference="journey-1", idempotency_key="same")
    assert again == first and len(gw.movements) == 1
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.charge(token, 9_999, reference="journey-1", idempotency_key="same")
    assert exc.value.code == "idempotency_key_reused" and exc.value.status == 422
    assert gateway.charge(token, 1_550, reference="journey-1", idempotency_key="other").id != first.id
    assert len(gw.movements) == 2
    with pytest.raises(AdapterError) as raw:
        call("POST", gateway.endpoint() + "/v1/payments", {"card_token": token, "amount": 1}, headers=_auth())
    assert raw.value.code == "idempotency_key_required"


@override_settings(SEOUL_METRO_GATEWAY_TIMEOUT=0.3)
def test_a_timed_out_charge_is_repeated_with_its_key_and_moves_money_once(gw: GatewayStandIn) -> None:
    """The gateway charged, but answered after the client gave up: the client asks again with
    the same key and learns the payment, which exists once."""
    token = card(SLOW).token
    charged = gateway.charge(token, 1_550, reference="journey-1", idempotency_key="slow-1")
    assert charged.status == "captured"
    assert [r["key"] for r in gw.requests if r["path"] == "/v1/payments"] == ["slow-1", "slow-1"]
    assert [(m.payment_id, m.amount) for m in gw.movements] == [(charged.id, 1_550)]
    # a caller that gives up after one try learns it later, with the same key
    with override_settings(SEOUL_METRO_GATEWAY_ATTEMPTS=1):
        with pytest.raises(gateway.GatewayError) as exc:
            gateway.charge(token, 2_000, reference="journey-2", idempotency_key="slow-2")
        assert exc.value.code == "timeout"
        assert len(gw.movements) == 2  # it was charged all the same
        later = gateway.charge(token, 2_000, reference="journey-2", idempotency_key="slow-2")
    assert later.status == "captured" and [m.payment_id for m in gw.movements] == [charged.id, later.id]
    # the same for a refund, on any card, through the common knob
    gw.late_next = 1
    refunded = gateway.refund(charged.id, 1_550, idempotency_key="slow-refund")
    assert refunded.status == "refunded" and [m.type for m in gw.movements] == ["capture", "capture", "refund"]


def test_a_busy_gateway_is_asked_again(gw: GatewayStandIn) -> None:
    token = card().token
    gw.fail_next = 2
    assert gateway.charge(token, 1_550, reference="j", idempotency_key="busy-1").status == "captured"
    gw.fail_next = 3
    with pytest.raises(gateway.GatewayError) as exc:
        gateway.charge(token, 1_550, reference="j", idempotency_key="busy-2")
    assert exc.value.code == "unavailable" and len(gw.movements) == 1


# --- webhooks ------------------------------------------------------------------------------------------


def test_webhooks_twice_late_and_out_of_order_carry_their_event_ids(gw: GatewayStandIn, hooks: Receiver) -> None:
    token = card().token
    gw.webhook_repeat = 2  # every event answered twice
    first = gateway.charge(token, 1_550, reference="journey-1", idempotency_key="w-1")
    assert gw.webhooks.drain()
    twice = hooks.events()
    assert [e["type"] for e in twice] == ["payment.captured"] * 2 and twice[0] == twice[1]
    assert twice[0]["data"]["id"] == first.id and twice[0]["data"]["amount"] == 1_550
    # held back, then released newest first: the refund arrives before the capture it refunds
    hooks.got.clear()
    gw.webhook_repeat, gw.webhook_hold = 1, True
    second = gateway.charge(token, 2_000, reference="journey-2", idempotency_key="w-2")
    gateway.refund(second.id, 2_000, idempotency_key="w-3")
    _s, released = call("POST", gateway.endpoint() + "/_control/webhooks/flush", {"order": "reverse"})
    assert released == {"released": 2} and gw.webhooks.drain()
    assert [e["type"] for e in hooks.events()] == ["refund.succeeded", "payment.captured"]
    # late: after the answer
    hooks.got.clear()
    gw.webhook_hold, gw.webhook_delay = False, 0.4
    gateway.charge(token, 3_000, reference="journey-3", idempotency_key="w-4")
    assert hooks.got == []
    assert gw.webhooks.drain() and [e["type"] for e in hooks.events()] == ["payment.captured"]
    # every event has its own id, the same on each of its deliveries
    ids = [e["event_id"] for e in gw.webhooks.events]
    assert len(ids) == len(set(ids)) == 4


def test_forged_stale_and_malformed_webhooks_are_refused(gw: GatewayStandIn) -> None:
    event = {"event_id": "evt_1", "type": "payment.captured", "created": "x", "data": {"id": "pay_1"}}
    raw = json.dumps(event).encode()
    now = time.time()
    assert gateway.verify_webhook(raw, signing.sign(gateway.gateway_secret(), raw)) == event
    assert gateway.verify_webhook(raw, signing.sign("someone-else", raw)) is None  # forged
    assert gateway.verify_webhook(raw.replace(b"pay_1", b"pay_2"), signing.sign(gateway.gateway_secret(), raw)) is None
    stale = signing.sign(gateway.gateway_secret(), raw, now=now - signing.TOLERANCE - 5)
    assert gateway.verify_webhook(raw, stale) is None  # replayed from long ago
    assert gateway.verify_webhook(raw, None) is None and gateway.verify_webhook(raw, "") is None
    for body in (b"not json", b"[]", json.dumps({"type": "x", "data": {}}).encode()):
        assert gateway.verify_webhook(body, signing.sign(gateway.gateway_secret(), body)) is None
    with override_settings(SEOUL_METRO_GATEWAY_SECRET="configured"):  # a configured secret wins
        assert gateway.gateway_secret() == "configured"
        assert gateway.verify_webhook(raw, signing.sign("configured", raw)) == event


# --- the settlement report ------------------------------------------------------------------------------


def test_the_report_lists_every_capture_and_refund_of_the_seoul_day(gw: GatewayStandIn) -> None:
    token = card().token
    # 23:50 and 00:10 Seoul time fall on two days (UTC 14:50 and 15:10)
    gw.now = lambda: datetime(2026, 12, 1, 14, 50, tzinfo=UTC)
    a = gateway.charge(token, 1_550, reference="journey-a", idempotency_key="r-1")
    gw.now = lambda: datetime(2026, 12, 1, 15, 10, tzinfo=UTC)
    b = gateway.charge(token, 2_000, reference="journey-b", idempotency_key="r-2")
    gateway.refund(a.id, 550, idempotency_key="r-3")
    first, second = gateway.report(date(2026, 12, 1)), gateway.report(date(2026, 12, 2))
    assert [(r["payment_id"], r["type"], r["amount"]) for r in first] == [(a.id, "capture", 1_550)]
    assert [(r["payment_id"], r["reference"], r["type"], r["amount"]) for r in second] == [
        (b.id, "journey-b", "capture", 2_000),
        (a.id, "journey-a", "refund", 550),
    ]
    assert second[0]["at"] == datetime(2026, 12, 2, 0, 10, tzinfo=SEOUL)
    # the knobs that make it disagree, for reconciliation tests
    gw.set_knobs({"report_drop": [b.id], "report_alter": {a.id: 500}})
    assert [(r["payment_id"], r["amount"]) for r in gateway.report(date(2026, 12, 2))] == [(a.id, 500)]


@override_settings(SEOUL_METRO_GATEWAY_BACKOFF=0)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["charge", "authorize", "capture", "refund"]),
            st.integers(1, 30_000),
            st.integers(0, 5),  # which key: repeats are likely
            st.booleans(),  # a busy answer first
        ),
        min_size=1,
        max_size=12,
    )
)
def test_whatever_is_repeated_the_report_agrees_with_what_moved(gw: GatewayStandIn, ops: list[Any]) -> None:
    """Any sequence of requests, keys repeated and busy answers retried: each key moves money
    at most once, and the report is exactly the money that moved."""
    gw.reset()
    gw.now = lambda: datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    token = card().token
    payments: list[str] = []
    refusals: list[str] = []
    first: dict[str, gateway.Payment] = {}  # the client's view: the first answer to each key
    expected = {"capture": 0, "refund": 0, "rows": 0}
    for n, (op, amount, key_no, busy) in enumerate(ops):
        key = f"{op}-{key_no}"
        gw.fail_next = 1 if busy else 0
        try:
            if op in ("charge", "authorize"):
                fn = gateway.charge if op == "charge" else gateway.authorize
                paid = fn(token, amount, reference=f"ref-{key_no}", idempotency_key=key)
                payments.append(paid.id)
            elif payments:
                fn2 = gateway.capture if op == "capture" else gateway.refund
                paid = fn2(payments[n % len(payments)], amount, idempotency_key=key)
            else:
                continue
        except gateway.GatewayError as exc:
            refusals.append(exc.code)
            continue
        if key in first:
            assert paid == first[key]  # a repeated key: the first answer, nothing done again
            continue
        first[key] = paid
        if op != "authorize" and paid.status != "declined" and (op != "charge" or paid.status == "captured"):
            expected["refund" if op == "refund" else "capture"] += amount
            expected["rows"] += 1
    assert set(refusals) <= {  # refused for what was asked, never for the faults
        "idempotency_key_reused",
        "not_capturable",
        "not_refundable",
        "amount_exceeds_authorized",
        "amount_exceeds_refundable",
    }
    rows = gateway.report(date(2026, 12, 1))
    assert sum(r["amount"] for r in rows if r["type"] == "capture") == expected["capture"]
    assert sum(r["amount"] for r in rows if r["type"] == "refund") == expected["refund"]
    assert len(rows) == expected["rows"]
    captures = [m.payment_id for m in gw.movements if m.type == "capture"]
    assert len(captures) == len(set(captures))  # a payment is captured once, however often asked
    for p in gw.payments.values():
        assert 0 <= p.refunded <= p.captured <= p.amount


def test_a_second_process_uses_the_standin_on_the_shared_port() -> None:
    from seoul.core.adapters.standin import Running

    first, second = Running(), Running()
    made = first.get("gateway", lambda port: GatewayStandIn("s", "k", port=port), 0)
    try:
        port = int(made.url.rsplit(":", 1)[1])
        assert second.url("gateway", lambda p: GatewayStandIn("s", "k", port=p), port) == made.url
    finally:
        made.stop()


def test_test_cards_are_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[4] / "docs" / "metro-payments.md").read_text(encoding="utf-8")
    for number in TEST_CARDS:
        assert " ".join(number[i : i + 4] for i in range(0, 16, 4)) in doc
