"""A new rider signs up on the web, verifies the phone with the texted code, registers a postpaid
card on the payment gateway's hosted page (the loopback stand-in), rides through tagless gates
(gate events posted through the gate API as a gate controller would, with the phone's token),
sees the journeys with receipts, disputes one and sees the daily settlement; a second rider's
settlement is declined, the deny list stops tagless, and paying the debt clears it."""

from __future__ import annotations

import functools
import json
import re
import urllib.request
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.metro_fixtures import (  # noqa: F401 - fixtures
    CITIZEN_PASSWORD,
    CITY_HALL_1,
    GANGNAM_2,
    SEOUL_STATION_1,
    YEOKSAM_2,
    metro_data,
    won,
)

pytestmark = pytest.mark.browser

OK_CARD = "4242 4242 4242 4242"
POOR_CARD = "4000 0000 0000 9995"


@pytest.fixture
def gate_controller(metro_data: None) -> str:  # noqa: F811
    """An API token of a gate controller (metro operator)."""
    from seoul.core import actions as core_actions
    from seoul.core.models import Institution, ServiceRole, User

    user = User.objects.create_user(
        username="gate-controller-7",
        kind=User.Kind.STAFF,
        institution=Institution.objects.get(code="SEOUL_METRO"),
    )
    ServiceRole.objects.create(user=user, service="metro", role="operator")
    return core_actions.issue_token(None, user, "gate controller 7")


@pytest.fixture
def gateway_standin() -> Any:
    from seoul.metro.adapters import gateway

    service = gateway.standin()
    service.reset()
    yield service
    service.reset()


def texted_code(number: str) -> str:
    from seoul.core.adapters import sms

    texts = [m["text"] for m in sms.read_outbox() if m["to"] == "".join(c for c in number if c.isdigit())]
    assert texts, f"no text to {number}"
    return re.findall(r"\d{6}", texts[-1])[-1]


def choose(page: Any, selector: str) -> None:
    """Tick a radio button or checkbox by its label (KRDS draws its own; the label is what a person clicks)."""
    page.locator(f"{selector} + label").click()
    assert page.is_checked(selector)


def send(page: Any, selector: str) -> int:
    with page.expect_navigation() as nav:
        page.click(selector)
    return int(nav.value.status)


def sign_up(page: Any, base: str, number: str, axe: Any, mode: str = "postpaid") -> str:
    """Through the three sign-up pages; returns the tagless token shown once."""
    page.goto(f"{base}/metro/join/")
    assert_accessible(axe(page), "sign-up: number")
    page.fill("#id_phone", number)
    assert send(page, "main form button[type=submit]") == 200
    assert page.url == f"{base}/metro/join/code/"
    assert_accessible(axe(page), "sign-up: code")
    code = texted_code(number)
    # A wrong code is refused and the page says how many tries are left.
    page.fill("#id_code", "000000" if code != "000000" else "111111")
    assert send(page, "main form.form button[type=submit]") == 400
    assert page.locator(".error-summary").count() == 1
    assert "4" in page.inner_text("[data-testid=tries-left]")
    page.fill("#id_code", code)
    assert send(page, "main form.form button[type=submit]") == 200
    assert page.url == f"{base}/metro/join/details/"
    assert_accessible(axe(page), "sign-up: details")
    page.fill("#id_password", CITIZEN_PASSWORD)
    page.fill("#id_birth_date", "1990-05-17")
    choose(page, f"input[name=payment_mode][value={mode}]")
    choose(page, "#id_accept_terms")
    choose(page, "#id_location_consent")
    assert send(page, "main form button[type=submit]") == 200
    assert page.url == f"{base}/metro/join/done/"
    assert_accessible(axe(page), "sign-up: confirmation")
    token = page.inner_text("[data-testid=token]").strip()
    assert token.startswith("tg_")
    # Shown once: coming back shows no token.
    page.reload()
    assert page.locator("[data-testid=token]").count() == 0
    return token


def register_card(page: Any, base: str, number: str, axe: Any) -> None:
    """From "My account" to the gateway's hosted page and back."""
    page.goto(f"{base}/metro/me/account/")
    link = page.locator("#card-h ~ p a.button")
    with page.expect_navigation():
        link.click()
    assert "/hosted/cards/cs_" in page.url, page.url
    page.fill("#number", number)
    page.fill("#expiry", "12/39")
    page.fill("#holder", "KIM SEOUL")
    with page.expect_navigation():
        page.click("button[value=register]")
    assert page.url.startswith(f"{base}/metro/me/account/"), page.url
    assert page.locator(".messages").count() == 1, page.inner_text("main")[:600]
    assert number.replace(" ", "")[-4:] in page.inner_text("[data-testid=card]")


def post_api(base: str, token: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to the live server's API as a gate controller; nothing may be rejected."""
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{base}/api/v1/metro/{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
        out: dict[str, Any] = json.loads(answer.read())
    assert not out["rejected"], out
    return out


def post_gate_events(base: str, token: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    return post_api(base, token, "gate-events", {"events": events})


def passage(event_id: str, gate: str, kind: str, at: datetime, phone_token: str) -> dict[str, Any]:
    from seoul.core.engine.time import SEOUL

    return {
        "event_id": event_id,
        "gate": gate,
        "rider": phone_token,
        "kind": kind,
        "at": at.astimezone(SEOUL).isoformat(),
        "source": "tagless",
    }


@functools.cache
def _passing_phone(direction: str) -> Any:
    """A simulated phone (in the hand, with UWB) walking through a lane in ``direction`` whose
    readings the detector takes for a crossing -- the first such one of a fixed sample."""
    from seoul.metro.engine.tagless import GateArray, SimParams, detect, simulate

    gates = GateArray(lanes=6)
    params = SimParams(uwb_share=1.0, carry_mix=(1.0, 0.0, 0.0))
    for event in simulate(40, seed=12, mix={"clean": 1.0}, params=params):
        decision = detect(event.window, gates)
        if decision.charged and decision.direction == direction == event.truth.direction:
            return event, decision
    raise AssertionError(f"no simulated {direction} crossing in the sample")


def tagless_window(window_id: str, gate: str, direction: str, at: datetime, phone_token: str) -> dict[str, Any]:
    """What a gate controller posts for a phone walking through at ``at``: its beacon readings
    (placed so that the crossing falls at ``at``) and the lane sensor's passage."""
    from seoul.core.engine.time import SEOUL

    event, decision = _passing_phone(direction)
    w = event.window
    started_at = at - timedelta(seconds=decision.crossed_at - w.t0)
    from seoul.metro.tests.builders import window_item

    passages = [{"lane": event.truth.lane, "at": at.astimezone(SEOUL).isoformat(), "direction": direction}]
    return window_item(
        w, window_id, gate=gate, rider=phone_token, started_at=started_at.astimezone(SEOUL), passages=passages
    )


def post_windows(base: str, token: str, windows: list[dict[str, Any]]) -> dict[str, Any]:
    return post_api(base, token, "tagless-windows", {"windows": windows})


def daytime_yesterday(hour: int) -> datetime:
    """A boarding time at ``hour`` o'clock yesterday (Seoul): no early-bird discount, whatever
    hour the suite runs."""
    from django.utils import timezone

    from seoul.core.engine.time import SEOUL

    return (timezone.now() - timedelta(days=1)).astimezone(SEOUL).replace(hour=hour, minute=0, second=0)


def settle_today() -> None:
    """The daily settlement of today, as the job runs it just after midnight."""
    from django.utils import timezone

    from seoul.metro.actions import money

    money.settle_day(timezone.localdate(), now=timezone.now() + timedelta(days=1))


def test_a_new_rider_signs_up_rides_tagless_and_is_settled(
    live_server: Any,
    metro_data: None,  # noqa: F811
    gateway_standin: Any,
    gate_controller: str,
    new_context: Any,
    axe: Any,
) -> None:
    from django.utils import timezone

    from seoul.metro.models import Journey, Payment, Rider

    base = live_server.url
    page = new_context().new_page()
    token = sign_up(page, base, "010-4200-0001", axe)
    rider = Rider.objects.get(user__phone_index__isnull=False, payment_mode="postpaid")
    register_card(page, base, OK_CARD, axe)
    assert "VISA" in page.inner_text("[data-testid=card]")
    assert page.locator("[data-testid=tagless-on]").count() == 1
    assert_accessible(axe(page), "my account")

    # --- two journeys through tagless gates: simulated readings and lane sensors, through the gate API
    first, second = daytime_yesterday(10), daytime_yesterday(11)
    out = post_windows(
        base,
        gate_controller,
        [
            tagless_window("t1-in", SEOUL_STATION_1, "in", first, token),
            tagless_window("t1-out", CITY_HALL_1, "out", first + timedelta(minutes=9), token),
            tagless_window("t2-in", GANGNAM_2, "in", second, token),
            tagless_window("t2-out", YEOKSAM_2, "out", second + timedelta(minutes=4), token),
        ],
    )
    assert out["charged"] == 4, out["outcomes"]
    journeys = list(Journey.objects.filter(rider=rider, superseded=False).order_by("started_at"))
    assert [j.charge for j in journeys] == [1550, 1550]

    page.goto(f"{base}/metro/me/")
    assert page.locator("article.journey").count() == 2
    card = page.locator(f"article.journey[data-journey='{journeys[0].key}']")
    entry_text = card.locator("[data-testid=entry]").inner_text()
    assert "서울역" in entry_text and first.astimezone(timezone.get_current_timezone()).strftime("%H:%M") in entry_text
    assert "시청" in card.locator("[data-testid=exit]").inner_text()
    assert_accessible(axe(page), "my journeys")

    # --- the receipt: fare breakdown and the rules in plain words
    with page.expect_navigation():
        card.locator("[data-testid=receipt-link]").click()
    assert page.inner_text("[data-testid=charge]").strip() == won(1550)
    assert "1,550원" in page.inner_text("dl.breakdown")
    assert page.locator("[data-testid=rules]").count() == 1
    assert_accessible(axe(page), "receipt")

    # --- dispute the first journey from its receipt
    page.fill(f"#dispute-{journeys[0].pk}-reason", "한 번만 탔는데 요금이 잘못된 것 같습니다.")
    assert send(page, "form:has(input[name=back]) button[type=submit]") == 200
    assert page.locator("[data-testid=dispute-open]").count() == 1
    assert journeys[0].disputes.count() == 1

    # --- the daily settlement: one capture for both journeys
    settle_today()
    settlement = Payment.objects.get(rider=rider, purpose="settlement")
    assert (settlement.status, settlement.amount) == ("captured", 3100)
    page.goto(f"{base}/metro/me/account/")
    assert page.inner_text("[data-testid=owed]").strip() == won(0)
    row = page.locator("[data-testid=payment-settlement]")
    assert row.count() == 1 and "3,100원" in row.inner_text()


def test_a_declined_settlement_stops_tagless_until_the_rider_pays(
    live_server: Any,
    metro_data: None,  # noqa: F811
    gateway_standin: Any,
    gate_controller: str,
    new_context: Any,
    axe: Any,
) -> None:
    from django.utils import timezone

    from seoul.metro.actions import riders
    from seoul.metro.models import Rider

    base = live_server.url
    page = new_context().new_page()
    token = sign_up(page, base, "010-4200-0002", axe)
    rider = Rider.objects.get(payment_mode="postpaid", user__isnull=False)
    register_card(page, base, POOR_CARD, axe)
    boarded = daytime_yesterday(10)
    post_gate_events(
        base,
        gate_controller,
        [
            passage("d1-in", SEOUL_STATION_1, "entry", boarded, token),
            passage("d1-out", CITY_HALL_1, "exit", boarded + timedelta(minutes=9), token),
        ],
    )
    settle_today()

    page.goto(f"{base}/metro/me/account/")
    banner = page.locator("[data-testid=deny-banner]")
    assert banner.count() == 1, page.inner_text("main")[:800]
    assert "1,550원" in banner.inner_text()
    assert riders.tagless_refusal(rider, timezone.now()) == riders.Refusal.DENIED
    assert page.locator("[data-testid=notification-denied]").count() == 1
    assert_accessible(axe(page), "my account, deny-listed")

    # Paying with the declining card is declined again; a good card pays and clears the listing.
    register_card(page, base, OK_CARD, axe)
    assert send(page, "[data-testid=pay-now]") == 200
    assert page.locator("[data-testid=deny-banner]").count() == 0, page.inner_text("main")[:800]
    assert page.locator("[data-testid=tagless-on]").count() == 1
    assert riders.tagless_refusal(rider, timezone.now()) is None
    assert page.locator("[data-testid=notification-cleared]").count() == 1


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("lang", ["ko", "en"])
def test_rider_pages_walk(
    live_server: Any,
    metro_data: None,  # noqa: F811
    gateway_standin: Any,
    new_context: Any,
    axe: Any,
    lang: str,
    width: int,
) -> None:
    """Every rider page at a phone's and a desktop's width in Korean and English: no critical or
    serious axe violation, nothing wider than the screen, the page in the language asked for.
    Photographed to ``test-artifacts/walk/metro-rider-*``."""
    from django.utils import timezone

    from seoul.metro.models import Journey, Rider
    from seoul.metro.tests.builders import ingest, journey_events, tap
    from tests.browser.test_walk import _check

    base = live_server.url
    problems: list[str] = []
    ctx = new_context(locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": width, "height": 900})
    page = ctx.new_page()

    def see(name: str) -> None:
        _check(page, axe, f"metro-rider-{name}", lang, width, problems)

    number = f"010-4300-{width:04d}"
    page.goto(f"{base}/metro/join/")
    see("join-phone")
    page.fill("#id_phone", number)
    send(page, "main form button[type=submit]")
    page.fill("#id_code", "000000" if texted_code(number) != "000000" else "111111")
    send(page, "main form.form button[type=submit]")
    see("join-code-error")
    page.fill("#id_code", texted_code(number))
    send(page, "main form.form button[type=submit]")
    send(page, "main form button[type=submit]")  # nothing filled in: every error
    see("join-details-error")
    page.fill("#id_password", CITIZEN_PASSWORD)
    page.fill("#id_birth_date", "1990-05-17")
    choose(page, "input[name=payment_mode][value=prepaid]")
    choose(page, "#id_accept_terms")
    choose(page, "#id_location_consent")
    send(page, "main form button[type=submit]")
    see("join-done")
    token = page.inner_text("[data-testid=token]").strip()
    page.reload()
    see("token-shown-once")

    register_card(page, base, OK_CARD, axe)
    page.fill("#id_amount", "10000")
    send(page, "form[action$='/top-up/'] button[type=submit]")
    rider = Rider.objects.get(user__phone_index__isnull=False)
    boarded = timezone.now() - timedelta(days=1)
    ingest(journey_events("w1", token, SEOUL_STATION_1, CITY_HALL_1, boarded))
    ingest([tap("w2-in", GANGNAM_2, "entry", boarded + timedelta(hours=2), token)])
    ingest([tap("w3-in", SEOUL_STATION_1, "entry", boarded + timedelta(hours=8), token)])
    page.goto(f"{base}/metro/me/account/")
    see("account-prepaid")
    page.fill("#id_amount", "1500")
    send(page, "form[action$='/top-up/'] button[type=submit]")
    see("account-top-up-error")
    page.goto(f"{base}/metro/me/")
    see("journeys")
    complete = Journey.objects.filter(rider=rider, status="complete").first()
    incomplete = Journey.objects.filter(rider=rider, status="incomplete_no_exit").first()
    assert complete is not None and incomplete is not None
    page.goto(f"{base}/metro/me/journeys/{complete.key}/")
    see("receipt")
    page.goto(f"{base}/metro/me/journeys/{incomplete.key}/")
    see("receipt-incomplete")
    page.fill("#id_station", "시청")
    send(page, "form[action$='/correct/'] button[type=submit]")  # no time given
    see("receipt-correction-error")
    device = rider.devices.get()
    page.goto(f"{base}/metro/me/account/phones/{device.pk}/replace/")
    see("replace-phone")
    choose(page, "input[name=reason][value=lost]")
    send(page, "main form button[type=submit]")
    see("new-token")

    # A postpaid rider whose settlement was declined.
    other = new_context(locale="ko-KR" if lang == "ko" else "en-US", viewport={"width": width, "height": 900})
    page = other.new_page()
    second = f"010-4400-{width:04d}"
    page.goto(f"{base}/metro/join/")
    page.fill("#id_phone", second)
    send(page, "main form button[type=submit]")
    page.fill("#id_code", texted_code(second))
    send(page, "main form.form button[type=submit]")
    page.fill("#id_password", CITIZEN_PASSWORD)
    page.fill("#id_birth_date", "1988-02-03")
    choose(page, "input[name=payment_mode][value=postpaid]")
    choose(page, "#id_accept_terms")
    send(page, "main form button[type=submit]")
    token2 = page.inner_text("[data-testid=token]").strip()
    register_card(page, base, POOR_CARD, axe)
    ingest(journey_events("w4", token2, SEOUL_STATION_1, CITY_HALL_1, timezone.now() - timedelta(hours=2)))
    settle_today()
    page.goto(f"{base}/metro/me/account/")
    see("account-denied")
    assert not problems, "\n".join(problems)
