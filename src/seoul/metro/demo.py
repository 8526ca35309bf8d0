"""Demo metro activity: a week of journeys for synthetic riders, sent through the real
ingestion path (so fares, journeys and the ledger are the engine's own), a few flagged
passages and one open dispute by the demo citizen."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.metro import actions
from seoul.metro.models import Gate, GateEvent, Journey, Rider

BUSY = ["강남", "잠실", "서울역", "홍대입구", "신림", "구로디지털단지", "사당", "고속터미널", "시청", "왕십리"]


DEMO_RIDER_PHONE = "010-6500-0099"  # fictional (docs/metro-payments.md "Demo people" use 010-6500-00xx)


def signed_up_rider() -> dict[str, str] | None:
    """A rider who signed up on the web (mobile number, password, consents, a phone's tagless
    token) with a postpaid card, printed with the demo accounts: the rider's pages have
    something to show. Its card is the stand-in's demo card (``standins.DEMO_CARD_TOKEN``),
    which every stand-in knows. None when it exists already (its password is then in the demo
    accounts file)."""
    from seoul.core import demo as core_demo
    from seoul.core.crypto import blind_index
    from seoul.core.engine.phone import digits
    from seoul.metro.actions.riders import LOCATION_VERSION, TERMS_VERSION, _new_device
    from seoul.metro.adapters.standins import DEMO_CARD_TOKEN
    from seoul.metro.models import Consent, PaymentCard

    number = digits(DEMO_RIDER_PHONE)
    if User.objects.filter(phone_index=blind_index(number, purpose="user.phone")).exists():
        return None
    known = core_demo.known_passwords()
    password = known.get("rider") or secrets.token_urlsafe(12)
    now = timezone.now()
    user = User(username="rider", kind=User.Kind.CITIZEN, display_name="rider", phone=number)
    user.set_password(password)
    user.save()
    rider = Rider.objects.create(
        account=secrets.token_urlsafe(18), user=user, birth_date=date(1991, 4, 2), payment_mode="postpaid"
    )
    Consent.objects.create(rider=rider, kind=Consent.Kind.TERMS, version=TERMS_VERSION, given_at=now)
    Consent.objects.create(rider=rider, kind=Consent.Kind.LOCATION, version=LOCATION_VERSION, given_at=now)
    _new_device(rider, "Galaxy (demo)", now)
    PaymentCard.objects.create(
        rider=rider, token=DEMO_CARD_TOKEN, brand="VISA", last4="4242", expires="2039-12", registered_at=now
    )
    known["rider"] = password
    core_demo.keep_passwords(known)
    return {"username": DEMO_RIDER_PHONE, "password": password, "account": rider.account}


def load(riders: int = 150, days: int = 7) -> dict[str, int]:
    if GateEvent.objects.filter(event_id__startswith="demo-").exists():
        return {"riders": Rider.objects.count(), "journeys": Journey.objects.count()}
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    gates = list(Gate.objects.filter(line__in=["1", "2", "3", "4", "5", "6", "7", "8", "9"]))
    busy = [g for g in gates if g.station in BUSY]
    citizen = User.objects.filter(username="citizen").first()
    accounts = []
    for i in range(riders):
        category = rng.choices(["adult", "youth", "child", "senior"], weights=[80, 8, 4, 8])[0]
        rider, _ = Rider.objects.get_or_create(
            account=f"demo-{i:04d}", defaults={"category": category, "user": citizen if i == 0 else None}
        )
        accounts.append(rider.account)
    now = timezone.now()
    start = now.astimezone(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
    n = 0
    for account in accounts:
        items: list[dict[str, Any]] = []
        for day in range(days):
            base = start + timedelta(days=day)
            for hour in rng.sample([7, 8, 8, 12, 18, 18, 19, 22], k=2):
                entry = rng.choice(busy if rng.random() < 0.5 else gates)
                exit_ = rng.choice(gates)
                at = base + timedelta(hours=hour, minutes=rng.randrange(60))
                if at + timedelta(hours=1) > now:
                    continue
                items.append(_event(f"demo-{n}", entry, account, "entry", at))
                if rng.random() > 0.02:  # a few riders never tap out
                    items.append(
                        _event(f"demo-{n + 1}", exit_, account, "exit", at + timedelta(minutes=rng.randint(8, 70)))
                    )
                n += 2
        actions.ingest_events(items, actor=None, now=now)
    flags = [
        {
            "event_id": f"demo-flag-{i}",
            "gate": rng.choice(busy).code,
            "kind": "flagged",
            "reason": rng.choice(["ambiguous_lane", "turn_back", "outside_lanes", "low_confidence"]),
            "at": (now - timedelta(hours=rng.uniform(0, 20))).isoformat(),
        }
        for i in range(40)
    ]
    actions.ingest_events(flags, actor=None, now=now)
    if citizen is not None:
        journey = Journey.objects.filter(rider__account="demo-0000", charge__gt=0).order_by("-started_at").first()
        if journey is not None and not journey.disputes.exists():
            actions.open_dispute(
                journey, "개찰구를 한 번 지났는데 요금이 두 번 나간 것 같습니다. (demo)", actor=citizen
            )
    web_rider = signed_up_rider()
    if web_rider is not None:
        _rider_journeys(web_rider["account"], busy, now, rng)
    actions.roll_up_revenue([start.date() + timedelta(days=d) for d in range(days - 1)], actor=None, now=now)
    load_maintenance()
    load_measured_day()
    return {"riders": len(accounts), "journeys": Journey.objects.count()}


def _rider_journeys(account: str, gates: list[Gate], now: datetime, rng: random.Random) -> None:
    """A few days of commuting for the demo rider, one of them without an exit (to correct)."""
    items: list[dict[str, Any]] = []
    home, work = gates[0], gates[1]
    for back in range(3, 0, -1):
        day = now.astimezone(SEOUL).replace(hour=8, minute=rng.randrange(5, 25), second=0, microsecond=0)
        morning = day - timedelta(days=back)
        items.append(_event(f"demo-web-{back}-1", home, account, "entry", morning))
        items.append(_event(f"demo-web-{back}-2", work, account, "exit", morning + timedelta(minutes=31)))
        evening = morning + timedelta(hours=10)
        items.append(_event(f"demo-web-{back}-3", work, account, "entry", evening))
        if back != 1:
            items.append(_event(f"demo-web-{back}-4", home, account, "exit", evening + timedelta(minutes=34)))
    actions.ingest_events(items, actor=None, now=now)


def demo_accounts() -> list[dict[str, str]]:
    """The signed-up demo rider, printed with the demo accounts (``seoul demo-data``)."""
    from seoul.core import demo as core_demo

    known = core_demo.known_passwords()
    if "rider" not in known:
        return []
    role = "A rider who signed up on the web: postpaid, card VISA ····4242, tagless on (signs in with the number)"
    return [{"username": DEMO_RIDER_PHONE, "password": known["rider"], "role": role}]


def _event(event_id: str, gate: Gate, account: str, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "gate": gate.code,
        "rider": account,
        "kind": kind,
        "at": at.isoformat(),
        "source": "tagless",
    }


def load_maintenance(hours: int = 3, step_s: int = 10) -> dict[str, int]:
    """Two line-2 train sets and a track section with their sensors, ``hours`` of readings sent
    through the real path (``actions.ingest_readings``) ending now: one axle bearing heats up at
    the end (an anomaly), one door sensor sticks, and the track sensor fell silent half an hour
    ago (found by the sweep). The device tokens are not kept: the demo has no devices."""
    from seoul.metro.models import Asset, Sensor, WorkOrder

    if Asset.objects.filter(code="2-51").exists():
        return {"assets": Asset.objects.count(), "work_orders": WorkOrder.objects.count()}
    import numpy as np

    rng = np.random.default_rng(2026)
    now = timezone.now().replace(microsecond=0)
    n = hours * 3600 // step_s
    times = [now - timedelta(seconds=step_s * (n - i)) for i in range(n)]
    run = np.sin(np.arange(n) * step_s / 1800 * np.pi)  # trains warm up and cool down over an hour's round trip
    sensors: list[tuple[Sensor, np.ndarray, int]] = []  # sensor, values, how many readings it sent
    for code in ("2-51", "2-52"):
        train = Asset.objects.create(kind=Asset.Kind.TRAIN, code=code, line="2")
        device, _token = actions.register_device(train, f"TCMS {code}", actor=None)
        for car_no in (1, 2):
            car = Asset.objects.create(kind=Asset.Kind.CAR, code=f"{code}-{car_no}", line="2", parent=train)
            motor = Sensor.objects.create(
                asset=car, device=device, code=f"{code}-{car_no}-M", kind=Sensor.Kind.MOTOR_CURRENT, low=0, high=800
            )
            sensors.append((motor, 300 + 150 * run + rng.normal(0, 8, n), n))
            door = Sensor.objects.create(
                asset=car, device=device, code=f"{code}-{car_no}-D", kind=Sensor.Kind.DOOR_CYCLE, low=0, high=20
            )
            cycles = 3.2 + rng.normal(0, 0.15, n)
            if code == "2-52" and car_no == 2:
                cycles[-60:] = 3.4  # the door sensor stuck for the last ten minutes
            sensors.append((door, cycles, n))
            for bogie_no in (1, 2):
                bogie = Asset.objects.create(
                    kind=Asset.Kind.BOGIE, code=f"{code}-{car_no}-B{bogie_no}", line="2", parent=car
                )
                temperature = Sensor.objects.create(
                    asset=bogie,
                    device=device,
                    code=f"{bogie.code}-T",
                    kind=Sensor.Kind.BEARING_TEMPERATURE,
                    low=-40,
                    high=200,
                )
                warm = 42 + 6 * run + rng.normal(0, 0.4, n)
                if code == "2-51" and car_no == 2 and bogie_no == 1:
                    warm[-40:] += np.linspace(10, 75, 40)  # an axle bearing running hot
                sensors.append((temperature, warm, n))
    track = Asset.objects.create(kind=Asset.Kind.TRACK, code="2-T-222-221", line="2")
    wayside, _token = actions.register_device(track, "Track geometry 강남-역삼", actor=None)
    gauge = Sensor.objects.create(
        asset=track, device=wayside, code="2-T-222-221-G", kind=Sensor.Kind.TRACK_GEOMETRY, low=-30, high=30
    )
    sensors.append((gauge, rng.normal(0, 1.2, n), n - 1800 // step_s))  # silent for the last half hour
    for sensor, values, sent in sensors:
        items = [
            {"sensor": sensor.code, "at": times[i].isoformat(), "value": round(float(values[i]), 3)}
            for i in range(sent)
        ]
        for lo in range(0, len(items), 500):  # as a device sends them: a batch every few minutes
            actions.ingest_readings(items[lo : lo + 500], device=sensor.device, now=now)
    actions.sweep_silent(now=now)
    return {"assets": Asset.objects.count(), "work_orders": WorkOrder.objects.count()}


def load_measured_day(lines: tuple[str, ...] = ("5",)) -> dict[str, int]:
    """Yesterday's departures of ``lines`` from the departures feed (its loopback stand-in serves
    the simulated day), so the open-data CSV of yesterday's measured congestion has something to
    publish. Today's are not pulled: without the every-minute job they would go stale, and the
    pages then forecast from the simulated day, saying so."""
    from seoul.core.engine.time import SEOUL
    from seoul.metro import storage
    from seoul.metro.engine.congestion.baseline import service_day

    yesterday = service_day(timezone.now().astimezone(SEOUL)) - timedelta(days=1)
    if storage.read_departures(yesterday):
        return {}
    end = datetime.combine(yesterday, datetime.max.time(), tzinfo=SEOUL).replace(microsecond=0)
    return actions.pull_departures(list(lines), actor=None, now=end).stored
