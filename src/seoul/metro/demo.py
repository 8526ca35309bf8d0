"""Demo metro activity: a week of journeys for synthetic riders, sent through the real
ingestion path (so fares, journeys and the ledger are the engine's own), a few flagged
passages and one open dispute by the demo citizen."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.metro import actions
from seoul.metro.models import Gate, GateEvent, Journey, Rider

BUSY = ["강남", "잠실", "서울역", "홍대입구", "신림", "구로디지털단지", "사당", "고속터미널", "시청", "왕십리"]


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
    actions.roll_up_revenue([start.date() + timedelta(days=d) for d in range(days - 1)], actor=None, now=now)
    return {"riders": len(accounts), "journeys": Journey.objects.count()}


def _event(event_id: str, gate: Gate, account: str, kind: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "gate": gate.code,
        "rider": account,
        "kind": kind,
        "at": at.isoformat(),
        "source": "tagless",
    }
