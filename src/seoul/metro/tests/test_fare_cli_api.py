from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.test import Client

from seoul.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["metro", "fare", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_json_contract() -> None:
    code, out, _ = run("서울역", "시청", "--at", "2026-11-25T12:00", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["fare"] == 1550
    assert data["distance_km"] == 1.1
    assert (data["base"], data["distance_surcharge"]) == (1550, 0)
    assert data["breakdown"]["tariff_version"] == "2025-06-28"


def test_cli_options() -> None:
    _, out, _ = run("서울역", "시청", "--card", "child", "--payment", "cash", "--at", "2020-01-01T12:00", "--json")
    assert json.loads(out)["fare"] == 450
    _, out, _ = run("서울역", "시청", "--at", "2026-11-25T06:00", "--json")
    assert json.loads(out)["breakdown"]["early_bird_discount"] == 310


def test_cli_unknown_station_exits_2_with_suggestions() -> None:
    code, out, err = run("강낭", "시청")
    assert code == 2
    assert "unknown station '강낭'" in err
    assert "강남" in err
    assert out == ""


def test_cli_help() -> None:
    result = CliRunner().invoke(main, ["metro", "fare", "--help"])
    assert result.exit_code == 0
    assert "--card" in result.output


@pytest.mark.django_db
def test_api_fare_contract() -> None:
    r = Client().get(
        "/api/v1/metro/fare", {"origin": "서울역", "destination": "시청", "at": "2026-11-25T12:00:00+09:00"}
    )
    assert r.status_code == 200
    data = r.json()
    assert data["fare"] == 1550
    assert isinstance(data["fare"], int)
    assert isinstance(data["distance_km"], float)
    assert {"base", "distance_surcharge", "breakdown"} <= set(data)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"origin": "강낭", "destination": "시청"}, "origin"),
        ({"origin": "서울역", "destination": "없는역"}, "destination"),
        ({"origin": "서울역", "destination": "시청", "card": "alien"}, "card"),
        ({"origin": "서울역", "destination": "시청", "payment": "gold"}, "payment"),
        ({"origin": "서울역", "destination": "시청", "at": "yesterday"}, "at"),
        ({"origin": "서울역", "destination": "시청", "at": "2010-01-01T12:00:00+09:00"}, "at"),
        ({"destination": "시청"}, "origin"),
    ],
)
def test_api_fare_bad_input(params: dict[str, str], field: str) -> None:
    r = Client().get("/api/v1/metro/fare", params)
    assert r.status_code == 422
    assert any(e["loc"][-1] == field for e in r.json()["detail"])


@pytest.mark.django_db
def test_fare_page_defaults_to_an_adult_card_journey() -> None:
    r = Client().get("/metro/", {"origin": "서울역", "destination": "시청", "at": "2026-11-25T12:00"})
    assert r.status_code == 200
    assert 'data-testid="fare">1,550원<' in r.content.decode()


@pytest.mark.parametrize("at", ["0001-01-01T00:00:00+09:00", "9999-12-31T23:59:59-09:00", "2014-01-01T12:00:00"])
def test_the_fare_api_refuses_boarding_times_outside_the_tariffs(at: str) -> None:
    """At the edges of the calendar the boarding time has no Seoul date: a 500 before (an
    OverflowError while converting it), a 422 naming the field now."""
    r = Client().get("/api/v1/metro/fare", {"origin": "서울역", "destination": "시청", "at": at})
    assert r.status_code == 422, r.content[:300]
    assert r.json()["detail"][0]["loc"] == ["query", "at"]
