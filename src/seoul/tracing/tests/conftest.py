"""A small tracing world: one outbreak, tracers in two districts, a supervisor, an
investigator, made with the builders (``builders.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
from django.utils import timezone

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.tracing import actions
from seoul.tracing.models import Case, Contact, Outbreak
from seoul.tracing.tests import builders
from seoul.tracing.tests.builders import GANGNAM, JONGNO, MAPO

__all__ = ["GANGNAM", "JONGNO", "MAPO", "World"]


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

    def make_case(self, district: int = MAPO, presence_id: str = "", onset: date | None = None, **kw: Any) -> Case:
        return builders.case(self.outbreak, district=district, presence_id=presence_id, onset=onset, **kw)

    def make_contact(
        self, case: Case, district: int = MAPO, on: date | None = None, name: str = "", language: str = ""
    ) -> Contact:
        return builders.contact(case, district=district, on=on, name=name, language=language)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    def staff(name: str, role: str, district: int | None = None) -> User:
        return builders.staff(make_user, name, role, district)

    tracer_mapo = staff("tracer.mapo", "operator", MAPO)
    tracer_mapo2 = staff("tracer.mapo2", "operator", MAPO)
    tracer_gangnam = staff("tracer.gangnam", "operator", GANGNAM)
    supervisor = staff("super.mapo", "approver", MAPO)
    investigator = staff("epi.kim", "viewer")
    outsider = staff("epi.lee", "viewer")
    admin = staff("tracing.admin", "admin")
    outbreak = builders.outbreak()
    actions.add_investigator(outbreak, investigator, actor=None)
    now = timezone.now()
    return World(
        outbreak,
        tracer_mapo,
        tracer_mapo2,
        tracer_gangnam,
        supervisor,
        investigator,
        outsider,
        admin,
        now.astimezone(SEOUL).date(),
        now,
    )
