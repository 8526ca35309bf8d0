"""Congestion levels and load-weighing: Seoul Metro's edges, 65 kg a rider, refused inputs."""

from __future__ import annotations

import math

import pytest

from seoul.metro.engine.congestion import levels


@pytest.mark.parametrize(
    ("pct", "expected"),
    [
        (0.0, "relaxed"),
        (80.0, "relaxed"),
        (80.01, "normal"),
        (129.99, "normal"),
        (130.0, "caution"),
        (149.99, "caution"),
        (150.0, "crowded"),
        (400.0, "crowded"),
    ],
)
def test_level_edges(pct: float, expected: str) -> None:
    assert levels.level(pct) == expected


def test_korean_labels_are_data() -> None:
    assert [levels.KOREAN[x] for x in levels.LEVELS] == ["여유", "보통", "주의", "혼잡"]
    assert levels.level_index(131) == 2


def test_load_weighing_to_percent() -> None:
    assert levels.percent_from_load_kg(6500) == pytest.approx(100 / 160 * 100)  # 6.5 t = 100 riders
    assert levels.percent_from_load_kg(160 * 65) == pytest.approx(100.0)
    assert levels.percent_from_load_kg(0) == 0.0
    assert levels.percent_from_passengers(240) == pytest.approx(150.0)


@pytest.mark.parametrize(
    ("kg", "reason"),
    [(-1.0, "negative"), (math.nan, "not a number"), (math.inf, "not a number"), (50_000, "more than")],
)
def test_impossible_loads_are_refused(kg: float, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        levels.percent_from_load_kg(kg)


@pytest.mark.parametrize(("pct", "reason"), [(-0.1, "negative"), (400.1, "above"), (math.nan, "not a number")])
def test_impossible_percentages_are_refused(pct: float, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        levels.level(pct)
