"""A small tracing world: one outbreak, tracers in two districts, a supervisor, an
investigator, and helpers to make cases and contacts through the real actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.tracing import actions
from seoul.tracing.models import Case, Contact, Outbreak

MAPO, GANGNAM, JONGNO = 13, 22, 0


@dataclass
class World:
    outbreak: Outbreak
    tracer_mapo: User
    tracer_mapo2: User
    tracer_gangnam: User
    supervisor_mapo: User
    investigator: User
    outsider: User
    admin: User
    today: date
    now: datetime
    make_case: Callable[..., Case]
    make_contact: Callable[..., Contact]


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    def staff(name: str, role: str, district: int | None = None) -> User:
        user = make_user(institution="SPHF", roles={"tracing": role}, username=name)
        if district is not None:
            actions.set_tracer_profile(None, user, district)
        return user

    tracer_mapo = staff("tracer.mapo", "operator", MAPO)
    tracer_mapo2 = staff("tracer.mapo2", "operator", MAPO)
    tracer_gangnam = staff("tracer.gangnam", "operator", GANGNAM)
    supervisor = staff("super.mapo", "approver", MAPO)
    investigator = staff("epi.kim", "viewer")
    outsider = staff("epi.lee", "viewer")
    admin = staff("tracing.admin", "admin")
    outbreak = actions.open_outbreak(None, "마포구 노래방 집단감염", MAPO)
    actions.add_investigator(None, outbreak, investigator)
    now = timezone.now()
    today = now.astimezone(SEOUL).date()
    counter = iter(range(1000, 9999))

    def make_case(district: int = MAPO, presence_id: str = "", onset: date | None = None, **kw: Any) -> Case:
        n = next(counter)
        return actions.register_case(
            None,
            outbreak,
            actions.CaseInput(
                name=f"환자{n}",
                phone=f"010-5555-{n}",
                district=district,
                confirmed_on=today,
                onset_on=onset or today - timedelta(days=1),
                presence_id=presence_id,
                **kw,
            ),
        )

    def make_contact(case: Case, district: int = MAPO, on: date | None = None, name: str = "") -> Contact:
        n = next(counter)
        return actions.add_contact(
            None,
            case,
            name=name or f"접촉자{n}",
            phone=f"010-7777-{n}",
            district=district,
            exposure=actions.ExposureInput(
                on=on or today - timedelta(days=1), place="노래방", setting="nightlife", duration_minutes=90
            ),
        )

    return World(
        outbreak,
        tracer_mapo,
        tracer_mapo2,
        tracer_gangnam,
        supervisor,
        investigator,
        outsider,
        admin,
        today,
        now,
        make_case,
        make_contact,
    )
