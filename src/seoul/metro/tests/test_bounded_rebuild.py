"""The bounded rebuild gives what a rebuild from all of a rider's events gives."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core.engine.time import SEOUL
from seoul.metro import actions
from seoul.metro.actions import journeys
from seoul.metro.models import GateEvent, Journey, LedgerEntry, LedgerTransaction, Rider

pytestmark = pytest.mark.django_db

# Three days around a month end (caps and passes are per month), events clustered in the
# daytime so that some days have quiet nights between them and some journeys chain.
START = datetime(2026, 11, 29, 7, 0, tzinfo=SEOUL)
NOW = START + timedelta(days=2, hours=9)  # the last day's late entries are still in progress
GATES = ["G-1-150", "G-1-151", "G-2-222", "G-4-433"]


def tap(i: int, gate: str, kind: str, day: int, minute: int) -> dict[str, Any]:
    at = START + timedelta(days=day, minutes=minute)
    return {"event_id": f"ev-{i}", "gate": gate, "rider": "phone-1", "kind": kind, "at": at.isoformat()}


def bus(i: int, route: str, ride: int, day: int, minute: int) -> dict[str, Any]:
    board = START + timedelta(days=day, minutes=minute)
    return {
        "event_id": f"bus-{i}",
        "kind": "bus",
        "rider": "phone-1",
        "mode": "trunk",
        "route": route,
        "at": board.isoformat(),
        "alight_at": (board + timedelta(minutes=ride)).isoformat(),
        "distance_m": 3000,
    }


def streams() -> st.SearchStrategy[list[dict[str, Any]]]:
    when = st.tuples(st.integers(0, 2), st.one_of(st.integers(0, 5 * 60), st.integers(0, 16 * 60)))
    a_tap = st.tuples(st.just("tap"), st.sampled_from(GATES), st.sampled_from(["entry", "exit"]), when)
    a_ride = st.tuples(st.just("bus"), st.sampled_from(["472", "7016"]), st.integers(5, 40), when)
    return st.lists(st.one_of(a_tap, a_tap, a_ride), min_size=1, max_size=16).map(
        lambda xs: [
            tap(i, a, b, *w) if kind == "tap" else bus(i, a, b, *w)  # type: ignore[arg-type]
            for i, (kind, a, b, w) in enumerate(xs)
        ]
    )


def snapshot() -> dict[str, Any]:
    journeys = sorted(
        Journey.objects.values_list("key", "status", "fare", "charge", "superseded", "started_at", "breakdown")
    )
    balances = dict(LedgerEntry.objects.values("account").annotate(s=Sum("amount")).values_list("account", "s"))
    return {"journeys": journeys, "balances": balances, "transactions": LedgerTransaction.objects.count()}


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    streams(),
    st.randoms(use_true_random=False),
    st.sampled_from([(None, None), (2500, None), (None, 5000), (3000, 6000)]),
    st.sampled_from([None, 0, 2]),
)
def test_bounded_rebuild_equals_a_full_rebuild(
    gates: None,
    events: list[dict[str, Any]],
    rnd: random.Random,
    caps: tuple[int | None, int | None],
    pass_after: int | None,
) -> None:
    with override_settings(SEOUL_METRO_DAILY_CAP=caps[0], SEOUL_METRO_MONTHLY_CAP=caps[1]), transaction.atomic():
        rider, _ = Rider.objects.get_or_create(account="phone-1")
        messy = events + [rnd.choice(events) for _ in range(rnd.randint(0, 3))]
        rnd.shuffle(messy)
        batches, i = [], 0
        while i < len(messy):  # small batches: most events arrive after others they pair with
            n = rnd.randint(1, 3)
            batches.append(messy[i : i + n])
            i += n
        for k, batch in enumerate(batches):
            actions.ingest_events(actor=None, items=batch, now=NOW)  # each rebuilds only the touched window
            if k == pass_after:
                actions.buy_pass(rider, actor=None, month=datetime(2026, 12, 1).date(), now=NOW)
        bounded = snapshot()
        actions.rebuild_rider(rider.pk, actor=None, now=NOW)  # from all events
        assert snapshot() == bounded
        transaction.set_rollback(True)


def test_a_late_exit_hours_after_its_entry_completes_the_journey(gates: None) -> None:
    # Nothing happens between the entry and the exit three hours later: the window of the
    # late exit must still reach back to the entry (a quiet gap shorter than 5 hours is no cut).
    rider = Rider.objects.create(account="phone-1")
    actions.ingest_events(actor=None, items=[tap(1, "G-1-150", "entry", 0, 0)], now=NOW)
    actions.ingest_events(actor=None, items=[tap(2, "G-1-151", "exit", 0, 4 * 60 + 50)], now=NOW)
    assert sorted(Journey.objects.filter(superseded=False).values_list("key", "status", "charge")) == [
        ("ev-1", "complete", 1550)
    ]
    bounded = snapshot()
    actions.rebuild_rider(rider.pk, actor=None, now=NOW)
    assert snapshot() == bounded


def test_a_journey_in_progress_is_judged_again_by_a_later_rebuild(gates: None) -> None:
    # An entry in progress, then an event long before it arrives late and much later: the
    # rebuild must also re-judge the entry (5 hours have passed), though it lies after the
    # late event's own window.
    rider = Rider.objects.create(account="phone-1")
    actions.ingest_events(
        actor=None, items=[tap(1, "G-1-150", "entry", 1, 0)], now=START + timedelta(days=1, minutes=5)
    )
    assert not Journey.objects.exists()  # in progress: not charged yet
    actions.ingest_events(actor=None, items=[tap(2, "G-1-150", "entry", 0, 0)], now=NOW)
    assert dict(Journey.objects.values_list("key", "status")) == {
        "ev-1": "incomplete_no_exit",
        "ev-2": "incomplete_no_exit",
    }
    bounded = snapshot()
    actions.rebuild_rider(rider.pk, actor=None, now=NOW)
    assert snapshot() == bounded


def test_the_window_leaves_older_history_out(gates: None) -> None:
    rider = Rider.objects.create(account="phone-1")
    old = START - timedelta(days=40)
    actions.ingest_events(
        actor=None,
        items=[
            tap(1, "G-1-150", "entry", -40, 0),
            tap(2, "G-1-151", "exit", -40, 12),
            tap(3, "G-1-150", "entry", 0, 0),
        ],
        now=NOW,
    )
    at = START + timedelta(hours=2)
    start, stop = journeys._rebuild_window(rider, (at, at), capped=False)
    assert start is not None and start > old + timedelta(days=39)  # the quiet gap before today's entry
    assert stop is None  # nothing later
    assert GateEvent.objects.filter(rider=rider, at__gte=start).count() == 1
    # A tap 3 hours after the entry may close it: the window reaches back over it.
    later = START + timedelta(hours=3)
    start, _ = journeys._rebuild_window(rider, (later, later), capped=False)
    assert start == START
    # With caps the window runs on to the end of the month of its last event.
    actions.ingest_events(
        actor=None,
        items=[tap(4, "G-1-151", "exit", 0, 30), tap(5, "G-1-150", "entry", 2, 0), tap(6, "G-1-151", "exit", 2, 9)],
        now=NOW,
    )
    _, stop = journeys._rebuild_window(rider, (START, START), capped=False)
    assert stop == START + timedelta(days=2)
    _, stop = journeys._rebuild_window(rider, (START, START), capped=True)
    assert stop is None  # runs to the end of December, and nothing comes after 1 December
    # An incomplete journey within 8 weeks after the window is priced from the rider's pattern,
    # which the window's journeys are part of: the window runs on over it.
    actions.ingest_events(actor=None, items=[tap(7, "G-1-150", "entry", 5, 0)], now=NOW + timedelta(days=4))
    _, stop = journeys._rebuild_window(rider, (START, START), capped=False)
    assert stop is None
