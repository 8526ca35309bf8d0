"""Every item of a batch (gate events, tagless windows) is checked on its own: bad items are
reported once with their index, good items are always kept (issue #11 §1).

Before the item schemas, one flagged item with ``lane: "abc"``, ``10**30`` or ``NaN`` made the
whole batch a 500 (the good events were lost), and ``lane: -5`` reached the database, where
SQLite's ``INSERT OR IGNORE`` dropped the CHECK failure and the item was reported as "already
received with different content". The tests below post exactly those items.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.core import actions as core_actions
from seoul.core.models import User
from seoul.metro import actions
from seoul.metro.models import FlaggedPassage, GateEvent, Rider, TaglessWindow
from seoul.metro.tests.builders import CITY_HALL, SEOUL_STATION, tap
from seoul.metro.tests.test_ingest import NOW, T0, ev
from seoul.metro.tests.test_tagless_ingest import charged, item, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(gates: None, make_user: Callable[..., User]) -> str:
    controller = make_user(roles={"metro": "operator"}, username="gate-controller-1")
    return core_actions.issue_token(None, controller, "gate controller 1")


def post(token: str, path: str, body: str) -> Any:
    return Client().post(
        f"/api/v1/metro/{path}", data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def flagged(event_id: str, lane: Any, at: Any = None) -> dict[str, Any]:
    at = at or (timezone.now() - timedelta(minutes=1))
    return {
        "event_id": event_id,
        "gate": SEOUL_STATION,
        "kind": "flagged",
        "reason": "turn_back",
        "lane": lane,
        "at": at.isoformat(),
    }


@pytest.mark.parametrize(
    ("lane", "raw"),
    [("abc", None), (10**30, None), (None, "NaN"), (-5, None), (True, None), (2.5, None), ("3", None)],
    ids=["text", "10**30", "NaN", "-5", "true", "2.5", "quoted"],
)
def test_a_bad_flagged_lane_is_reported_and_the_good_events_are_kept(
    token: str, rider: Rider, lane: Any, raw: str | None
) -> None:
    now = timezone.now()
    good = [tap("g-1", SEOUL_STATION, "entry", now - timedelta(minutes=20)), flagged("g-2", 3)]
    bad = flagged("bad", lane)
    body = json.dumps({"events": [good[0], bad, good[1]]})
    if raw is not None:  # NaN is not JSON, but Python's and many controllers' encoders write it
        body = body.replace('"lane": null', f'"lane": {raw}')
    r = post(token, "gate-events", body)
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["accepted"] == 2
    assert [(x["index"], x["event_id"], x["field"]) for x in out["rejected"]] == [(1, "bad", "lane")]
    assert out["rejected"][0]["reason"] and out["rejected"][0]["code"] != "metro.conflict"
    assert set(GateEvent.objects.values_list("event_id", flat=True)) == {"g-1"}
    assert set(FlaggedPassage.objects.values_list("event_id", flat=True)) == {"g-2"}


def test_a_batch_that_is_not_a_batch_is_refused_whole(token: str) -> None:
    for body in ({"events": []}, {"events": "lots"}, {"events": {"a": 1}}, {"windows": []}, {}):
        assert post(token, "gate-events", json.dumps(body)).status_code == 422
    assert post(token, "tagless-windows", json.dumps({"windows": 5})).status_code == 422
    assert not GateEvent.objects.exists()


def test_the_openapi_document_states_the_item_shapes_and_the_errors() -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    schemas = doc["components"]["schemas"]
    items = schemas["EventBatch"]["properties"]["events"]["items"]
    assert items["discriminator"]["propertyName"] == "kind"
    assert {ref["$ref"].rsplit("/", 1)[1] for ref in items["oneOf"]} == {"PassageIn", "BusRideIn", "FlaggedIn"}
    lane = schemas["FlaggedIn"]["properties"]["lane"]["anyOf"][0]
    assert (lane["type"], lane["minimum"], lane["maximum"]) == ("integer", 0, 99)
    assert "pattern" in schemas["PassageIn"]["properties"]["event_id"]
    assert schemas["WindowBatch"]["properties"]["windows"]["maxItems"] == actions.MAX_WINDOWS
    for path, method, codes in [
        ("/api/v1/metro/gate-events", "post", {"200", "400", "401", "403", "413", "422"}),
        ("/api/v1/metro/tagless-windows", "post", {"200", "400", "401", "403", "413", "422"}),
        ("/api/v1/metro/me/journeys", "get", {"200", "401", "403", "404", "422"}),
        ("/api/v1/metro/me/passes", "get", {"200", "401", "403", "404", "422"}),
        ("/api/v1/metro/fare", "get", {"200", "422"}),
    ]:
        assert set(doc["paths"][path][method]["responses"]) == codes, path
    fare = {p["name"]: p["schema"] for p in doc["paths"]["/api/v1/metro/fare"]["get"]["parameters"]}
    assert fare["origin"]["maxLength"] == 40 and "pattern" in fare["origin"]


# --- property: any mix of bad and good items ------------------------------------------------

BAD_EVENTS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("lane", lambda e: {**e, "lane": "abc"}),
    ("lane", lambda e: {**e, "lane": 10**30}),
    ("lane", lambda e: {**e, "lane": float("nan")}),
    ("lane", lambda e: {**e, "lane": -5}),
    ("lane", lambda e: {**e, "lane": 100}),
    ("at", lambda e: {**e, "at": "yesterday"}),
    ("at", lambda e: {**e, "at": "2026-11-24T08:05:00"}),
    ("at", lambda e: {**e, "at": "0001-01-01T00:00:00+00:00"}),
    ("at", lambda e: {**e, "at": (NOW + timedelta(hours=1)).isoformat()}),
    ("kind", lambda e: {**e, "kind": "hover"}),
    ("kind", lambda e: {k: v for k, v in e.items() if k != "kind"}),
    ("gate", lambda e: {**e, "gate": "G-NOPE"}),
    ("gate", lambda e: {**e, "gate": 12}),
    ("rider", lambda e: {**e, "rider": "stranger"}),
    ("rider", lambda e: {**e, "rider": "x" * 65}),
    ("event_id", lambda e: {**e, "event_id": ""}),
    ("event_id", lambda e: {**e, "event_id": "a\x00b"}),
    ("source", lambda e: {**e, "source": "magic"}),
    ("item", lambda e: "not an object"),
    ("item", lambda e: [e]),
]


def event_batches() -> st.SearchStrategy[list[tuple[int | None, dict[str, Any]]]]:
    """(which corruption or None, the item) in any order; ids unique per position."""
    corruption = st.one_of(st.none(), st.integers(0, len(BAD_EVENTS) - 1))
    shape = st.tuples(
        corruption, st.sampled_from([SEOUL_STATION, CITY_HALL]), st.sampled_from(["entry", "exit"]), st.integers(0, 900)
    )
    return st.lists(shape, min_size=1, max_size=12).map(
        lambda xs: [(bad, ev(i, g, k, m)) for i, (bad, g, k, m) in enumerate(xs)]
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(event_batches())
def test_any_mix_stores_exactly_the_good_events_and_reports_each_bad_one_once(
    rider: Rider, batch: list[tuple[int | None, dict[str, Any]]]
) -> None:
    items = [e if bad is None else BAD_EVENTS[bad][1](e) for bad, e in batch]
    with transaction.atomic():
        result = actions.ingest_events(items, actor=None, now=NOW)
        stored = set(GateEvent.objects.values_list("event_id", flat=True))
        transaction.set_rollback(True)
    good = {e["event_id"] for bad, e in batch if bad is None}
    assert stored == good
    assert result.accepted == len(good)
    expected = [(i, BAD_EVENTS[bad][0]) for i, (bad, _) in enumerate(batch) if bad is not None]
    assert [(x["index"], x["field"]) for x in result.rejected] == expected
    assert all(x["reason"] and x["code"] for x in result.rejected)


BAD_WINDOWS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("window_id", lambda w: {**w, "window_id": ""}),
    ("gate", lambda w: {**w, "gate": "G-NOPE"}),
    ("rider", lambda w: {**w, "rider": "stranger"}),
    ("started_at", lambda w: {**w, "started_at": "soon"}),
    ("t0", lambda w: {**w, "t0": float("nan")}),
    ("t0", lambda w: {**w, "t0": 10**30}),
    ("t", lambda w: {**w, "t": "lots"}),
    ("t", lambda w: {**w, "rssi": w["rssi"][:-1]}),
    ("rssi", lambda w: {**w, "rssi": [float("inf")] * len(w["rssi"])}),
    ("beacon", lambda w: {**w, "beacon": [99] * len(w["beacon"])}),
    ("passages", lambda w: {**w, "passages": [{"lane": "abc", "at": T0.isoformat()}]}),
    ("passages", lambda w: {**w, "passages": [{"lane": -5, "at": T0.isoformat()}]}),
    ("item", lambda w: None),
]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(st.lists(st.one_of(st.none(), st.integers(0, len(BAD_WINDOWS) - 1)), min_size=1, max_size=6))
def test_any_mix_of_windows_decides_exactly_the_good_ones(rider: Rider, plan: list[int | None]) -> None:
    entry, nobody = charged("in"), refused()
    items = []
    for i, bad in enumerate(plan):
        # distinct passages (a minute apart) so that no good window merges into another
        w = item(entry if i % 2 else nobody, f"w-{i}", at=T0 + timedelta(minutes=i))
        items.append(w if bad is None else BAD_WINDOWS[bad][1](w))
    with transaction.atomic():
        result = actions.ingest_windows(items, actor=None, now=NOW)
        stored = set(TaglessWindow.objects.values_list("window_id", flat=True))
        transaction.set_rollback(True)
    assert stored == {f"w-{i}" for i, bad in enumerate(plan) if bad is None}
    assert result.charged + result.refused == len(stored)
    expected = [(i, BAD_WINDOWS[bad][0]) for i, bad in enumerate(plan) if bad is not None]
    assert [(x["index"], x["field"]) for x in result.rejected] == expected


def test_the_first_tariff_day_is_read_from_the_tariff_data(rider: Rider) -> None:
    """2015-06-27 was written in actions.py (EARLIEST) and forms.py (FARE_DATES); both now come
    from tariffs.json, so an event of the first tariff's first minute is accepted and one a
    minute earlier is refused."""
    from datetime import date, datetime

    from seoul.core.engine.time import SEOUL
    from seoul.metro.engine import data
    from seoul.metro.schemas import FARE_DATES

    first = data.tariffs().first_day
    assert first == date(2015, 6, 27) == FARE_DATES.earliest == data.first_tariff_day()
    start = datetime(2015, 6, 27, tzinfo=SEOUL)
    items = [
        tap("on-time", SEOUL_STATION, "entry", start),
        tap("early", SEOUL_STATION, "entry", start - timedelta(minutes=1)),
    ]
    result = actions.ingest_events(items, actor=None, now=NOW)
    assert result.accepted == 1
    assert [(x["event_id"], x["field"]) for x in result.rejected] == [("early", "at")]
