"""Measured departures in the platform: the pull job into the store, the forecast from them,
the open-data CSV of a past day, and their retention (actions/congestion.py, storage.py)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from seoul.core.engine.time import SEOUL
from seoul.metro import actions, retention, selectors, storage
from seoul.metro.adapters import loads
from seoul.metro.adapters.loads_standin import LoadsStandIn
from seoul.metro.engine.congestion import baseline, board

AT = datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL)  # a Wednesday morning


def gunja(line: str = "5", direction: str = "하남검단산") -> board.Platform:
    return selectors.find_platform("군자", direction, line)


def test_the_pull_stores_what_left_and_a_second_pull_adds_nothing(feed: LoadsStandIn) -> None:
    first = actions.pull_departures(["5", "7"], actor=None, now=AT)
    assert first.failed == {} and first.stored["5"] > 300 and first.stored["7"] > 300
    day = baseline.service_day(AT)
    stored = storage.read_departures(day, "5")
    assert len(stored) == first.stored["5"]
    assert all(d.departed_at <= AT for d in stored)
    again = actions.pull_departures(["5"], actor=None, now=AT)
    assert again.stored == {"5": 0}
    feed.clock = (AT + timedelta(minutes=5)).isoformat()
    later = actions.pull_departures(["5"], actor=None, now=AT + timedelta(minutes=5))
    assert later.stored["5"] > 0
    assert len(storage.read_departures(day, "5")) == first.stored["5"] + later.stored["5"]
    storage.write_departures("5", stored[:50])  # the same departures stored twice are read once
    assert len(storage.read_departures(day, "5")) == first.stored["5"] + later.stored["5"]


def test_a_failing_feed_is_reported_for_its_line_and_the_others_are_stored(feed: LoadsStandIn) -> None:
    feed.fail_next = 3  # the first line's three tries are answered 503
    result = actions.pull_departures(["5", "7"], actor=None, now=AT)
    assert set(result.failed) == {"5"} and result.failed["5"].startswith("unavailable")
    assert result.stored["7"] > 0 and not storage.read_departures(baseline.service_day(AT), "5")
    from seoul.metro.cli import group

    out = CliRunner().invoke(group, ["congestion", "pull", "--line", "9"])
    assert out.exit_code != 0 and "--line" in out.output


def test_the_forecast_reads_the_measured_departures_once_there_are_any(feed: LoadsStandIn) -> None:
    platform = gunja()
    assert selectors.platform_forecast(platform, AT)["source"] == "simulated"
    actions.pull_departures(["5"], actor=None, now=AT)
    measured = selectors.platform_forecast(platform, AT)
    assert measured["source"] == "measured" and len(measured["trains"]) == 3
    assert all(len(t["cars"]) == 8 for t in measured["trains"])
    assert selectors.platform_forecast(gunja("7", "장암"), AT)["source"] == "simulated"  # line 7 not pulled


@pytest.mark.django_db
def test_a_past_days_measured_congestion_is_open_data(feed: LoadsStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    actions.pull_departures(["5"], actor=None, now=AT)
    day = baseline.service_day(AT)
    c = Client()
    monkeypatch.setattr("django.utils.timezone.now", lambda: AT)
    assert c.get(f"/metro/congestion/measured/{day.isoformat()}.csv").status_code == 404  # still running
    monkeypatch.setattr("django.utils.timezone.now", lambda: AT + timedelta(days=1))
    response = c.get(f"/metro/congestion/measured/{day.isoformat()}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    stored = storage.read_departures(day, "5")
    trains_at_gunja = {(d.train, d.direction) for d in stored if d.station == "군자"}
    counted = sum(int(r["열차수"]) for r in rows if r["역명"] == "군자" and r["칸"] == "1")
    assert counted == len(trains_at_gunja) > 0
    assert (storage.loads_root() / day.isoformat() / "open-data.csv").exists()
    assert c.get("/metro/congestion/measured/2026-02-01.csv").status_code == 404  # nothing stored
    assert c.get("/metro/congestion/measured/yesterday.csv").status_code == 404
    page = c.get("/metro/congestion/", {"station": "군자"})
    assert f"/metro/congestion/measured/{day.isoformat()}.csv" in page.text


def test_departures_past_their_period_are_removed(feed: LoadsStandIn) -> None:
    actions.pull_departures(["5"], actor=None, now=AT)
    policy = next(p for p in retention.POLICIES if p.name == "measured_departures")
    assert policy.count(AT + timedelta(days=1)) >= 1
    assert policy.count(AT) == 0
    assert policy.purge(AT + timedelta(days=1))["departure_files"] >= 1
    assert storage.read_departures(baseline.service_day(AT), "5") == []


@pytest.mark.django_db
def test_the_pull_command_reports_per_line(feed: LoadsStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    from seoul.metro.cli import group

    monkeypatch.setattr("django.utils.timezone.now", lambda: AT)
    out = CliRunner().invoke(group, ["congestion", "pull", "--line", "8", "--json"])
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert body["failed"] == {} and body["stored"]["8"] > 0
    assert body["gate_entries"] == {"day": "2026-03-04", "minutes": 30, "entries": 0}


def test_measurements_that_stopped_coming_are_said_to_be_late(feed: LoadsStandIn) -> None:
    actions.pull_departures(["5"], actor=None, now=AT)
    on_time = selectors.platform_forecast(gunja(), AT + timedelta(minutes=3))
    assert on_time["source"] == "measured" and on_time["late_minutes"] is None
    late = selectors.platform_forecast(gunja(), AT + timedelta(minutes=25))
    assert late["late_minutes"] is not None and 24 <= late["late_minutes"] <= 26


def test_a_counted_line_is_stored_from_its_door_counts_carried_on_across_pulls(
    feed: LoadsStandIn, counter: Any, settings: Any
) -> None:
    """Line 5 counted at the doors: each pull carries every train's riders on from its last
    stored stop, so two pulls store what one pull from the morning would; the loads follow the
    weighing of the same stops (both measure the simulated day: within a few points on average),
    and the forecast reads them."""
    day = baseline.service_day(AT)
    settings.SEOUL_METRO_COUNTED_LINES = ("5",)
    first = AT - timedelta(minutes=20)
    counter.clock = first.isoformat()
    actions.pull_departures(["5"], actor=None, now=first)
    counter.clock = AT.isoformat()
    result = actions.pull_departures(["5"], actor=None, now=AT)
    assert result.failed == {} and result.stored["5"] > 0
    two_pulls = storage.read_departures(day, "5")
    assert {d.source for d in two_pulls} == {"door_counts"}
    settings.SEOUL_METRO_LOADS_DIR = settings.SEOUL_METRO_LOADS_DIR.parent / "once"
    actions.pull_departures(["5"], actor=None, now=AT)
    one_pull = storage.read_departures(day, "5")
    assert [(d.train, d.station, d.loads_kg) for d in two_pulls] == [(d.train, d.station, d.loads_kg) for d in one_pull]
    weighed = {(d.train, d.station): d.loads_kg for d in loads.departures("5", first - timedelta(hours=4), AT)}
    gaps = [
        abs(a - b) / 65 / 160 * 100
        for d in one_pull
        for a, b in zip(d.loads_kg, weighed[(d.train, d.station)], strict=True)
    ]
    assert 0 < sum(gaps) / len(gaps) < 5
    answer = selectors.platform_forecast(gunja(), AT)
    assert answer["source"] == "measured" and "door counts" in answer["note"]
    counter.lines = ("7",)  # the counters of line 5 stop answering: reported, nothing stored
    failed = actions.pull_departures(["5"], actor=None, now=AT + timedelta(minutes=1))
    assert failed.failed["5"].startswith("no_counters")
