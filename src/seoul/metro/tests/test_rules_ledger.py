"""The rules through the database: charges, corrections, the 기후동행카드 and the ledger."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.test import Client

from seoul.cli import main
from seoul.core.engine.time import SEOUL
from seoul.core.errors import codes_of
from seoul.core.models import AuditEvent
from seoul.metro import actions
from seoul.metro.models import Gate, Journey, LedgerEntry, LedgerTransaction, Rider, RiderPass
from seoul.metro.tests import builders
from seoul.metro.tests.builders import CITY_HALL, GANGNAM, SEOUL_STATION, YEOKSAM

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 11, 24, 8, 0, tzinfo=SEOUL)


def balance(account: str) -> int:
    return LedgerEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"] or 0


def ev(i: int, gate: str, kind: str, when: datetime, rider: str = "phone-1") -> dict[str, Any]:
    return builders.tap(f"ev-{i}", gate, kind, when, rider)


def live(rider: Rider) -> list[tuple[str, str, int]]:
    return sorted(Journey.objects.filter(rider=rider, superseded=False).values_list("key", "status", "charge"))


def test_a_free_re_entry_is_charged_as_one_journey(rider: Rider) -> None:
    builders.ingest(
        [
            ev(1, GANGNAM, "entry", DAY),
            ev(2, YEOKSAM, "exit", DAY + timedelta(minutes=4)),
            ev(3, YEOKSAM, "entry", DAY + timedelta(minutes=14)),  # 10 minutes later, same station and line
            ev(4, GANGNAM, "exit", DAY + timedelta(minutes=18)),
        ],
        now=DAY + timedelta(hours=1),
    )
    assert live(rider) == [("ev-1", "complete", 1550)]
    assert "re_entry" in Journey.objects.get(key="ev-1").breakdown["rules"]
    assert balance("rider:phone-1") == 1550


def test_over_five_hours_replaces_the_maximum_fare_and_refunds_the_difference_once(rider: Rider) -> None:
    builders.ingest([ev(1, SEOUL_STATION, "entry", DAY)], now=DAY + timedelta(minutes=1))
    actions.close_open_entries(actor=None, now=DAY + timedelta(hours=5, minutes=30))
    (j,) = Journey.objects.filter(rider=rider)
    assert j.status == "incomplete_no_exit" and "maximum_fare" in j.breakdown["rules"]
    maximum = j.charge
    builders.ingest([ev(2, CITY_HALL, "exit", DAY + timedelta(hours=6))], now=DAY + timedelta(hours=6))
    j.refresh_from_db()
    assert (j.status, j.charge) == ("complete", 1550 + 1550)
    assert "over_five_hours" in j.breakdown["rules"]
    assert balance("rider:phone-1") == 3100
    txns = list(LedgerTransaction.objects.filter(journey_key="ev-1").values_list("amount", flat=True))
    assert txns == [maximum, 3100 - maximum]
    actions.rebuild_rider(rider.pk, actor=None, now=DAY + timedelta(hours=7))  # nothing posted twice
    assert LedgerTransaction.objects.filter(journey_key="ev-1").count() == 2


def commute_history(days: int) -> list[dict[str, Any]]:
    items = []
    for d in range(days):
        t = DAY - timedelta(days=days - d)
        items += [
            ev(10 + 2 * d, SEOUL_STATION, "entry", t),
            ev(11 + 2 * d, CITY_HALL, "exit", t + timedelta(minutes=5)),
        ]
    return items


def test_an_incomplete_journey_is_priced_from_the_riders_pattern(rider: Rider) -> None:
    builders.ingest([*commute_history(5), ev(1, SEOUL_STATION, "entry", DAY)], now=DAY + timedelta(hours=6))
    j = Journey.objects.get(key="ev-1")
    assert (j.status, j.charge) == ("incomplete_no_exit", 1550)
    assert j.breakdown["completed_with"] == "시청" and "completed_from_pattern" in j.breakdown["rules"]


def test_without_a_clear_pattern_the_maximum_fare_stays(rider: Rider) -> None:
    builders.ingest([*commute_history(4), ev(1, SEOUL_STATION, "entry", DAY)], now=DAY + timedelta(hours=6))
    j = Journey.objects.get(key="ev-1")
    assert j.charge > 1550 and j.breakdown["rules"] == ["maximum_fare"]


def test_a_late_history_event_reprices_a_later_incomplete_journey(rider: Rider) -> None:
    """The bounded rebuild of an old event reaches the incomplete journeys whose pattern it changes."""
    history = commute_history(5)
    builders.ingest([*history[:-1], ev(1, SEOUL_STATION, "entry", DAY)], now=DAY + timedelta(hours=6))
    assert Journey.objects.get(key="ev-1").breakdown["rules"] == ["maximum_fare"]
    builders.ingest(history[-1:], now=DAY + timedelta(hours=6))  # the fifth day's exit arrives late
    assert Journey.objects.get(key="ev-1").charge == 1550
    bounded = live(rider)
    actions.rebuild_rider(rider.pk, actor=None, now=DAY + timedelta(hours=6))
    assert live(rider) == bounded


def test_a_rider_completes_their_incomplete_journey_once(gates: None) -> None:
    kim, lee = builders.person("kim"), builders.person("lee")
    rider = builders.rider("phone-1", user=kim)
    builders.ingest(
        [ev(1, SEOUL_STATION, "entry", DAY), ev(2, GANGNAM, "entry", DAY + timedelta(hours=7))],
        now=DAY + timedelta(hours=13),
    )
    j = Journey.objects.get(key="ev-1")
    assert j.status == "incomplete_no_exit"
    maximum = j.charge
    now = DAY + timedelta(hours=14)
    with pytest.raises(ValidationError) as bad:
        actions.correct_journey(j, "없는역", DAY + timedelta(minutes=10), actor=kim, now=now)
    assert codes_of(bad.value) == ["metro.correction_station"]
    for when in (DAY - timedelta(minutes=1), DAY + timedelta(hours=7, minutes=1), DAY + timedelta(hours=5, minutes=1)):
        with pytest.raises(ValidationError) as bad:
            actions.correct_journey(j, "시청", when, actor=kim, now=now)
        assert codes_of(bad.value) == ["metro.correction_time"]
    with pytest.raises(ValidationError) as bad:
        actions.correct_journey(j, "시청", DAY + timedelta(minutes=10), actor=lee, now=now)
    assert codes_of(bad.value) == ["metro.not_your_journey"]
    fixed = actions.correct_journey(j, "시청", DAY + timedelta(minutes=10), actor=kim, now=now)
    assert (fixed.key, fixed.status, fixed.charge) == ("ev-1", "complete", 1550)
    assert "rider_correction" in fixed.breakdown["rules"]
    assert LedgerTransaction.objects.filter(journey_key="ev-1").values_list("amount", flat=True)[1] == 1550 - maximum
    assert AuditEvent.objects.filter(event="metro.journey.corrected").count() == 1
    with pytest.raises(ValidationError) as bad:
        actions.correct_journey(fixed, "종각", DAY + timedelta(minutes=12), actor=kim, now=now)
    assert codes_of(bad.value) == ["metro.correction_done"]
    old = Journey.objects.get(key="ev-2")  # incomplete, but more than 8 weeks ago by then
    with pytest.raises(ValidationError) as bad:
        actions.correct_journey(
            old, "역삼", DAY + timedelta(hours=7, minutes=5), actor=kim, now=now + timedelta(weeks=9)
        )
    assert codes_of(bad.value) == ["metro.correction_too_old"]
    assert rider.events.count() == 3


# --- 기후동행카드 ------------------------------------------------------------------------------


def test_a_pass_covers_thirty_days_from_its_first_day_not_a_month(rider: Rider) -> None:
    first = date(2026, 11, 20)
    bought = actions.buy_pass(rider, first, actor=None, now=DAY)
    assert (bought.month, bought.ends_on, bought.price) == (first, date(2026, 12, 19), 62000)
    inside = datetime(2026, 12, 20, 3, 30, tzinfo=SEOUL)  # before 04:00: still the 30th pass day
    after = datetime(2026, 12, 20, 7, 0, tzinfo=SEOUL)  # the 31st day
    items = builders.journey_events("a", "phone-1", SEOUL_STATION, CITY_HALL, inside)
    items += builders.journey_events("b", "phone-1", SEOUL_STATION, CITY_HALL, after)
    builders.ingest(items, now=after + timedelta(hours=1))
    assert dict(Journey.objects.values_list("key", "charge")) == {"a-in": 0, "b-in": 1550}
    assert "pass_covered" in Journey.objects.get(key="a-in").breakdown["rules"]
    assert balance("rider:phone-1") == 62000 + 1550
    assert balance("revenue:passes") == -62000


def test_journeys_leaving_seoul_pay_as_usual_under_a_pass(rider: Rider) -> None:
    actions.buy_pass(rider, date(2026, 11, 20), actor=None, now=DAY)
    suwon = Gate.objects.get(station="수원", line="1").code
    jinjeop = Gate.objects.get(station="진접", line="4").code
    seoul_4 = Gate.objects.get(station="서울역", line="4").code
    items = builders.journey_events("out", "phone-1", SEOUL_STATION, suwon, DAY)  # alights outside Seoul
    items += builders.journey_events("alight", "phone-1", seoul_4, jinjeop, DAY + timedelta(hours=3))  # alight-only
    items += builders.journey_events("board", "phone-1", jinjeop, seoul_4, DAY + timedelta(hours=6))  # boards outside
    builders.ingest(items, now=DAY + timedelta(hours=8))
    charges = dict(Journey.objects.values_list("key", "charge"))
    assert charges["alight-in"] == 0
    assert charges["out-in"] > 1550 and charges["board-in"] > 1550
    assert "outside_pass_coverage" in Journey.objects.get(key="out-in").breakdown["rules"]


def test_renewal_starts_when_the_current_pass_ends(gates: None) -> None:
    kim = builders.person("kim")
    rider = builders.rider("phone-1", user=kim)
    first = actions.buy_pass(rider, date(2026, 11, 24), actor=kim, now=DAY)
    with pytest.raises(ValidationError) as early:
        actions.renew_pass(rider, actor=kim, now=DAY + timedelta(days=20))
    assert codes_of(early.value) == ["metro.pass_renew_early"]
    renewed = actions.renew_pass(rider, actor=kim, now=DAY + timedelta(days=26))
    assert first.ends_on is not None and renewed.month == first.ends_on + timedelta(days=1)
    assert actions.renew_pass(rider, actor=kim, now=DAY + timedelta(days=26)).pk == renewed.pk  # once
    assert balance("rider:phone-1") == 2 * 62000
    with pytest.raises(ValidationError) as overlap:
        actions.buy_pass(rider, date(2026, 11, 25), actor=None, now=DAY)
    assert codes_of(overlap.value) == ["metro.pass_overlap"]


def test_a_refund_returns_the_price_less_the_fares_used_and_the_fee_once(gates: None) -> None:
    kim, lee = builders.person("kim"), builders.person("lee")
    rider = builders.rider("phone-1", user=kim)
    bought = actions.buy_pass(rider, date(2026, 11, 24), actor=kim, now=DAY)
    builders.ingest(
        builders.journey_events("a", "phone-1", SEOUL_STATION, CITY_HALL, DAY + timedelta(hours=1)),
        now=DAY + timedelta(hours=2),
    )
    with pytest.raises(PermissionDenied):
        actions.refund_pass(bought, actor=lee, now=DAY + timedelta(hours=3))
    p = actions.refund_pass(bought, actor=kim, now=DAY + timedelta(hours=3))
    assert p.refund == 62000 - 1550 - 500
    assert actions.refund_pass(bought, actor=kim, now=DAY + timedelta(hours=4)).refund == p.refund  # once
    assert LedgerTransaction.objects.filter(kind="refund", key__startswith="pass-refund:").count() == 1
    assert balance("rider:phone-1") == 1550 + 500  # what the rider used, and the fee
    builders.ingest(
        builders.journey_events("b", "phone-1", SEOUL_STATION, CITY_HALL, DAY + timedelta(hours=5)),
        now=DAY + timedelta(hours=6),
    )
    assert dict(Journey.objects.values_list("key", "charge")) == {"a-in": 0, "b-in": 1550}
    for txn in LedgerTransaction.objects.filter(kind__in=["pass", "refund"]):
        assert sum(txn.entries.values_list("amount", flat=True)) == 0


def test_the_young_adult_price_needs_a_verified_age(gates: None) -> None:
    kim = builders.person("kim")
    rider = builders.rider("phone-1", user=kim)
    with pytest.raises(ValidationError) as refused:
        actions.buy_pass(rider, date(2026, 11, 24), actor=kim, variant="young_adult", now=DAY)
    assert codes_of(refused.value) == ["metro.pass_young_adult"]
    bike = actions.buy_pass(rider, date(2026, 11, 24), actor=kim, variant="standard_bike", now=DAY)
    assert bike.price == 65000 and not RiderPass.objects.filter(variant="young_adult").exists()


def test_fare_json_lists_the_rules() -> None:
    result = CliRunner().invoke(main, ["metro", "fare", "강남", "강남", "--at", "2026-11-25T06:00", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["rules"] == ["early_bird", "same_station"] == out["breakdown"]["rules"]
    r = Client().get("/api/v1/metro/fare", {"origin": "강남", "destination": "역삼", "at": "2026-11-25T12:00:00+09:00"})
    assert r.json()["rules"] == []
