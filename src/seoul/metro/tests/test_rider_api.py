"""The signed-in rider's own journeys and passes as JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from seoul.core.models import AuditEvent, User
from seoul.metro import actions
from seoul.metro import reference as metro_reference
from seoul.metro.models import Rider
from seoul.metro.tests.test_ingest import CITY_HALL, NOW, SEOUL_STATION, ev

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(reference: None, make_user: Callable[..., User]) -> tuple[User, User, User]:
    metro_reference.load()
    alice = make_user(kind=User.Kind.CITIZEN, institution=None, username="alice")
    bob = make_user(kind=User.Kind.CITIZEN, institution=None, username="bob")
    nobody = make_user(kind=User.Kind.CITIZEN, institution=None, username="no-rider")
    a = Rider.objects.create(account="phone-1", user=alice)
    Rider.objects.create(account="phone-2", user=bob)
    actions.ingest_events(
        actor=None,
        items=[
            ev(1, SEOUL_STATION, "entry", 0),
            ev(2, CITY_HALL, "exit", 12),
            ev(3, CITY_HALL, "entry", 30, rider="phone-2"),
            ev(4, SEOUL_STATION, "exit", 40, rider="phone-2"),
            ev(5, CITY_HALL, "entry", 90, rider="phone-2"),
            ev(6, SEOUL_STATION, "exit", 100, rider="phone-2"),
        ],
        now=NOW,
    )
    actions.buy_pass(a, actor=alice, month=date(2026, 11, 25), now=NOW)  # a 30-day pass from today
    return alice, bob, nobody


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_rider_sees_only_their_own_journeys(people: tuple[User, User, User]) -> None:
    alice, bob, _ = people
    mine = client_for(alice).get("/api/v1/metro/me/journeys")
    assert mine.status_code == 200, mine.content
    body = mine.json()
    assert [(j["key"], j["entry_station"], j["exit_station"], j["charge"]) for j in body["journeys"]] == [
        ("ev-1", "서울역", "시청", 1550)
    ]
    assert body["balance"] == 1550 + 62000
    assert body["journeys"][0]["breakdown"]["tariff_version"] == "2025-06-28"
    theirs = client_for(bob).get("/api/v1/metro/me/journeys?limit=1").json()
    assert [j["key"] for j in theirs["journeys"]] == ["ev-5"]  # newest first, limited
    assert AuditEvent.objects.filter(event="metro.rider.viewed", actor=alice, reason="own account").count() == 1


def test_a_rider_sees_their_passes(people: tuple[User, User, User]) -> None:
    alice, bob, _ = people
    assert client_for(alice).get("/api/v1/metro/me/passes").json()["passes"][0]["month"] == "2026-11"
    assert client_for(bob).get("/api/v1/metro/me/passes").json() == {"passes": []}


def test_refusals(people: tuple[User, User, User]) -> None:
    _, _, nobody = people
    assert Client().get("/api/v1/metro/me/journeys").status_code == 401
    assert Client().get("/api/v1/metro/me/passes").status_code == 401
    assert client_for(nobody).get("/api/v1/metro/me/journeys").status_code == 404
    assert client_for(people[0]).get("/api/v1/metro/me/journeys?limit=0").status_code == 422
