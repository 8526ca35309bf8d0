"""Operator reports (docs/metro-riders.md "Operator reports"): incomplete journeys and refunds per
station and line, settlement totals, the deny list and the gateway reconciliation, built from
journeys and payments made through the real actions and checked against what those actions
left on the journeys, disputes, passes and payments themselves (not against the ledger queries
the reports make)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.utils import timezone

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.core.models import AuditEvent
from seoul.metro import actions
from seoul.metro.actions import money
from seoul.metro.actions.journeys import maximum_fare
from seoul.metro.adapters.standins import GatewayStandIn
from seoul.metro.models import GateEvent, Journey, Payment, Rider, RiderPass
from seoul.metro.reports import ReportFilters, report
from seoul.metro.tests import builders
from seoul.metro.tests.builders import CITY_HALL, GANGNAM, SADANG_4, SEOUL_STATION, YANGJAE_3, YEOKSAM
from seoul.metro.tests.test_money import INSUFFICIENT, on_commit

pytestmark = pytest.mark.django_db


def seoul_today() -> date:
    return timezone.localdate(timezone.now(), SEOUL)


def period() -> ReportFilters:
    return ReportFilters(start=seoul_today() - timedelta(days=1), end=seoul_today())


def taps(*items: dict[str, Any], now: datetime | None = None) -> None:
    with on_commit():
        builders.ingest(list(items), now=now)


def station_row(found: dict[str, Any], station: str) -> dict[str, Any]:
    rows = [r for r in found["incomplete"]["by_station"] if r["station"] == station]
    assert len(rows) == 1, found["incomplete"]["by_station"]
    row: dict[str, Any] = rows[0]
    return row


@pytest.fixture
def incomplete(gates: None) -> dict[str, Any]:
    return make_incomplete()


def make_incomplete() -> dict[str, Any]:
    """One journey of each kind, all started in the last day (real clock: a tap's arrival time is
    the wall clock's), and what the actions left on them (the browser test uses it too)."""
    now = timezone.now()
    for account in ("max", "late", "lone", "plain"):
        builders.rider(account)
    pattern_rider = builders.rider("usual")
    corrector, _token = builders.signed_up("010-5000-0001")
    # a complete journey: not in the incomplete figures
    taps(*builders.journey_events("plain", "plain", GANGNAM, YEOKSAM, now - timedelta(hours=2)))
    # 사당 → 양재 at the same time on five earlier days: the rider's pattern
    usual_at = now - timedelta(hours=10)
    for k in range(2, 7):
        taps(*builders.journey_events(f"usual-{k}", "usual", SADANG_4, YANGJAE_3, usual_at - timedelta(days=k)))
    taps(builders.tap("usual-in", SADANG_4, "entry", usual_at, "usual"))
    # no exit at 서울역: the maximum fare
    taps(builders.tap("max-in", SEOUL_STATION, "entry", now - timedelta(hours=8), "max"))
    # no exit at 강남, then the exit arrives late
    taps(builders.tap("late-in", GANGNAM, "entry", now - timedelta(hours=7), "late"))
    GateEvent.objects.filter(event_id="late-in").update(received_at=now - timedelta(hours=7))  # sent as it happened
    # no exit at 시청, completed by the rider
    taps(builders.tap("fix-in", CITY_HALL, "entry", now - timedelta(hours=9), corrector.account))
    actions.close_open_entries(actor=None, now=now)
    charged_late = Journey.objects.get(key="late-in").charge
    charged_fix = Journey.objects.get(key="fix-in").charge
    taps(builders.tap("late-out", YEOKSAM, "exit", now - timedelta(hours=6, minutes=40), "late"))
    assert corrector.user is not None
    actions.correct_journey(
        Journey.objects.get(key="fix-in"), "강남", now - timedelta(hours=8, minutes=30), actor=corrector.user
    )
    # an exit at 역삼 without entry (line 2) whose entry at 강남 comes in a later batch
    taps(builders.tap("lone-out", YEOKSAM, "exit", now - timedelta(hours=3), "lone"))
    charged_lone = Journey.objects.get(key="lone-out").charge
    GateEvent.objects.filter(event_id="lone-out").update(received_at=now - timedelta(hours=3))  # its batch came then
    taps(builders.tap("lone-in", GANGNAM, "entry", now - timedelta(hours=3, minutes=15), "lone"))
    j = {k: Journey.objects.get(key=k) for k in ("usual-in", "max-in", "late-in", "fix-in", "lone-in", "lone-out")}
    assert j["usual-in"].status == "incomplete_no_exit" and j["usual-in"].breakdown["completed_with"] == "양재"
    assert j["max-in"].status == "incomplete_no_exit" and "maximum_fare_to" in j["max-in"].breakdown
    assert j["late-in"].status == j["fix-in"].status == j["lone-in"].status == "complete"
    assert j["lone-out"].superseded and j["lone-out"].status == "incomplete_no_entry"
    assert "rider_correction" in j["fix-in"].breakdown["rules"]
    assert Rider.objects.get(account="usual") == pattern_rider
    return {"journeys": j, "charged": {"late": charged_late, "fix": charged_fix, "lone": charged_lone}}


def test_incomplete_journeys_per_station_and_how_they_ended(incomplete: dict[str, Any]) -> None:
    j, charged = incomplete["journeys"], incomplete["charged"]
    found = report(period())
    sadang, seoul, gangnam, city_hall, yeoksam = (
        station_row(found, s) for s in ("사당", "서울역", "강남", "시청", "역삼")
    )
    assert (sadang["line"], sadang["no_exit"], sadang["pattern"], sadang["maximum"]) == ("4", 1, 1, 0)
    assert (seoul["no_exit"], seoul["maximum"], seoul["maximum_won"]) == (1, 1, j["max-in"].charge)
    assert j["max-in"].charge == maximum_fare("서울역", "adult", j["max-in"].started_at.astimezone(SEOUL).date())[0]
    assert (gangnam["no_exit"], gangnam["late_tap"], gangnam["correction"]) == (1, 1, 0)
    assert (city_hall["no_exit"], city_hall["correction"], city_hall["late_tap"]) == (1, 1, 0)
    # the lone exit is counted where the gates saw the rider (역삼), once, though its journey was re-keyed
    assert (yeoksam["no_entry"], yeoksam["no_exit"], yeoksam["late_tap"]) == (1, 0, 1)
    totals = found["incomplete"]["totals"]
    assert (totals["incomplete"], totals["no_exit"], totals["no_entry"]) == (5, 4, 1)
    assert sum(totals[o] for o in ("pattern", "maximum", "late_tap", "correction")) == totals["incomplete"]
    # the charge of each journey that went down comes back, once
    assert (gangnam["automatic_refunds"], gangnam["automatic_won"]) == (1, charged["late"] - j["late-in"].charge)
    assert (city_hall["automatic_refunds"], city_hall["automatic_won"]) == (1, charged["fix"] - j["fix-in"].charge)
    assert (yeoksam["automatic_refunds"], yeoksam["automatic_won"]) == (1, charged["lone"] - j["lone-in"].charge)
    assert min(charged["late"] - j["late-in"].charge, charged["lone"] - j["lone-in"].charge) > 0
    by_line = {r["line"]: r for r in found["incomplete"]["by_line"]}
    assert by_line["2"]["incomplete"] == 2 and by_line["2"]["stations"] == 2 and by_line["1"]["incomplete"] == 2
    # one line: only its stations
    line_2 = report(ReportFilters(period().start, period().end, line="2"))["incomplete"]
    assert {r["station"] for r in line_2["by_station"]} == {"강남", "역삼"}
    # journeys that started before the period are not counted
    earlier = ReportFilters(seoul_today() - timedelta(days=20), seoul_today() - timedelta(days=2))
    assert report(earlier)["incomplete"]["totals"]["incomplete"] == 0


def test_dispute_and_pass_refunds(incomplete: dict[str, Any]) -> None:
    disputer, _token = builders.signed_up("010-5000-0002")
    assert disputer.user is not None
    plain = builders.journey("d", disputer.account, GANGNAM, YEOKSAM, builders.recent_boarding())
    approver = builders.staff("metro.approver", "approver")
    dispute = actions.open_dispute(plain, "I never left the station", actor=disputer.user)
    actions.resolve_dispute(dispute, refund=500, resolution="Refunded in part.", actor=approver)
    holder = builders.rider("pass-holder")
    bought = actions.buy_pass(holder, seoul_today(), actor=None)
    refunded = actions.refund_pass(bought, actor=None)
    assert refunded.refund > 0
    found = report(period())["incomplete"]
    gangnam = next(r for r in found["by_station"] if r["station"] == "강남")
    assert (gangnam["dispute_refunds"], gangnam["dispute_won"]) == (1, 500)
    assert found["totals"]["dispute_won"] == 500
    assert found["pass_refunds"] == {"n": 1, "won": RiderPass.objects.get(pk=bought.pk).refund}


def make_money(gw: GatewayStandIn) -> dict[str, Any]:
    """Two postpaid riders settled today (one card declines: the deny list), a top-up, and two
    reconciliations of today, the later one finding the top-up reported at another amount."""
    today = seoul_today()
    start = datetime.combine(today, datetime.min.time(), tzinfo=SEOUL)
    tomorrow = start + timedelta(days=1, hours=1)
    payer, payer_token = builders.signed_up("010-5000-0003", mode="postpaid")
    builders.register_card(payer)
    decliner, decliner_token = builders.signed_up("010-5000-0004", mode="postpaid")
    builders.register_card(decliner, INSUFFICIENT)
    topper, _ = builders.signed_up("010-5000-0005")
    builders.register_card(topper)
    boarded = start + timedelta(hours=1)
    if boarded > timezone.now() - timedelta(minutes=30):
        pytest.skip("too early in the Seoul day for a journey that ended today")
    taps(*builders.journey_events("p", payer_token, SEOUL_STATION, GANGNAM, boarded))
    taps(*builders.journey_events("q", decliner_token, SEOUL_STATION, CITY_HALL, boarded))
    assert topper.user is not None
    with on_commit():
        top_up = money.top_up(topper, 3_000, "t-1", actor=topper.user)
    with on_commit():
        money.settle_day(today, now=tomorrow)
    settled = {p.rider_id: p for p in Payment.objects.filter(purpose=Payment.Purpose.SETTLEMENT)}
    top_up.refresh_from_db()
    gw.set_knobs({"report_alter": {top_up.gateway_id: 2_500}, "report_drop": [settled[payer.pk].gateway_id]})
    money.reconcile_gateway(today)
    gw.set_knobs({"report_alter": {top_up.gateway_id: 2_500}, "report_drop": []})
    latest = money.reconcile_gateway(today)  # the later run of the day is the one shown
    return {
        "riders": (payer, decliner, topper),
        "settled": (settled[payer.pk], settled[decliner.pk]),
        "top_up": top_up,
        "latest": latest,
    }


def test_money_per_day_deny_list_and_reconciliation_without_rider_keys(gates: None, gw: GatewayStandIn) -> None:
    today = seoul_today()
    made = make_money(gw)
    payer, decliner, topper = made["riders"]
    paid, declined = made["settled"]
    top_up, latest = made["top_up"], made["latest"]
    assert paid.status == "captured" and declined.status == "declined"

    filters = ReportFilters(start=today - timedelta(days=1), end=today)
    found = report(filters)
    day = {r["day"]: r for r in found["settlement"]}
    assert day[today - timedelta(days=1)]["asked"] == 0
    t = day[today]
    assert (t["asked"], t["asked_won"]) == (2, paid.amount + declined.amount)
    assert (t["captured"], t["captured_won"]) == (1, paid.amount)
    assert (t["declined"], t["declined_won"], t["pending"]) == (1, declined.amount, 0)
    assert (t["top_ups"], t["top_ups_won"]) == (1, 3_000)
    # the listing is dated when the gateway's decline came back (now)
    deny = found["deny_list"]
    assert deny["open_now"] == 1
    assert [(r["listed"], r["cleared"], r["open"]) for r in deny["by_day"]] == [(0, 0, 0), (1, 0, 1)]
    runs = found["reconciliations"]
    assert [(r["day"], r["ran_at"], r["matched"]) for r in runs] == [(today, latest.ran_at, latest.matched)]
    [diff] = runs[0]["differences"]
    assert (diff["kind"], diff["purpose"], diff["gateway_id"], diff["ledger"], diff["gateway"]) == (
        "amount",
        "top_up",
        top_up.gateway_id,
        3_000,
        2_500,
    )
    # our payment key holds the rider's account id: it is nowhere in the report
    text = json.dumps(found, default=str)
    for rider in (payer, decliner, topper):
        assert rider.account not in text
    assert top_up.key not in text


# --- the page -------------------------------------------------------------------------------


def test_the_page_and_its_csv_for_seoul_metro_staff(incomplete: dict[str, Any], client: Any) -> None:
    viewer = builders.staff("metro.viewer", "viewer")
    client.force_login(viewer)
    page = client.get("/metro/reports/", HTTP_ACCEPT_LANGUAGE="ko")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="incomplete-stations"' in html and "사당" in html
    for account in ("usual", "max", "late", "lone"):
        assert f">{account}<" not in html
    exported = client.get("/metro/reports/?export=incomplete-stations")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    by_station = {r[1]: r for r in rows[1:]}
    assert set(by_station) == {"사당", "서울역", "강남", "시청", "역삼"}
    assert by_station["사당"][2:4] == ["1", "0"]  # no exit, no entry
    assert not AuditEvent.objects.filter(event="metro.report.exported").exists()  # aggregates only
    diffs = client.get("/metro/reports/?export=reconciliation")
    assert diffs.status_code == 200
    assert AuditEvent.objects.filter(event="metro.report.exported", actor=viewer).count() == 1
    assert client.get("/metro/reports/?export=riders").status_code == 404


def test_a_wrong_period_is_refused_and_the_default_shown(gates: None, client: Any) -> None:
    client.force_login(builders.staff("metro.viewer", "viewer"))
    today = seoul_today()
    backwards = client.get(f"/metro/reports/?start={today}&end={today - timedelta(days=3)}")
    assert backwards.status_code == 400
    assert backwards.context["filters"] == ReportFilters(today - timedelta(days=6), today)  # the default period
    too_long = client.get(f"/metro/reports/?start={today - timedelta(days=200)}&end={today}")
    assert too_long.status_code == 400
    assert client.get(f"/metro/reports/?start={today - timedelta(days=3)}&end={today}&line=2").status_code == 200
    assert client.get("/metro/reports/?line=99").status_code == 400


@pytest.mark.parametrize(
    "who",
    ["citizen rider", "viewer of another institution", "anonymous"],
)
def test_others_cannot_see_the_reports(incomplete: dict[str, Any], client: Any, who: str) -> None:
    if who == "citizen rider":
        rider, _ = builders.signed_up("010-5000-0009")
        client.force_login(rider.user)
    elif who == "viewer of another institution":
        client.force_login(builders.staff("sh.viewer", "viewer", institution="SH"))
    for path in ("/metro/reports/", "/metro/reports/?export=reconciliation"):
        response = client.get(path)
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403
            assert "incomplete-stations" not in response.content.decode()
    assert not AuditEvent.objects.filter(event="metro.report.exported").exists()


def test_cli_json(incomplete: dict[str, Any]) -> None:
    today = seoul_today()
    result = CliRunner().invoke(
        main, ["metro", "report", "--from", str(today - timedelta(days=1)), "--to", str(today), "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["incomplete"]["totals"]["incomplete"] == 5
    assert {r["station"] for r in out["incomplete"]["by_station"]} == {"사당", "서울역", "강남", "시청", "역삼"}
    bad = CliRunner().invoke(main, ["metro", "report", "--from", str(today), "--to", str(today - timedelta(days=1))])
    assert bad.exit_code == 2 and "--from/--to" in bad.output
    not_a_date = CliRunner().invoke(main, ["metro", "report", "--from", "yesterday"])
    assert not_a_date.exit_code == 2 and "--from" in not_a_date.output


def test_rolled_up_days_give_the_live_incomplete_figures(incomplete: dict[str, Any]) -> None:
    """The nightly roll-up keeps each day's incomplete journeys with its revenue; the report reads
    it for rolled-up days and counts the others live, with the same figures."""
    from seoul.metro.models import IncompleteRollupRow

    f = period()
    live = report(f)["incomplete"]
    actions.roll_up_revenue(actor=None, days=f.days)
    assert IncompleteRollupRow.objects.exists()
    rolled = report(f)["incomplete"]
    assert rolled["by_station"] == live["by_station"] and rolled["totals"] == live["totals"]
    line_2 = ReportFilters(f.start, f.end, line="2")
    assert report(line_2)["incomplete"]["totals"]["incomplete"] == 2
    # a journey that goes incomplete after the roll-up shows once its day is rolled up again
    builders.rider("later")
    taps(builders.tap("later-in", YEOKSAM, "entry", timezone.now() - timedelta(hours=6), "later"))
    day = Journey.objects.get(key="later-in").started_at.astimezone(SEOUL).date()
    assert report(f)["incomplete"]["totals"]["incomplete"] == 5  # the roll-up is a snapshot
    actions.roll_up_revenue(actor=None, days=[day])
    assert report(f)["incomplete"]["totals"]["incomplete"] == 6
    assert station_row(report(f), "역삼")["maximum"] == 1
