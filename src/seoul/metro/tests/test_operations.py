"""The operations page's reads: revenue from roll-ups of closed days plus live counts, and gate
health counted without multiplying a gate's events by its flags."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.core.errors import codes_of
from seoul.metro import actions, selectors
from seoul.metro import reference as metro_reference
from seoul.metro.models import RevenueRollup, RevenueRollupRow, Rider

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=SEOUL)
TODAY = NOW.date()
SEOUL_STATION, CITY_HALL = "G-1-150", "G-1-151"  # 1호선
GANGNAM, YEOKSAM = "G-2-222", "G-2-221"  # 2호선


@pytest.fixture
def traffic(reference: None) -> None:
    """Journeys on three closed days and today, on lines 1 and 2."""
    metro_reference.load()
    for account in ("phone-1", "phone-2"):
        Rider.objects.create(account=account)
    ride(1, "phone-1", SEOUL_STATION, CITY_HALL, NOW - timedelta(days=2, hours=4))
    ride(2, "phone-2", GANGNAM, YEOKSAM, NOW - timedelta(days=2, hours=3))
    ride(3, "phone-1", GANGNAM, CITY_HALL, NOW - timedelta(days=1, hours=2))
    ride(4, "phone-2", SEOUL_STATION, YEOKSAM, NOW - timedelta(days=5))
    ride(5, "phone-1", CITY_HALL, SEOUL_STATION, NOW - timedelta(hours=3))


def ride(n: int, account: str, entry: str, exit_: str, at: datetime) -> None:
    events = [
        {"event_id": f"e{n}-in", "gate": entry, "rider": account, "kind": "entry", "at": at.isoformat()},
        {
            "event_id": f"e{n}-out",
            "gate": exit_,
            "rider": account,
            "kind": "exit",
            "at": (at + timedelta(minutes=25)).isoformat(),
        },
    ]
    result = actions.ingest_events(actor=None, items=events, now=NOW)
    assert result.rejected == [] and result.accepted == 2


def figures(report: dict[str, Any]) -> dict[str, Any]:
    """The sums, without when they were made."""
    by_day = [{k: v for k, v in r.items() if k != "as_of"} for r in report["by_day"]]
    return {"by_day": by_day, "by_line": report["by_line"], "by_station": report["by_station"]}


def closed_days(n: int) -> list[date]:
    return [TODAY - timedelta(days=i) for i in range(1, n + 1)]


def test_rolled_up_days_give_the_live_figures(traffic: None) -> None:
    live = selectors.revenue(7, TODAY)
    assert len(live["live_days"]) == 7 and {r["as_of"] for r in live["by_day"]} == {None}
    assert [r["journeys"] for r in live["by_day"]] == [1, 2, 1, 1]
    assert sum(r["won"] for r in live["by_day"]) > 0
    assert {r["line_name"] for r in live["by_line"]} == {"1호선", "2호선"}

    assert actions.roll_up_revenue(actor=None, days=closed_days(6), now=NOW) == {"days": 6, "rows": 4}
    rolled = selectors.revenue(7, TODAY)
    assert rolled["live_days"] == [TODAY]
    assert [r["as_of"] for r in rolled["by_day"]] == [NOW, NOW, NOW, None]
    assert figures(rolled) == figures(live)
    assert selectors.revenue(1, TODAY)["by_day"] == live["by_day"][-1:]


def test_a_day_not_rolled_up_is_counted_live(traffic: None) -> None:
    live = selectors.revenue(7, TODAY)
    actions.roll_up_revenue(actor=None, days=[TODAY - timedelta(days=1)], now=NOW)
    mixed = selectors.revenue(7, TODAY)
    assert TODAY - timedelta(days=2) in mixed["live_days"] and TODAY - timedelta(days=1) not in mixed["live_days"]
    assert figures(mixed) == figures(live)


def test_a_late_change_shows_once_the_day_is_rolled_up_again(traffic: None) -> None:
    actions.roll_up_revenue(actor=None, days=closed_days(6), now=NOW)
    before = selectors.revenue(7, TODAY)
    ride(6, "phone-2", CITY_HALL, GANGNAM, NOW - timedelta(days=2, hours=1))  # a gate that reported late
    assert figures(selectors.revenue(7, TODAY)) == figures(before)  # the roll-up is a snapshot
    actions.roll_up_revenue(actor=None, days=closed_days(6), now=NOW + timedelta(hours=1))
    after = selectors.revenue(7, TODAY)
    assert [r["journeys"] for r in after["by_day"]] == [1, 3, 1, 1]
    assert after["by_day"][1]["as_of"] == NOW + timedelta(hours=1)
    assert RevenueRollup.objects.count() == 6  # replaced, not added
    assert RevenueRollupRow.objects.filter(rollup__day=TODAY - timedelta(days=2)).count() == 3


def test_today_is_summed_so_far_and_later_days_are_refused(traffic: None) -> None:
    with pytest.raises(ValidationError) as invalid:
        actions.roll_up_revenue(actor=None, days=[TODAY - timedelta(days=1), TODAY + timedelta(days=1)], now=NOW)
    assert codes_of(invalid.value) == ["metro.future_day"]
    assert not RevenueRollup.objects.exists()
    live = selectors.revenue(7, TODAY)
    actions.roll_up_revenue(actor=None, days=[TODAY], now=NOW)
    ride(8, "phone-2", YEOKSAM, GANGNAM, NOW - timedelta(hours=1))  # after the roll-up
    snapshot = selectors.revenue(7, TODAY)
    assert TODAY not in snapshot["live_days"] and snapshot["by_day"][-1]["as_of"] == NOW
    assert figures(snapshot) == figures(live)
    actions.roll_up_revenue(actor=None, days=[TODAY], now=NOW + timedelta(minutes=10))
    assert selectors.revenue(7, TODAY)["by_day"][-1]["journeys"] == 2


def test_gate_health_counts_events_and_flags_apart(traffic: None) -> None:
    flags = [
        {"event_id": f"f-{i}", "gate": gate, "kind": "flagged", "reason": "ambiguous_lane", "at": at.isoformat()}
        for i, (gate, at) in enumerate(
            [
                (CITY_HALL, NOW - timedelta(hours=1)),
                (CITY_HALL, NOW - timedelta(hours=2)),
                (YEOKSAM, NOW - timedelta(hours=5)),
                (YEOKSAM, NOW - timedelta(hours=30)),  # outside the 24 hours
            ]
        )
    ]
    assert actions.ingest_events(actor=None, items=flags, now=NOW).accepted == 4
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.gate_health(24, NOW)
    got = [(r["gate"].code, r["events"], r["flagged"], round(r["flag_share"], 3)) for r in rows]
    # events in the last 24 hours: ride 3's exit at 시청 (1 day 2 h ago) is outside; ride 5 is inside
    assert got == [(CITY_HALL, 1, 2, 0.667), (YEOKSAM, 0, 1, 1.0), (SEOUL_STATION, 1, 0, 0.0)]
    for q in queries.captured_queries:
        sql = q["sql"].lower()
        assert not ("metro_gateevent" in sql and "metro_flaggedpassage" in sql), sql
    assert [r["gate"].code for r in selectors.gate_health(24, NOW, limit=1)] == [CITY_HALL]


def test_roll_up_command(reference: None) -> None:
    metro_reference.load()
    Rider.objects.create(account="phone-1")
    now = timezone.now()
    yesterday = now.astimezone(SEOUL).replace(hour=14, minute=0, second=0, microsecond=0) - timedelta(days=1)
    events = [
        {"event_id": "c-in", "gate": SEOUL_STATION, "rider": "phone-1", "kind": "entry", "at": yesterday.isoformat()},
        {
            "event_id": "c-out",
            "gate": CITY_HALL,
            "rider": "phone-1",
            "kind": "exit",
            "at": (yesterday + timedelta(minutes=5)).isoformat(),
        },
    ]
    assert actions.ingest_events(actor=None, items=events, now=now).accepted == 2
    result = CliRunner().invoke(main, ["metro", "roll-up", "--days", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"days": 3, "revenue_rows": 1, "hours": 2, "gate_rows": 0}
    row = RevenueRollupRow.objects.get()
    assert (row.rollup.day, row.line, row.station, row.journeys, row.won) == (yesterday.date(), "1", "서울역", 1, 1550)
    today = CliRunner().invoke(main, ["metro", "roll-up", "--days", "0", "--today", "--json"])
    assert json.loads(today.stdout) == {"days": 1, "revenue_rows": 0, "hours": 2, "gate_rows": 0}
    assert RevenueRollup.objects.count() == 4
    assert CliRunner().invoke(main, ["metro", "roll-up", "--days", "-1"]).exit_code == 2


def test_an_entry_without_exit_is_charged_after_five_hours_without_another_tap(reference: None) -> None:
    from seoul.metro.models import Journey, LedgerTransaction

    metro_reference.load()
    Rider.objects.create(account="phone-1")
    Rider.objects.create(account="phone-2")
    entered = NOW - timedelta(hours=8)
    tap = {"event_id": "open-1", "gate": SEOUL_STATION, "rider": "phone-1", "kind": "entry"}
    assert actions.ingest_events(actor=None, items=[{**tap, "at": entered.isoformat()}], now=entered).accepted == 1
    ride(7, "phone-2", GANGNAM, YEOKSAM, NOW - timedelta(hours=7))  # complete: nothing to close
    assert not Journey.objects.filter(rider__account="phone-1").exists()  # in progress: not charged

    early = actions.close_open_entries(actor=None, now=entered + timedelta(hours=4, minutes=59))
    assert early == {"riders": 0, "no_exit_journeys": 0}
    assert actions.close_open_entries(actor=None, now=NOW) == {"riders": 1, "no_exit_journeys": 1}
    journey = Journey.objects.get(rider__account="phone-1")
    assert journey.status == "incomplete_no_exit" and journey.charge > 1550
    charges = LedgerTransaction.objects.filter(rider__account="phone-1").count()
    assert actions.close_open_entries(actor=None, now=NOW + timedelta(minutes=15)) == {
        "riders": 0,
        "no_exit_journeys": 0,
    }
    assert LedgerTransaction.objects.filter(rider__account="phone-1").count() == charges == 1

    # older than the look-back: left for a longer look-back (the job's bound on what it scans)
    stale = {"event_id": "open-3", "gate": CITY_HALL, "rider": "phone-2", "kind": "entry"}
    assert actions.ingest_events(
        actor=None, items=[{**stale, "at": (NOW - timedelta(hours=2)).isoformat()}], now=NOW
    ).accepted
    later = NOW + timedelta(days=3)
    assert actions.close_open_entries(actor=None, now=later, lookback=timedelta(days=2))["riders"] == 0
    assert actions.close_open_entries(actor=None, now=later, lookback=timedelta(days=4)) == {
        "riders": 1,
        "no_exit_journeys": 1,
    }


def flag(n: int, gate: str, at: datetime) -> dict[str, Any]:
    return {"event_id": f"hf-{n}", "gate": gate, "kind": "flagged", "reason": "turn_back", "at": at.isoformat()}


def health(now: datetime) -> list[tuple[str, int, int]]:
    return [(r["gate"].code, r["events"], r["flagged"]) for r in selectors.gate_health(24, now)]


def test_gate_health_from_hour_roll_ups_equals_counting_the_events(traffic: None) -> None:
    now = NOW + timedelta(minutes=30)  # the window starts and ends inside an hour
    yesterday = now - timedelta(days=1)
    flags = [
        flag(1, CITY_HALL, yesterday + timedelta(minutes=15)),  # in the window's partial first hour
        flag(2, CITY_HALL, yesterday - timedelta(minutes=5)),  # before the window
        flag(3, YEOKSAM, yesterday + timedelta(hours=8)),  # a whole hour
        flag(4, YEOKSAM, now - timedelta(minutes=20)),  # the partial last hour
        flag(5, SEOUL_STATION, now - timedelta(hours=2, minutes=10)),
    ]
    assert actions.ingest_events(actor=None, items=flags, now=now).accepted == len(flags)
    counted = health(now)
    assert counted and sum(f for _, _, f in counted) == 4

    first = (yesterday + timedelta(hours=1)).replace(minute=0)
    whole = [first + timedelta(hours=i) for i in range(24) if first + timedelta(hours=i + 1) <= now]
    assert len(whole) == 23
    assert actions.roll_up_gate_hours(actor=None, hours=whole, now=now)["hours"] == 23
    assert health(now) == counted

    late = flag(6, YEOKSAM, yesterday + timedelta(hours=8, minutes=10))  # a gate that reported late
    assert actions.ingest_events(actor=None, items=[late], now=now).accepted == 1
    assert health(now) == counted  # the hour's count is a snapshot
    assert whole[7] <= yesterday + timedelta(hours=8, minutes=10) < whole[8]
    actions.roll_up_gate_hours(actor=None, hours=[whole[7]], now=now)
    assert {g: f for g, _, f in health(now)}[YEOKSAM] == 3

    with pytest.raises(ValidationError) as invalid:
        actions.roll_up_gate_hours(actor=None, hours=[now.replace(minute=0)], now=now)
    assert codes_of(invalid.value) == ["metro.hour_not_ended"]
    with pytest.raises(ValidationError) as invalid:
        actions.roll_up_gate_hours(actor=None, hours=[now], now=now)
    assert codes_of(invalid.value) == ["metro.not_an_hour"]
