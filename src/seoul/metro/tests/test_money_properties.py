"""Whatever arrives twice, late or out of order — gate events, gateway webhooks, settlement
runs, top-up requests — every account ends with a balance equal to its payments less its priced
journeys, and the gateway moved each won once (issue #12, "Done when")."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core.adapters import signing
from seoul.core.engine.time import SEOUL
from seoul.metro.actions import ingest_events, money
from seoul.metro.adapters import gateway
from seoul.metro.models import Journey, LedgerTransaction, Payment, Rider
from seoul.metro.tests import builders

register = builders.register_card

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)

TRIPS = [  # (entry gate, exit gate, minutes after 07:00, minutes ridden)
    (builders.SEOUL_STATION, builders.GANGNAM, 0, 35),
    (builders.GANGNAM, builders.YEOKSAM, 60, 3),
    (builders.YEOKSAM, "G-1-1812", 120, 80),  # to 인천: distance fare
    (builders.SADANG_4, builders.SADANG_4, 300, 20),  # same-station exit
    (builders.CITY_HALL, builders.SEOUL_STATION, 400, 5),
]

EVENTS = 2 * 2 * len(TRIPS)  # two riders, an entry and an exit per trip


def _on_commit() -> Any:
    return TestCase.captureOnCommitCallbacks(execute=True)


def _deliver(events: list[dict[str, Any]]) -> None:
    for event in events:
        raw = json.dumps(event, ensure_ascii=False).encode()
        with _on_commit():
            assert money.receive_webhook(raw, signing.sign(gateway.gateway_secret(), raw)).accepted


step = st.sampled_from(["events", "settle", "webhooks", "top_up"])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    order=st.permutations(range(EVENTS)),
    repeats=st.lists(st.integers(0, EVENTS - 1), max_size=4),
    batches=st.integers(1, 4),
    plan=st.lists(step, min_size=2, max_size=8),
    lost_answers=st.integers(0, 2),
)
def test_replays_and_reorderings_leave_every_balance_equal_to_payments_less_journeys(
    gates: None,
    gw: Any,
    order: list[int],
    repeats: list[int],
    batches: int,
    plan: list[str],
    lost_answers: int,
) -> None:
    n = next(_numbers)
    gw.reset()  # one example's cards, payments and knobs are not the next one's
    gw.callback_url = ""
    postpaid, post_token = builders.signed_up(f"010-5{n:03d}-0001", mode="postpaid")
    prepaid, pre_token = builders.signed_up(f"010-5{n:03d}-0002")
    register(postpaid)
    register(prepaid)
    assert prepaid.user is not None
    day = timezone.localdate(timezone.now(), SEOUL) - timedelta(days=1)
    morning = datetime.combine(day, datetime.min.time(), tzinfo=SEOUL) + timedelta(hours=7)
    events = []
    for token, prefix in ((post_token, f"p{n}"), (pre_token, f"q{n}")):
        for i, (entry, exit_, start, ridden) in enumerate(TRIPS):
            events += builders.journey_events(
                f"{prefix}-{i}", token, entry, exit_, morning + timedelta(minutes=start), ridden
            )
    stream = [events[i] for i in order] + [events[i] for i in repeats]
    chunks = [stream[i::batches] for i in range(batches)]
    gw.set_knobs({"late_next": lost_answers, "late_by": 0.6, "webhook_hold": True})
    after_day = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=SEOUL) + timedelta(hours=1)
    nonce, nonces = 0, set()
    for action in plan:
        if action == "events" and chunks:
            with _on_commit():
                assert not ingest_events(chunks.pop(), actor=None).rejected
        elif action == "settle":
            with _on_commit():
                money.settle_day(day, now=after_day)
        elif action == "webhooks":
            gw.webhooks.flush("shuffle")
            assert gw.webhooks.drain()
            _deliver(gw.webhooks.events * 2)
        elif action == "top_up":
            nonce = nonce + 1 if nonce < 2 else nonce  # the third request replays the second
            nonces.add(nonce)
            with _on_commit():
                money.top_up(prepaid, 5_000, f"n{nonce}", actor=prepaid.user)
    for chunk in chunks:  # whatever was not delivered yet
        with _on_commit():
            ingest_events(chunk, actor=None)
    # The late answers and the held webhooks finally arrive; the jobs run again.
    gw.set_knobs({"late_next": 0, "webhook_hold": False})
    money.retry_pending(now=timezone.now() + money.RETRY_AFTER + timedelta(seconds=1))
    gw.webhooks.flush("reverse")
    assert gw.webhooks.drain()
    _deliver(gw.webhooks.events)

    for rider in (postpaid, prepaid):
        journeys = sum(Journey.objects.filter(rider=rider, superseded=False).values_list("charge", flat=True))
        assert Journey.objects.filter(rider=rider, superseded=False).count() == len(TRIPS)
        captured = Payment.objects.filter(rider=rider, status=Payment.Status.CAPTURED)
        paid = sum(p.amount for p in captured)
        assert money.balance(rider) == paid - journeys
        # Every captured payment is one ledger posting and one capture at the gateway.
        assert LedgerTransaction.objects.filter(rider=rider, key__startswith="pay:").count() == captured.count()
        moved = [r for r in _report_rows(day) if r["reference"] in {p.key for p in captured}]
        assert sorted(r["amount"] for r in moved) == sorted(p.amount for p in captured)
        assert not Payment.objects.filter(rider=rider, status=Payment.Status.PENDING).exists()
    # A replayed top-up request is the same top-up.
    assert Payment.objects.filter(rider=prepaid, purpose=Payment.Purpose.TOP_UP).count() == len(nonces)
    # Postpaid: the settlement of that day asked at most what was owed then; nothing twice.
    assert Payment.objects.filter(rider=postpaid, purpose=Payment.Purpose.SETTLEMENT).count() <= 1
    assert money.outstanding(postpaid) >= 0
    assert set(Rider.objects.filter(pk__in=[postpaid.pk, prepaid.pk]).values_list("payment_mode", flat=True)) == {
        "prepaid",
        "postpaid",
    }


def _report_rows(day: Any) -> list[dict[str, Any]]:
    today = timezone.localdate(timezone.now(), SEOUL)
    return [r for d in {day, today, today + timedelta(days=1)} for r in gateway.report(d) if r["type"] == "capture"]
