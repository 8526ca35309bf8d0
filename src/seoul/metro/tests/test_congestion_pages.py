"""Per-car congestion where riders see it: the public API, the rider page and the platform
display (views, selectors; the forecast itself is tested in test_congestion_forecast.py)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from seoul.core.engine.time import SEOUL

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 3, 4, 8, 10, tzinfo=SEOUL)  # a Wednesday


@pytest.fixture
def morning(monkeypatch: pytest.MonkeyPatch) -> datetime:
    monkeypatch.setattr("django.utils.timezone.now", lambda: MORNING)
    return MORNING


def api(**params: Any) -> Any:
    return Client().get("/api/v1/metro/congestion", params)


def test_the_api_gives_each_car_of_the_next_trains_and_the_stations_day() -> None:
    r = api(station="Gunja", direction="하남검단산", line="5", at="2026-03-04T08:10:00+09:00", trains=2)
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["station"], body["station_en"], body["line"], body["toward"]) == ("군자", "Gunja", "5", "하남검단산")
    assert body["source"] == "simulated" and body["day_type"] == "weekday"
    assert len(body["trains"]) == 2
    first, second = body["trains"]
    assert first["leaves_at"] <= second["leaves_at"] and first["leaves_at"] >= "2026-03-04T08:10"
    for car in first["cars"]:
        assert car["low"] <= car["percent"] <= car["high"]
        expected = (
            "relaxed"
            if car["percent"] <= 80
            else "normal"
            if car["percent"] < 130
            else "caution"
            if car["percent"] < 150
            else "crowded"
        )
        assert car["level"] == expected
    assert [len(d["slots"]) for d in body["summary"]] == [len(body["summary"][0]["slots"])] * 2
    toward = next(d for d in body["summary"] if "하남검단산" in d["toward"])
    assert {s["slot"]: s["percent"] for s in toward["slots"]}["08:00"] == body["published_percent"]


def test_a_moment_given_in_utc_is_the_same_seoul_moment() -> None:
    seoul = api(station="군자", direction="하남검단산", line="5", at="2026-03-04T08:10:00+09:00").json()
    utc = api(station="군자", direction="하남검단산", line="5", at="2026-03-03T23:10:00Z").json()
    assert seoul["trains"] == utc["trains"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"station": "군자", "direction": "상행"}, "line"),  # lines 5 and 7 both go up
        ({"station": "군자", "direction": "강남", "line": "5"}, "direction"),  # not on line 5
        ({"station": "Gangnamm", "direction": "성수"}, "station"),
        ({"station": "군자", "direction": "방화", "line": "2"}, "line"),
    ],
)
def test_the_api_names_the_field_a_rider_got_wrong(params: dict[str, str], field: str) -> None:
    r = api(at="2026-03-04T08:10:00+09:00", **params)
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", field], detail
    assert detail["msg"].startswith(f"{field}: ")


def test_the_rider_page_offers_the_platforms_then_shows_the_cars(morning: datetime) -> None:
    c = Client(headers={"accept-language": "ko"})
    page = c.get("/metro/congestion/", {"station": "군자"})
    assert page.status_code == 200
    links = re.findall(r'href="\?(station=[^"]+)"', page.text)
    assert len(links) == 4  # 5호선 and 7호선, two ways each
    assert "하남검단산 방면" in page.text and "장암 방면" in page.text
    chosen = c.get("/metro/congestion/?" + links[0].replace("&amp;", "&"))
    assert chosen.status_code == 200
    assert chosen.text.count('class="train-cars"') == 3
    assert chosen.text.count('<li class="lvl-') == 3 * 8
    assert re.search(r"(여유|보통|주의|혼잡)", chosen.text)
    assert 'id="chart-day"' in chosen.text and "congestion/display/?" in chosen.text


def test_the_rider_page_refuses_a_station_without_figures(morning: datetime) -> None:
    page = Client(headers={"accept-language": "en"}).get("/metro/congestion/", {"station": "판교"})
    assert page.status_code == 400
    assert 'id="id_station_error"' in page.text and "lines 1 to 8" in page.text


def test_the_display_refreshes_only_its_board(morning: datetime) -> None:
    c = Client(headers={"accept-language": "ko"})
    query = {"station": "사당", "direction": "내선", "line": "2"}
    full = c.get("/metro/congestion/display/", query)
    assert full.status_code == 200
    assert 'hx-trigger="every 20s"' in full.text and "/static/vendor/htmx/htmx.min" in full.text
    assert "내선순환" in full.text and full.text.count('class="train-cars"') == 2
    assert len(re.findall(r'<li class="lvl-', full.text)) == 2 * 10  # 2호선 trains have 10 cars
    part = c.get("/metro/congestion/display/", query, headers={"hx-request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert part.text.lstrip().startswith('<div id="display-board"')
