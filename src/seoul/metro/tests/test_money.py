"""Money through the payment gateway's loopback stand-in: cards, top-ups, daily settlement, the
deny list, webhooks (twice, late, reordered, forged) and reconciliation (docs/metro-riders.md)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from seoul.core.adapters import signing, sms
from seoul.core.engine.time import SEOUL
from seoul.metro.actions import ingest_events, money, riders
from seoul.metro.adapters import gateway
from seoul.metro.adapters.standins import GatewayStandIn
from seoul.metro.models import (
    DenyListing,
    Journey,
    LedgerEntry,
    LedgerTransaction,
    Notification,
    Payment,
    PaymentCard,
    Rider,
)
from seoul.metro.tests import builders

pytestmark = pytest.mark.django_db

OK = "4242 4242 4242 4242"
INSUFFICIENT = "4000 0000 0000 9995"
RETURN = "http://testserver/metro/me/card/done"


def on_commit() -> Any:
    return TestCase.captureOnCommitCallbacks(execute=True)


register = builders.register_card


def ride(
    token: str, prefix: str, boarded: datetime, entry: str = builders.SEOUL_STATION, exit_: str = builders.GANGNAM
) -> None:
    with on_commit():
        result = ingest_events(builders.journey_events(prefix, token, entry, exit_, boarded), actor=None)
    assert not result.rejected


def deliver(events: list[dict[str, Any]]) -> list[money.WebhookResult]:
    out = []
    for event in events:
        raw = json.dumps(event, ensure_ascii=False).encode()
        with on_commit():
            out.append(money.receive_webhook(raw, signing.sign(gateway.gateway_secret(), raw)))
    return out


def charged(rider: Rider) -> int:
    return sum(Journey.objects.filter(rider=rider, superseded=False).values_list("charge", flat=True))


def money_in(rider: Rider) -> int:
    captured = Payment.objects.filter(rider=rider, status=Payment.Status.CAPTURED)
    paid_out = Payment.objects.filter(rider=rider, status=Payment.Status.REFUNDED)
    return sum(p.amount for p in captured) - sum(p.amount for p in paid_out)


# --- cards ----------------------------------------------------------------------------------------


def test_a_card_is_kept_as_the_gateways_token_never_its_number(gates: None, gw: GatewayStandIn) -> None:
    rider, _ = builders.signed_up("010-4000-0001")
    card = register(rider)
    assert (card.brand, card.last4) == ("VISA", "4242") and card.token.startswith("bk_")
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM metro_paymentcard")
        (stored,) = cursor.fetchone()
    assert "bk_" not in stored  # encrypted at rest
    # A second card replaces the first; one live card per rider.
    register(rider, "5555 5555 5555 4444")
    assert PaymentCard.objects.filter(rider=rider, removed_at__isnull=True).get().last4 == "4444"


def test_a_card_session_of_another_rider_is_refused(gates: None, gw: GatewayStandIn) -> None:
    rider, _ = builders.signed_up("010-4000-0002")
    other, _ = builders.signed_up("010-4000-0003")
    assert rider.user is not None and other.user is not None
    money.start_card_registration(rider, RETURN, actor=rider.user)
    session = rider.card_sessions.get().session_id
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        money.finish_card_registration(other, session, actor=other.user)
    assert not PaymentCard.objects.exists()


# --- prepaid ----------------------------------------------------------------------------------------


def test_a_top_up_moves_money_once_however_often_it_is_sent(gates: None, gw: GatewayStandIn) -> None:
    rider, _ = builders.signed_up("010-4000-0004")
    assert rider.user is not None
    register(rider)
    with on_commit():
        first = money.top_up(rider, 10_000, "nonce-1", actor=rider.user)
    with on_commit():
        again = money.top_up(rider, 10_000, "nonce-1", actor=rider.user)  # a double click
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.status == Payment.Status.CAPTURED
    assert money.balance(rider) == 10_000
    assert [r["amount"] for r in gateway.report(timezone.localdate(timezone.now(), SEOUL))] == [10_000]
    # The gateway's webhook for the same capture changes nothing.
    results = deliver(gw.webhooks.events)
    assert all(r.accepted for r in results)
    assert LedgerTransaction.objects.filter(key__startswith="pay:").count() == 1
    assert Notification.objects.filter(rider=rider, kind=Notification.Kind.TOP_UP).count() == 1


def test_a_timed_out_top_up_stays_pending_and_is_finished_once_by_the_retry(gates: None, gw: GatewayStandIn) -> None:
    rider, _ = builders.signed_up("010-4000-0005")
    assert rider.user is not None
    register(rider)
    gw.set_knobs({"late_next": 1, "late_by": 1.5})
    with on_commit():
        payment = money.top_up(rider, 5_000, "late-1", actor=rider.user)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and money.balance(rider) == 0
    later = timezone.now() + money.RETRY_AFTER + timedelta(seconds=1)
    assert money.retry_pending(now=later) == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED and money.balance(rider) == 5_000
    day = timezone.localdate(timezone.now(), SEOUL)
    assert [r["amount"] for r in gateway.report(day)] == [5_000]  # the gateway moved it once


def test_tagless_needs_the_base_fare_in_a_prepaid_balance_and_allows_one_negative_journey(
    gates: None, gw: GatewayStandIn
) -> None:
    rider, token = builders.signed_up("010-4000-0006")
    assert rider.user is not None
    register(rider)
    # Boarded yesterday at 10:00 Seoul time: never inside the early-bird hours, whenever this runs.
    yesterday = timezone.localdate(timezone.now(), SEOUL) - timedelta(days=1)
    at = datetime.combine(yesterday, datetime.min.time(), tzinfo=SEOUL) + timedelta(hours=10)
    assert riders.tagless_refusal(rider, at) == riders.Refusal.LOW_BALANCE
    with on_commit():
        money.top_up(rider, 2_000, "t1", actor=rider.user)
    assert riders.tagless_refusal(rider, at) is None
    ride(token, "far", at, builders.SEOUL_STATION, "G-1-1812")  # 서울역 → 인천: 2,150 won
    fare = charged(rider)
    assert fare > 2_000 and money.balance(rider) == 2_000 - fare < 0
    assert riders.tagless_refusal(rider, at + timedelta(hours=1)) == riders.Refusal.LOW_BALANCE


# --- postpaid: daily settlement and the deny list -----------------------------------------------------


def test_postpaid_journeys_are_settled_in_one_capture_a_day(gates: None, gw: GatewayStandIn) -> None:
    rider, token = builders.signed_up("010-4000-0007", mode="postpaid")
    register(rider)
    now = timezone.now()
    today = timezone.localdate(now, SEOUL)
    morning = now - timedelta(hours=2)  # in the past at any hour; what is settled is what was posted today
    ride(token, "a", morning)
    ride(token, "b", morning + timedelta(minutes=40), builders.GANGNAM, builders.SEOUL_STATION)
    owed = charged(rider)
    assert owed > 0 and money.balance(rider) == -owed
    after_midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=SEOUL) + timedelta(
        minutes=30
    )
    with on_commit():
        run = money.settle_day(today, now=after_midnight)
    assert [(p.amount, p.status) for p in Payment.objects.filter(rider=rider)] == [(owed, Payment.Status.CAPTURED)]
    assert len(run.asked) == 1 and money.balance(rider) == 0
    with on_commit():
        money.settle_day(today, now=after_midnight)  # the job runs twice
    assert Payment.objects.filter(rider=rider).count() == 1
    assert sum(r["amount"] for r in gateway.report(today)) == owed


def test_a_declined_settlement_denies_tagless_until_the_debt_is_paid(gates: None, gw: GatewayStandIn) -> None:
    rider, token = builders.signed_up("010-4000-0008", mode="postpaid")
    assert rider.user is not None
    register(rider, INSUFFICIENT)
    today = timezone.localdate(timezone.now(), SEOUL)
    ride(token, "a", timezone.now() - timedelta(hours=2))  # posted today, whatever the hour
    owed = charged(rider)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=SEOUL) + timedelta(hours=1)
    with on_commit():
        money.settle_day(today, now=tomorrow)
    payment = Payment.objects.get(rider=rider)
    assert payment.status == Payment.Status.DECLINED and payment.decline_code == "insufficient_funds"
    assert DenyListing.objects.filter(rider=rider, cleared_at__isnull=True).exists()
    assert riders.tagless_refusal(rider, tomorrow) == riders.Refusal.DENIED
    assert Notification.objects.filter(rider=rider, kind=Notification.Kind.DENIED).exists()
    assert money.outstanding(rider) == owed  # a declined payment pays nothing
    register(rider)  # a working card
    with on_commit():
        money.pay_debt(rider, "pay-1", actor=rider.user)
    assert money.outstanding(rider) == 0 and money.balance(rider) == 0
    assert not DenyListing.objects.filter(rider=rider, cleared_at__isnull=True).exists()
    assert riders.tagless_refusal(rider, tomorrow) is None


# --- webhooks ------------------------------------------------------------------------------------------


def test_webhooks_twice_and_reversed_settle_a_pending_payment_once(gates: None, gw: GatewayStandIn) -> None:
    rider, _ = builders.signed_up("010-4000-0009")
    assert rider.user is not None
    register(rider)
    gw.set_knobs({"fail_next": 1})  # the direct answer is lost: the payment stays pending
    with on_commit():
        payment = money.top_up(rider, 3_000, "hook-1", actor=rider.user)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    # The gateway did nothing yet (503); the retry makes the payment, and its events arrive
    # twice, newest first.
    gw.set_knobs({"late_next": 1, "late_by": 1.5})
    money.send_payment(payment.pk)  # times out again, but the gateway made the charge
    events = list(gw.webhooks.events)
    results = deliver(list(reversed(events)) * 2)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CAPTURED
    assert [r.duplicate for r in results] == [False] * len(events) + [True] * len(events)
    assert money.balance(rider) == 3_000
    assert LedgerTransaction.objects.filter(key=f"pay:{payment.key}").count() == 1


def test_forged_stale_and_conflicting_webhooks_are_refused(gates: None, gw: GatewayStandIn, client: Any) -> None:
    rider, _ = builders.signed_up("010-4000-0010")
    assert rider.user is not None
    register(rider)
    with on_commit():
        money.top_up(rider, 1_000, "f-1", actor=rider.user)
    event = gw.webhooks.events[-1]
    raw = json.dumps(event).encode()
    url = "/api/v1/metro/gateway/webhook"
    forged = signing.sign("not-the-secret", raw)
    stale = signing.sign(gateway.gateway_secret(), raw, now=timezone.now().timestamp() - 3600)
    for header in (forged, stale, "t=1,v1=zz", "다른"):
        r = client.post(url, raw, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE=header)
        assert r.status_code == 401
    good = signing.sign(gateway.gateway_secret(), raw)
    assert client.post(url, raw, content_type="application/json", HTTP_X_GATEWAY_SIGNATURE=good).json() == {
        "outcome": "accepted"
    }
    altered = json.dumps({**event, "data": {**event["data"], "amount": 999_999}}).encode()
    r = client.post(
        url,
        altered,
        content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=signing.sign(gateway.gateway_secret(), altered),
    )
    assert r.status_code == 409
    assert money.balance(rider) == 1_000


# --- reconciliation ------------------------------------------------------------------------------------


def test_reconciliation_finds_what_the_gateway_reports_differently(gates: None, gw: GatewayStandIn) -> None:
    rider, _ = builders.signed_up("010-4000-0011")
    assert rider.user is not None
    register(rider)
    with on_commit():
        a = money.top_up(rider, 1_000, "r-1", actor=rider.user)
        b = money.top_up(rider, 2_000, "r-2", actor=rider.user)
    today = timezone.localdate(timezone.now(), SEOUL)
    clean = money.reconcile_gateway(today)
    assert (clean.matched, clean.differences.count()) == (2, 0)
    a.refresh_from_db()
    b.refresh_from_db()
    gw.set_knobs({"report_drop": [a.gateway_id], "report_alter": {b.gateway_id: 2_500}})
    run = money.reconcile_gateway(today)
    found = {(d.kind, d.reference, d.ledger_amount, d.gateway_amount) for d in run.differences.all()}
    assert found == {
        ("missing_at_gateway", f"capture:{a.key}", 1_000, None),
        ("amount", f"capture:{b.key}", 2_000, 2_500),
    }


def test_a_postpaid_credit_goes_back_to_the_card(gates: None, gw: GatewayStandIn) -> None:
    rider, token = builders.signed_up("010-4000-0012", mode="postpaid")
    register(rider)
    today = timezone.localdate(timezone.now(), SEOUL)
    ride(token, "a", timezone.now() - timedelta(hours=2))  # posted today, whatever the hour
    owed = charged(rider)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=SEOUL) + timedelta(hours=1)
    with on_commit():
        money.settle_day(today, now=tomorrow)
    # A refund after the settlement (here: the journey's events corrected away) leaves a credit.
    from seoul.metro.actions.ledger import post
    from seoul.metro.engine.ledger import REFUNDS

    post(rider, "test-refund", LedgerTransaction.Kind.REFUND, -500, [(rider.ledger_account(), -500), (REFUNDS, 500)])
    assert money.outstanding(rider) == -500
    with on_commit():
        payout = money.refund_credit(rider)
    assert payout is not None
    payout.refresh_from_db()
    assert payout.status == Payment.Status.REFUNDED and payout.amount == 500
    assert money.outstanding(rider) == 0 and money.balance(rider) == 0
    assert money_in(rider) == owed - 500
    run = money.reconcile_gateway(today)
    assert run.differences.count() == 0 and run.matched == 2
    assert sum(LedgerEntry.objects.filter(account=money.GATEWAY).values_list("amount", flat=True)) == owed - 500


def test_riders_are_told_of_a_maximum_fare_and_of_the_refund_when_the_exit_arrives(
    gates: None, gw: GatewayStandIn
) -> None:
    rider, token = builders.signed_up("010-4000-0013", mode="postpaid")
    boarded = timezone.now() - timedelta(hours=12)
    with on_commit():
        ingest_events([builders.tap("in-1", builders.SEOUL_STATION, "entry", boarded, token)], actor=None)
    assert list(Notification.objects.filter(rider=rider).values_list("kind", flat=True)) == [
        Notification.Kind.INCOMPLETE
    ]
    from django.utils import translation

    from seoul.metro.actions.notify import wording

    with translation.override("en"):
        assert "Seoul Station" in wording(Notification.Kind.INCOMPLETE, {"station": "서울역"})
    maximum = charged(rider)
    with on_commit():  # the exit tap arrives late: the correct fare replaces the maximum
        ingest_events(
            [builders.tap("out-1", builders.GANGNAM, "exit", boarded + timedelta(minutes=30), token)], actor=None
        )
    refund = Notification.objects.get(rider=rider, kind=Notification.Kind.REFUND)
    assert refund.params["amount"] == maximum - charged(rider) > 0
    texts = [m for m in sms.read_outbox() if "최대" in m["text"]]
    assert len(texts) == 1  # texted once, in Korean


# --- self-service refund requests ----------------------------------------------------------------


def test_a_double_read_is_refunded_at_once_and_other_requests_wait_for_staff(gates: None, gw: GatewayStandIn) -> None:
    from seoul.metro.actions import open_dispute

    rider, token = builders.signed_up("010-4000-0014", mode="postpaid")
    assert rider.user is not None
    boarded = timezone.now() - timedelta(hours=2)
    with on_commit():  # a tagless read, then the rider taps the card too: two entries 40 s apart
        ingest_events(
            [
                builders.tap("tw-1", builders.SEOUL_STATION, "entry", boarded, token),
                builders.tap("card-1", builders.SEOUL_STATION, "entry", boarded + timedelta(seconds=40), token),
                builders.tap("card-2", builders.GANGNAM, "exit", boarded + timedelta(minutes=35), token),
            ],
            actor=None,
        )
    double = Journey.objects.get(rider=rider, status=Journey.Status.NO_EXIT)
    real = Journey.objects.get(rider=rider, status=Journey.Status.COMPLETE)
    before = money.balance(rider)
    with on_commit():
        decided = open_dispute(double, "I passed once but was charged twice", actor=rider.user)
    assert (decided.status, decided.automatic, decided.refund) == ("refunded", True, double.charge)
    assert money.balance(rider) == before + double.charge
    assert Notification.objects.filter(rider=rider, kind=Notification.Kind.REFUND).exists()
    waiting = open_dispute(real, "The exit gate read me at the wrong station", actor=rider.user)
    assert (waiting.status, waiting.automatic) == ("open", False)  # the ledger proves nothing here


def test_requests_are_limited_to_eight_weeks(gates: None, gw: GatewayStandIn) -> None:
    from django.core.exceptions import ValidationError

    from seoul.core.errors import codes_of
    from seoul.metro.actions import open_dispute

    rider, token = builders.signed_up("010-4000-0015", mode="postpaid")
    assert rider.user is not None
    ride(token, "old", timezone.now() - timedelta(weeks=8, hours=1))
    old = Journey.objects.get(rider=rider)
    with pytest.raises(ValidationError) as err:
        open_dispute(old, "charged the wrong fare", actor=rider.user)
    assert codes_of(err.value) == ["metro.dispute_too_old"]


def test_the_settle_and_reconcile_commands_say_what_they_did(gates: None, gw: GatewayStandIn) -> None:
    from click.testing import CliRunner

    from seoul.cli import main

    rider, token = builders.signed_up("010-4000-0016", mode="postpaid")
    register(rider)
    yesterday = timezone.localdate(timezone.now(), SEOUL) - timedelta(days=1)
    boarded = datetime.combine(yesterday, datetime.min.time(), tzinfo=SEOUL) + timedelta(hours=9)
    ride(token, "y", boarded)
    # Charged when the rider left the gates yesterday (a settlement takes what was posted by midnight).
    LedgerTransaction.objects.filter(rider=rider).update(posted_at=boarded + timedelta(hours=1))
    owed = charged(rider)
    with on_commit():  # the command runs in autocommit; here the test's transaction holds it
        settled = CliRunner().invoke(main, ["metro", "settle", "--json"])
    assert settled.exit_code == 0, settled.output
    out = json.loads(settled.output)
    assert (out["day"], out["settlements"], out["won"]) == (yesterday.isoformat(), 1, owed)
    today = timezone.localdate(timezone.now(), SEOUL).isoformat()
    clean = CliRunner().invoke(main, ["metro", "reconcile", "--day", today, "--json"])
    assert clean.exit_code == 0 and json.loads(clean.output)["matched"] == 1, clean.output
    gw.set_knobs({"report_drop": [Payment.objects.get(rider=rider).gateway_id]})
    differs = CliRunner().invoke(main, ["metro", "reconcile", "--day", today, "--json"])
    assert differs.exit_code == 1 and json.loads(differs.output)["differences"][0]["kind"] == "missing_at_gateway"
    bad = CliRunner().invoke(main, ["metro", "settle", "--day", "2026-13-01"])
    assert bad.exit_code == 2 and "--day" in bad.output
