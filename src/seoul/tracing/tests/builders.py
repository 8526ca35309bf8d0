"""Builders for the tests of contact tracing: staff with a district, outbreaks, cases, contacts,
discovery candidates and signed-in clients, made through the real actions (``actor=None``, the
system) so that every record is one the platform could have made. Each takes only what a test
cares about; the rest is a plain default.

    case = builders.case(outbreak)                       # a Mapo case, onset yesterday
    contact = builders.contact(case, district=GANGNAM)   # a Gangnam resident exposed yesterday
    builders.candidates(case, FakeCandidate("p-1", 0.8))
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.test import Client

from seoul.core.engine.time import SEOUL
from seoul.core.models import User
from seoul.core.testing import ReasonClient
from seoul.tracing import actions
from seoul.tracing.models import Candidate, Case, Contact, Outbreak

MAPO, GANGNAM, JONGNO = 13, 22, 0

_numbers = itertools.count(1000)


def today() -> date:
    return datetime.now(SEOUL).date()


def staff(make_user: Callable[..., User], username: str, role: str, district: int | None = None) -> User:
    """A member of the contact-tracing staff (``tracing:<role>``), with a district when given."""
    user = make_user(institution="SPHF", roles={"tracing": role}, username=username)
    if district is not None:
        actions.set_tracer_profile(user, district, actor=None)
    return user


def outbreak(name: str = "마포구 노래방 집단감염", district: int = MAPO, **kwargs: Any) -> Outbreak:
    kwargs.setdefault("name_en", "Mapo-gu karaoke cluster")
    return actions.open_outbreak(name, district, actor=None, **kwargs)


def case_input(
    *,
    district: int = MAPO,
    name: str = "",
    phone: str = "",
    onset: date | None = None,
    confirmed_on: date | None = None,
    **kwargs: Any,
) -> actions.CaseInput:
    n = next(_numbers)
    if "test_on" not in kwargs:
        kwargs["onset_on"] = onset or today() - timedelta(days=1)
    confirmed = kwargs.get("classification", Case.Classification.CONFIRMED) == Case.Classification.CONFIRMED
    return actions.CaseInput(
        name=name or f"환자{n}",
        phone=phone or f"010-5555-{n:04d}",
        district=district,
        confirmed_on=(confirmed_on or today()) if confirmed else confirmed_on,
        **kwargs,
    )


def case(in_outbreak: Outbreak, *, actor: User | None = None, **kwargs: Any) -> Case:
    """A new confirmed case of ``in_outbreak`` (see :func:`case_input` for the defaults)."""
    registered = actions.register_case(in_outbreak, case_input(**kwargs), actor=actor)
    assert registered.case is not None, "the person was already a case of this outbreak"
    return registered.case


def exposure(on: date | None = None, **kwargs: Any) -> actions.ExposureInput:
    kwargs.setdefault("place", "노래방")
    kwargs.setdefault("setting", "nightlife")
    kwargs.setdefault("duration_minutes", 90)
    return actions.ExposureInput(on=on or today() - timedelta(days=1), **kwargs)


def contact(
    of_case: Case, *, district: int = MAPO, on: date | None = None, name: str = "", phone: str = "", language: str = ""
) -> Contact:
    """A contact named in the case's interview, exposed on ``on`` (yesterday by default)."""
    n = next(_numbers)
    return actions.add_contact(
        of_case,
        name=name or f"접촉자{n}",
        phone=phone or f"010-7777-{n:04d}",
        district=district,
        language=language,
        exposure=exposure(on),
        actor=None,
    )


def tracer_of(record: Case | Contact) -> User:
    """The tracer the record is assigned to now."""
    tracer: User = record.assignments.get(ended_at=None).tracer
    return tracer


@dataclass
class FakeCandidate:
    """What the discovery engine (or a batch job) hands over for one person."""

    person_id: str
    score: float
    reasons: list[str] = field(default_factory=lambda: ["같은 장소 45분 (실내)"])
    overlap_minutes: float = 45.0
    first_contact: datetime = field(default_factory=lambda: datetime.now(SEOUL) - timedelta(hours=20))
    places: list[str] = field(default_factory=lambda: ["venue:mapo-0012"])


@dataclass
class Episode:
    """One stored co-presence (``engine.discovery.Episode.record``)."""

    setting: str
    minutes: float

    def record(self) -> dict[str, Any]:
        start = datetime.now(SEOUL) - timedelta(hours=30)
        return {
            "place": f"place-{self.setting}",
            "setting": self.setting,
            "source": "venue",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=self.minutes)).isoformat(),
            "car": None,
            "same_car": None,
            "minutes": self.minutes,
        }


@dataclass
class EpisodeCandidate(FakeCandidate):
    episodes: list[Episode] = field(default_factory=list)


def candidates(of_case: Case, *found: FakeCandidate) -> list[Candidate]:
    """Discovery candidates of the case, waiting for a decision."""
    actions.store_candidates(of_case, found, actor=None)
    return list(Candidate.objects.filter(case=of_case, presence_id__in=[f.person_id for f in found]))


def client_for(user: User, purpose: str = "tracing.investigation", *, language: str = "") -> Client:
    """A signed-in reader who states a reason whenever a record asks for one (pages in
    ``language`` when given, as chosen with the header's language buttons)."""
    c = ReasonClient(purpose, "역학조사 2026-11")
    c.force_login(user)
    if language:
        c.cookies["django_language"] = language
    return c
