"""The rider's pages (rider_pages.py) through the Django test client: sign-up with a texted
code, my account (card at the gateway stand-in, top-up, deny list and paying it, phones, consent),
receipts scoped to the rider, corrections, the Climate Card and monthly statements."""

from __future__ import annotations

import csv
import http.client
import io
import re
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from seoul.core.adapters import sms
from seoul.core.models import AuditEvent
from seoul.metro import rider_pages
from seoul.metro.actions import ingest_events, money, riders
from seoul.metro.adapters.standins import GatewayStandIn
from seoul.metro.engine.fares import RULES
from seoul.metro.models import Journey, Payment, Rider
from seoul.metro.tests import builders
from seoul.metro.tests.test_money import INSUFFICIENT, OK, on_commit

pytestmark = pytest.mark.django_db


def last_code(number: str) -> str:
    texts = [m["text"] for m in sms.read_outbox() if m["to"] == "".join(c for c in number if c.isdigit())]
    return re.findall(r"\d{6}", texts[-1])[-1]


def test_every_fare_rule_has_plain_words_in_korean_and_english() -> None:
    assert set(RULES) <= set(rider_pages.RULE_WORDS)
    for code, words in rider_pages.RULE_WORDS.items():
        with translation.override("en"):
            english = str(words)
        with translation.override("ko"):
            korean = str(words)
        assert korean != english and re.search(r"[가-힣]", korean), (code, korean)


def sign_up_pages(client: Client, number: str, birth: str = "1990-05-17", mode: str = "postpaid") -> Any:
    with on_commit():
        r = client.post("/metro/join/", {"phone": number})
    assert r.status_code == 302 and r["Location"] == "/metro/join/code/", r.content[:500]
    wrong = "000000" if last_code(number) != "000000" else "111111"
    r = client.post("/metro/join/code/", {"code": wrong})
    assert r.status_code == 400
    assert "4" in client.get("/metro/join/code/").content.decode().split('data-testid="tries-left"')[1][:80]
    r = client.post("/metro/join/code/", {"code": last_code(number)})
    assert r.status_code == 302 and r["Location"] == "/metro/join/details/"
    return client.post(
        "/metro/join/details/",
        {
            "password": builders.PASSWORD,
            "birth_date": birth,
            "payment_mode": mode,
            "accept_terms": "on",
            "location_consent": "on",
        },
    )


def test_signing_up_verifies_the_number_signs_in_and_shows_the_token_once(gates: None) -> None:
    client = Client()
    r = sign_up_pages(client, "010-3100-0001")
    assert r.status_code == 302 and r["Location"] == "/metro/join/done/"
    rider = Rider.objects.get(user__username__startswith="rider-")
    assert rider.payment_mode == "postpaid"
    page = client.get("/metro/join/done/").content.decode()
    token = re.search(r"<code>(tg_[^<]+)</code>", page)
    assert token is not None and riders.rider_for_token(token.group(1)) == rider
    again = client.get("/metro/join/done/").content.decode()
    assert token.group(1) not in again and "tg_" not in again
    # The number signs in with the password.
    other = Client()
    r = other.post("/accounts/login/", {"username": "010-3100-0001", "password": builders.PASSWORD})
    assert r.status_code == 302 and other.get("/metro/me/account/").status_code == 200


def test_under_14_and_a_number_with_an_account_are_explained(gates: None) -> None:
    too_young = (timezone.localdate() - timedelta(days=365 * 12)).isoformat()
    r = sign_up_pages(Client(), "010-3100-0002", birth=too_young)
    assert r.status_code == 400
    assert "customer centre" in r.content.decode() or "고객센터" in r.content.decode()
    assert not Rider.objects.filter(user__isnull=False).exists()
    builders.signed_up("010-3100-0003")
    r = sign_up_pages(Client(), "010-3100-0003")
    assert r.status_code == 400 and 'data-testid="phone-taken"' in r.content.decode()


def register_card(client: Client, number: str) -> Any:
    r = client.get("/metro/me/account/card/")
    assert r.status_code == 302
    parts = urllib.parse.urlsplit(r["Location"])
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    body = urllib.parse.urlencode({"number": number, "expiry": "12/39", "holder": "KIM SEOUL", "action": "register"})
    conn.request("POST", parts.path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    back = answer.getheader("Location") or ""
    conn.close()
    assert answer.status == 303 and back.startswith("http://testserver/metro/me/account/card/return/"), back
    return client.get(back.removeprefix("http://testserver"))


def signed_in(number: str, mode: str) -> tuple[Client, Rider, str]:
    rider, token = builders.signed_up(number, mode=mode)
    client = Client()
    client.force_login(rider.user)
    return client, rider, token


def test_a_card_top_up_submitted_twice_is_one_payment(gates: None, gw: GatewayStandIn) -> None:
    client, rider, _token = signed_in("010-3100-0004", "prepaid")
    r = register_card(client, OK)
    assert r.status_code == 302 and r["Location"].startswith("/metro/me/account/")
    page = client.get("/metro/me/account/").content.decode()
    assert "VISA ····4242" in page
    for _ in range(2):
        with on_commit():
            client.post("/metro/me/account/top-up/", {"amount": "5000", "nonce": "abc123"})
    assert Payment.objects.filter(rider=rider, purpose="top_up").count() == 1
    assert money.balance(rider) == 5000
    r = client.post("/metro/me/account/top-up/", {"amount": "1500", "nonce": "abc124"})
    assert r.status_code == 400 and "error-summary" in r.content.decode()


def test_a_declined_settlement_shows_the_banner_until_paid(gates: None, gw: GatewayStandIn) -> None:
    client, rider, token = signed_in("010-3100-0005", "postpaid")
    register_card(client, INSUFFICIENT)
    boarded = timezone.now() - timedelta(hours=2)
    with on_commit():
        ingest_events(
            builders.journey_events("d1", token, builders.SEOUL_STATION, builders.CITY_HALL, boarded), actor=None
        )
    with on_commit():  # the settlement of today, run after midnight
        money.settle_day(timezone.localdate(), now=timezone.now() + timedelta(days=1))
    page = client.get("/metro/me/account/").content.decode()
    assert 'data-testid="deny-banner"' in page
    assert riders.tagless_refusal(rider, timezone.now()) == riders.Refusal.DENIED
    register_card(client, OK)
    with on_commit():
        r = client.post("/metro/me/account/pay/", {"nonce": "n1"})
    assert r.status_code == 302
    page = client.get("/metro/me/account/").content.decode()
    assert 'data-testid="deny-banner"' not in page and 'data-testid="tagless-on"' in page
    assert riders.tagless_refusal(rider, timezone.now()) is None


def test_receipts_statements_and_phones_are_the_riders_own(gates: None) -> None:
    client, rider, token = signed_in("010-3100-0006", "prepaid")
    other, _other_token = builders.signed_up("010-3100-0007")
    boarded = builders.recent_boarding()  # never early-bird, so the adult fare is the full 1,550
    builders.ingest(builders.journey_events("r1", token, builders.SEOUL_STATION, builders.CITY_HALL, boarded))
    builders.ingest(builders.journey_events("r2", _other_token, builders.CITY_HALL, builders.SEOUL_STATION, boarded))
    mine = Journey.objects.get(rider=rider)
    theirs = Journey.objects.get(rider=other)
    assert client.get(f"/metro/me/journeys/{theirs.key}/").status_code == 404
    r = client.get(f"/metro/me/journeys/{mine.key}/")
    assert r.status_code == 200 and "1,550" in r.content.decode()
    device = other.devices.get()
    assert client.get(f"/metro/me/account/phones/{device.pk}/replace/").status_code == 404
    month = timezone.localdate()
    r = client.get(f"/metro/me/statements/{month:%Y-%m}.csv")
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode().lstrip("\ufeff"))))
    assert rows[-1][2] == "1550" and len(rows) == 3, rows
    r = client.get(f"/metro/me/statements/{month:%Y-%m}.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF-1.4") and r.content.rstrip().endswith(b"%%EOF")
    assert AuditEvent.objects.filter(event="personal_data.exported", target_id=str(rider.pk)).count() == 2


def test_an_incomplete_journey_is_corrected_from_its_receipt(gates: None) -> None:
    client, rider, token = signed_in("010-3100-0008", "prepaid")
    # Yesterday at 10:00 Seoul time: at whatever hour the suite runs, no early-bird discount.
    boarded = (timezone.now() - timedelta(days=1)).astimezone(builders.SEOUL).replace(hour=10, minute=0)
    builders.ingest([builders.tap("c1-in", builders.SEOUL_STATION, "entry", boarded, token)])
    builders.ingest([builders.tap("c2-in", builders.SEOUL_STATION, "entry", boarded + timedelta(hours=6), token)])
    journey = Journey.objects.filter(rider=rider, status="incomplete_no_exit").order_by("started_at").first()
    assert journey is not None
    page = client.get(f"/metro/me/journeys/{journey.key}/").content.decode()
    assert 'id="correct-h"' in page
    at = (boarded + timedelta(minutes=15)).astimezone(builders.SEOUL).strftime("%Y-%m-%dT%H:%M")
    r = client.post(f"/metro/me/journeys/{journey.key}/correct/", {"station": "시청", "at": at})
    assert r.status_code == 302, r.content.decode()[:2000]
    fixed = Journey.objects.get(key=journey.key, superseded=False)
    assert fixed.status == "complete" and fixed.charge == 1550


def test_the_pdf_statement_is_well_formed_and_carries_the_korean_text() -> None:
    from seoul.metro import statements

    lines = [(16, "서울 지하철 월간 이용명세서 2026-12"), *[(9, f"줄 {i} — 1,550") for i in range(120)]]
    pdf = statements.render_pdf(lines)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # Every object is where the cross-reference table says it is.
    xref_at = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref_at:].startswith(b"xref")
    table = pdf[xref_at:].split(b"trailer")[0].split(b"\n")[3:]
    offsets = [int(row.split()[0]) for row in table if row.strip()]
    for n, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % n), n
    # 121 lines at 15 pt on A4 need three pages; the Korean title is there, UCS-2 encoded.
    assert b"/Count 3" in pdf
    assert statements._hex("서울 지하철").encode() in pdf
