"""Test data of the metro service, built through the real paths (gate arrays by the reference
loader, journeys by ``actions.ingest_events`` from gate events as gates send them). Used by the
unit tests (``conftest.py``) and the browser tests (``tests/browser/metro_fixtures.py``).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from seoul.core.engine.time import SEOUL
from seoul.core.models import Institution, ServiceRole, User
from seoul.metro.engine.tagless import ReadingWindow

# Gate arrays of the shipped network (reference.gate_code(line, station_code)).
SEOUL_STATION = "G-1-150"  # 서울역, line 1
CITY_HALL = "G-1-151"  # 시청, line 1
GANGNAM = "G-2-222"  # 강남, line 2
YEOKSAM = "G-2-221"  # 역삼, line 2
SADANG_4 = "G-4-433"  # 사당, line 4
YANGJAE_3 = "G-3-332"  # 양재, line 3
GANGNAM_SBD = "G-SBD-D007"  # 강남, 신분당선

CONGESTION_AT = datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL)
"""A Wednesday morning: the moment the congestion feeds' stand-ins are set to in tests."""
ADULT_FARE = 1550  # adult card fare from 2025-06-28 (tariffs.json)
EARLY_BIRD_BEFORE = time(6, 30)  # 조조할인: 20 % off the base fare when boarded before 06:30
PASSWORD = "Bukhansan-trail-9-maples"


def load_gates() -> None:
    """The gate arrays of the shipped network (idempotent)."""
    from seoul.metro import reference as metro_reference
    from seoul.metro.models import Gate

    if not Gate.objects.filter(code=SEOUL_STATION).exists():
        metro_reference.load()


def person(username: str, *, password: str = PASSWORD, phone: str = "") -> User:
    """A citizen account (no staff role)."""
    user = User.objects.create_user(username=username, password=password, kind=User.Kind.CITIZEN, phone=phone)
    user.test_password = password  # type: ignore[attr-defined]
    return user


def staff(username: str, role: str, *, institution: str = "SEOUL_METRO", password: str = PASSWORD) -> User:
    """Staff of ``institution`` holding ``role`` in the metro service."""
    user = User.objects.create_user(
        username=username,
        password=password,
        kind=User.Kind.STAFF,
        institution=Institution.objects.get(code=institution),
    )
    ServiceRole.objects.create(user=user, service="metro", role=role)
    user.test_password = password  # type: ignore[attr-defined]
    return user


def rider(account: str = "phone-1", *, user: User | None = None, category: str = "adult") -> Any:
    """A rider account (the opaque id a phone presents at gates), optionally a person's own."""
    from seoul.metro.models import Rider

    return Rider.objects.create(account=account, user=user, category=category)


def tap(event_id: str, gate: str, kind: str, at: datetime, rider: str = "phone-1", **extra: Any) -> dict[str, Any]:
    """One gate event as a gate controller sends it (``+09:00`` offset)."""
    return {"event_id": event_id, "gate": gate, "rider": rider, "kind": kind, "at": at.astimezone(SEOUL).isoformat()}


def journey_events(
    prefix: str, rider: str, entry_gate: str, exit_gate: str, boarded: datetime, minutes: int = 12
) -> list[dict[str, Any]]:
    """The two gate events of one complete journey."""
    return [
        tap(f"{prefix}-in", entry_gate, "entry", boarded, rider),
        tap(f"{prefix}-out", exit_gate, "exit", boarded + timedelta(minutes=minutes), rider),
    ]


def flagged_events(prefix: str, gate: str, n: int, at: datetime) -> list[dict[str, Any]]:
    """``n`` passages the detector refused, one per lane and minute."""
    return [
        {
            "event_id": f"{prefix}-{i}",
            "gate": gate,
            "kind": "flagged",
            "reason": "ambiguous_lane",
            "lane": i,
            "at": (at + timedelta(minutes=i)).astimezone(SEOUL).isoformat(),
        }
        for i in range(n)
    ]


def ingest(items: list[dict[str, Any]], *, now: datetime | None = None) -> Any:
    """Feed gate events through the real ingestion path; every item must be accepted."""
    from seoul.metro import actions

    result = actions.ingest_events(items, actor=None, now=now)
    assert not result.rejected, f"gate events rejected: {result.rejected}"
    assert result.accepted == len(items), result
    return result


def journey(
    prefix: str, rider: str, entry_gate: str, exit_gate: str, boarded: datetime, *, now: datetime | None = None
) -> Any:
    """A complete journey, charged through the real path; returns the Journey."""
    from seoul.metro.models import Journey

    ingest(journey_events(prefix, rider, entry_gate, exit_gate, boarded), now=now)
    return Journey.objects.get(key=f"{prefix}-in")


def expected_adult_fare(boarded: datetime) -> int:
    """The adult card fare of a short line-1/line-2 ride (base fare only) boarded at ``boarded``."""
    if boarded.astimezone(SEOUL).time() < EARLY_BIRD_BEFORE:
        return ADULT_FARE - (ADULT_FARE * 20 // 100) // 10 * 10
    return ADULT_FARE


def recent_boarding() -> datetime:
    """A boarding time a little over an hour ago (Seoul) that is not an early-bird boarding
    (before 07:30 it is 21:00 the evening before), so the adult fare is the full 1,550 won."""
    at = (datetime.now(SEOUL) - timedelta(minutes=75)).replace(second=0, microsecond=0)
    if at.time() < EARLY_BIRD_BEFORE:
        at = datetime.combine(at.date() - timedelta(days=1), time(21, 0), tzinfo=SEOUL)
    return at


def signed_up(number: str = "010-3000-0001", *, birth: Any = None, mode: str = "prepaid", location: bool = True) -> Any:
    """A rider who signed up through the real path (texted code, consents, first phone's token);
    returns ``(rider, token)``. Needs the SMS outbox of the test settings."""
    import re
    from datetime import date

    from django.test import TestCase

    from seoul.core.adapters import sms
    from seoul.metro.actions import riders

    with TestCase.captureOnCommitCallbacks(execute=True):  # the text goes out once the challenge commits
        challenge = riders.start_phone_check(number)
    texts = [m["text"] for m in sms.read_outbox() if m["to"] == "".join(c for c in number if c.isdigit())]
    code = re.findall(r"\d{6}", texts[-1])[-1]
    riders.confirm_phone_check(challenge, code)
    return riders.sign_up(
        challenge_id=challenge,
        password=PASSWORD,
        birth_date=birth or date(1990, 5, 17),
        accept_terms=True,
        location_consent=location,
        payment_mode=mode,
    )


def register_card(
    rider: Any, number: str = "4242 4242 4242 4242", return_url: str = "http://testserver/metro/me/card/done"
) -> Any:
    """The rider's browser on the gateway's hosted page, then back to the platform."""
    import http.client
    import urllib.parse

    from seoul.metro.actions import money

    assert rider.user is not None
    url = money.start_card_registration(rider, return_url, actor=rider.user)
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    body = urllib.parse.urlencode({"number": number, "expiry": "12/39", "holder": "KIM SEOUL", "action": "register"})
    conn.request("POST", parts.path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    location = answer.getheader("Location") or ""
    conn.close()
    assert answer.status == 303 and location.startswith(return_url)
    session = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["session"][0]
    return money.finish_card_registration(rider, session, actor=rider.user)


def tagless_ready(rider: Any) -> Any:
    """Let tagless gates charge a rider made without signing up: location consent and a postpaid
    card on file (the card row only; tests that move money register one at the gateway)."""
    from django.utils import timezone

    from seoul.metro.models import Consent, PaymentCard

    now = timezone.now()
    Consent.objects.create(rider=rider, kind=Consent.Kind.LOCATION, version="test", given_at=now)
    PaymentCard.objects.create(
        rider=rider, token="bk_test", brand="VISA", last4="4242", expires="2039-12", registered_at=now
    )
    rider.payment_mode = "postpaid"
    rider.save(update_fields=["payment_mode"])
    return rider


def window_item(
    window: ReadingWindow, window_id: str, *, gate: str, rider: str, started_at: datetime, **extra: Any
) -> dict[str, Any]:
    """What a gate controller posts to the tagless-windows API for one phone's window (plus
    ``extra`` fields such as ``passages``)."""
    return extra | {
        "window_id": window_id,
        "gate": gate,
        "rider": rider,
        "started_at": started_at.isoformat(),
        "t0": window.t0,
        "t": window.t.tolist(),
        "beacon": window.beacon.tolist(),
        "rssi": window.rssi.tolist(),
        "uwb_t": window.uwb_t.tolist(),
        "uwb_anchor": window.uwb_anchor.tolist(),
        "uwb_range": window.uwb_range.tolist(),
    }


def train(code: str = "2-51", *, line: str = "2") -> dict[str, Any]:
    """A train set with one car, a bogie of it, an on-board sensor device (its token under
    ``"token"``) and two sensors of the bogie: bearing temperature (-40 to 200 °C) and vibration
    (0 to 100 mm/s)."""
    from seoul.metro.actions import register_device
    from seoul.metro.models import Asset, Sensor

    train_set = Asset.objects.create(kind=Asset.Kind.TRAIN, code=code, line=line)
    car = Asset.objects.create(kind=Asset.Kind.CAR, code=f"{code}-3", line=line, parent=train_set)
    bogie = Asset.objects.create(kind=Asset.Kind.BOGIE, code=f"{code}-3-B1", line=line, parent=car)
    device, token = register_device(train_set, f"TCMS {code}", actor=None)
    temperature = Sensor.objects.create(
        asset=bogie, device=device, code=f"{code}-3-B1-T", kind=Sensor.Kind.BEARING_TEMPERATURE, low=-40, high=200
    )
    vibration = Sensor.objects.create(
        asset=bogie, device=device, code=f"{code}-3-B1-V", kind=Sensor.Kind.VIBRATION, low=0, high=100
    )
    return {
        "train": train_set,
        "car": car,
        "bogie": bogie,
        "device": device,
        "token": token,
        "temperature": temperature,
        "vibration": vibration,
    }


def readings(sensor: str, start: datetime, values: Any, *, step: float = 1.0) -> list[dict[str, Any]]:
    """Readings of ``sensor`` as a device sends them, one every ``step`` seconds from ``start``."""
    return [
        {"sensor": sensor, "at": (start + timedelta(seconds=i * step)).isoformat(), "value": float(v)}
        for i, v in enumerate(values)
    ]
