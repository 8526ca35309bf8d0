"""The lane sensors' confirmation of a radio crossing (engine, no database)."""

from __future__ import annotations

from dataclasses import replace

from seoul.metro.engine.tagless import Decision, SensorPassage, confirm


def crossing(at: float, direction: str = "in", lane: int | None = None, candidates: tuple[int, ...] = ()) -> Decision:
    return Decision(
        charged=True,
        lane_id=lane,
        direction="in" if direction == "in" else "out",
        crossed_at=at,
        confidence=1.0,
        margin=40.0,
        lane_candidates=candidates,
    )


def test_a_crossing_without_a_passage_near_it_is_refused() -> None:
    [d] = confirm([crossing(10.0)], [SensorPassage(2, 11.5), SensorPassage(3, 8.9)])
    assert not d.charged and d.reason == "no_passage"


def test_one_passage_confirms_one_phone_the_strongest_evidence_first() -> None:
    first, second = confirm([crossing(10.0), crossing(10.2)], [SensorPassage(1, 10.1)])
    assert first.charged and first.lane_id == 1  # equal margins: arrival order
    assert not second.charged and second.reason == "no_passage"
    weak = replace(crossing(10.0), margin=31.0)
    late_but_strong = replace(crossing(10.2), margin=90.0)
    a, b = confirm([weak, late_but_strong], [SensorPassage(1, 10.1)])
    assert b.charged and not a.charged  # the bystander-like weak crossing does not take it


def test_the_sensor_direction_must_agree_when_it_reports_one() -> None:
    [d] = confirm([crossing(10.0, "in")], [SensorPassage(1, 10.0, "out")])
    assert not d.charged
    [d] = confirm([crossing(10.0, "in")], [SensorPassage(1, 10.0, "out"), SensorPassage(4, 10.6, None)])
    assert d.charged and d.lane_id == 4  # a sensor without a direction may confirm either way


def test_the_detectors_lanes_come_first_then_the_nearest_time() -> None:
    passages = [SensorPassage(0, 10.0), SensorPassage(3, 10.8), SensorPassage(5, 10.3)]
    [d] = confirm([crossing(10.0, candidates=(5, 3))], passages)
    assert d.lane_id == 5  # a candidate lane beats a nearer passage in another lane
    [d] = confirm([crossing(10.0, lane=3, candidates=(3, 5))], passages)
    assert d.lane_id == 3
    [d] = confirm([crossing(10.0)], passages)
    assert d.lane_id == 0  # no lane evidence at all: the nearest in time


def test_a_passage_in_a_lane_the_radio_rules_out_does_not_confirm() -> None:
    # The bystander in lane 2 looks like a crossing; the only passage is an evader's in lane 1.
    [d] = confirm([crossing(10.0, "out", candidates=(2,))], [SensorPassage(1, 10.2, "out")])
    assert not d.charged and d.reason == "no_passage"
    [d] = confirm([crossing(10.0, "out", candidates=(2, 1))], [SensorPassage(1, 10.2, "out")])
    assert d.charged and d.lane_id == 1


def test_the_charge_takes_the_passages_time() -> None:
    [d] = confirm([crossing(10.0, candidates=(4,))], [SensorPassage(4, 10.7)])
    assert d.charged and d.crossed_at == 10.7


def test_refused_decisions_pass_through_unchanged() -> None:
    refused = Decision(False, None, "in", 10.0, 0.1, 2.0, reason="low_confidence")
    assert confirm([refused], [SensorPassage(0, 10.0)]) == [refused]
