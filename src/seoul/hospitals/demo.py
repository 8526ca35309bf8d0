"""Demo data of the hospital network: posts for the demo accounts, and 90 days of daily reports
from the city hospitals through the real action — an epidemic wave rising to its peak about
two weeks ago, one hospital late today, one whose reports stopped three days ago, and one
refused report (more beds occupied than it has).

The beds per tier are demo figures, not the hospitals' real allocations (nobody published
them per tier); they are scaled to each hospital's licensed beds where the register has them."""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import replace
from datetime import timedelta

from django.core.exceptions import ValidationError

from seoul.core.engine.districts import by_name
from seoul.core.models import User
from seoul.core.validation import today
from seoul.hospitals.actions import NewPatient, assign_post, offer, register_patient, request_resource, submit_report
from seoul.hospitals.actions.sharing import Need as ResourceNeed
from seoul.hospitals.demo_beds import BEDS
from seoul.hospitals.engine.network import Need
from seoul.hospitals.engine.report import BedKind, Beds, DailyReport, Profession, Staff, Stock, Supply, Tier
from seoul.hospitals.models import CapacityReport, Hospital, Patient, Post, Region, ResourceRequest

DAYS = 90
PEAK_DAYS_AGO = 14
LATE_TODAY = "SN"
STOPPED = "BB"
POSTS = {
    "bed.smc": ("SMC", None),
    "bed.boramae": ("BRM", None),
    "tower.northeast": (None, "NE"),
    "patients.city": (None, None),
}


def _wave(days_ago: int) -> float:
    """Share of beds occupied: a wave rising from 45 % to 97 % at its peak, then easing."""
    x = (days_ago - PEAK_DAYS_AGO) / 18
    return 0.45 + 0.52 * math.exp(-x * x)


def _report(code: str, day_index: int, rng: random.Random) -> DailyReport:
    days_ago = DAYS - 1 - day_index
    load = _wave(days_ago)
    beds: dict[BedKind, Beds] = {}
    for kind, total in zip(BedKind, BEDS[code], strict=True):
        if total == 0:
            continue
        occupied = min(total, round(total * min(1.0, load * rng.uniform(0.93, 1.05))))
        staffed = total - (round(total * 0.08) if load > 0.85 and kind in (BedKind.CRITICAL, BedKind.SEVERE) else 0)
        beds[kind] = Beds(total, occupied, staffed, max(0, staffed - occupied))
    patients = sum(b.occupied for k, b in beds.items() if k is not BedKind.ISOLATION)
    nurses = max(4, round(patients * 0.45))
    return DailyReport(
        hospital=code,
        day=today() - timedelta(days=days_ago),
        beds=beds,
        admissions=round(patients * rng.uniform(0.06, 0.1)),
        discharges=round(patients * rng.uniform(0.05, 0.09)),
        deaths=rng.choice([0, 0, 0, 1]) if beds.get(BedKind.CRITICAL) else 0,
        staff={
            Profession.PHYSICIAN: Staff(max(2, round(patients * 0.08)), 1 if load > 0.9 else 0),
            Profession.NURSE: Staff(nurses, round(nurses * 0.12) if load > 0.85 else 0),
        },
        supplies={
            Supply.N95: Stock(round(patients * 40 * rng.uniform(0.8, 1.2)), round(rng.uniform(6, 20), 1)),
            Supply.OXYGEN: Stock(
                round(patients * 3), round(rng.uniform(3, 9) if load > 0.9 else rng.uniform(8, 14), 1)
            ),
        },
        forecast=tuple(
            max(
                0,
                min(
                    sum(b.total for k, b in beds.items() if k is not BedKind.ISOLATION),
                    round(sum(b.available for b in beds.values()) * f),
                ),
            )
            for f in (1.0, 1.05, 1.1, 1.15, 1.2, 1.25, 1.3)
        ),
    )


def load() -> dict[str, int]:
    for username, (hospital, region) in POSTS.items():
        user = User.objects.filter(username=username).first()
        if user is not None and not Post.objects.filter(user=user).exists():
            assign_post(
                user,
                hospital=Hospital.objects.filter(code=hospital).first() if hospital else None,
                region=Region.objects.filter(code=region).first() if region else None,
                actor=None,
            )
    if not CapacityReport.objects.exists():
        _reports()
    if not Patient.objects.exists():
        _patients()
    if not ResourceRequest.objects.exists():
        _sharing()
    return {
        "reports": CapacityReport.objects.count(),
        "patients": Patient.objects.count(),
        "resource requests": ResourceRequest.objects.count(),
    }


def _reports() -> None:
    admin = User.objects.get(username="admin")
    rng = random.Random(2020_12_15)  # noqa: S311 - demo figures, not secrets
    hospitals = {h.code: h for h in Hospital.objects.filter(code__in=BEDS)}
    for day_index in range(DAYS):
        days_ago = DAYS - 1 - day_index
        for code, reporter in hospitals.items():
            if (code == LATE_TODAY and days_ago == 0) or (code == STOPPED and days_ago < 3):
                continue
            submit_report(reporter, _report(code, day_index, rng), channel=CapacityReport.Channel.DEMO, actor=admin)
    # a contradictory report the bed manager sent yesterday and corrected: refused, kept in the history
    smc = hospitals["SMC"]
    bad = _report("SMC", DAYS - 2, rng)
    critical = bad.beds[BedKind.CRITICAL]
    wrong = dict(bad.beds)
    wrong[BedKind.CRITICAL] = Beds(critical.total, critical.total + 3, critical.staffed, 0)
    with contextlib.suppress(ValidationError):
        submit_report(smc, replace(bad, beds=wrong), channel=CapacityReport.Channel.DEMO, actor=admin)


# Waiting patients (fictional names): (name, district, tier, needs)
PATIENTS = [
    ("김민준", "노원구", Tier.CRITICAL, ()),
    ("이서연", "중랑구", Tier.SEVERE, ()),
    ("박지호", "강북구", Tier.MODERATE, ()),
    ("최수아", "도봉구", Tier.MODERATE, (Need.DIALYSIS,)),
    ("정예준", "성북구", Tier.SEVERE, ()),
    ("강하은", "관악구", Tier.CRITICAL, ()),
    ("조도윤", "강서구", Tier.MODERATE, ()),
    ("윤서윤", "송파구", Tier.SEVERE, (Need.PREGNANCY,)),
    ("장시우", "마포구", Tier.MODERATE, ()),
    ("임지유", "은평구", Tier.MILD, (Need.CHILD,)),
    ("한유준", "동대문구", Tier.MODERATE, ()),
    ("오채원", "광진구", Tier.SEVERE, (Need.PSYCHIATRIC,)),
]


def _patients() -> None:
    team = User.objects.get(username="patients.city")
    for i, (name, where, tier, needs) in enumerate(PATIENTS):
        register_patient(
            NewPatient(
                name=name,
                district=by_name(where).index,
                tier=tier,
                needs=frozenset(needs),
                phone=f"010-5550-{1000 + i:04d}",
                birth_year=1950 + 5 * i,
            ),
            actor=team,
        )


def _sharing() -> None:
    brm = User.objects.get(username="bed.boramae")
    smc = User.objects.get(username="bed.smc")
    wanted = request_resource(
        Hospital.objects.get(code="BRM"),
        ResourceNeed(ResourceRequest.Kind.STAFF, "중환자실 간호사", 4, today(), today() + timedelta(days=14)),
        actor=brm,
    )
    offer(wanted, Hospital.objects.get(code="SMC"), 2, note="2 ICU nurses for two weeks", actor=smc)
    request_resource(
        Hospital.objects.get(code="SMC"),
        ResourceNeed(ResourceRequest.Kind.EQUIPMENT, "인공호흡기", 2, today(), today() + timedelta(days=30)),
        actor=smc,
    )
