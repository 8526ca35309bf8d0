"""The novelty detector: causal and the same in any batches, new bands and new patterns score,
a stream doing what it always does scores 0, one alert per event, and its NAB score."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.metro.engine.maintenance import detector, nab
from seoul.metro.engine.maintenance.detector import Settings, Stream

from .test_nab import NAB, needs_nab

NO_REST = Settings(rest=0)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(min_value=-5, max_value=15, allow_nan=False), min_size=1, max_size=300),
    cuts=st.lists(st.integers(min_value=1, max_value=299), max_size=8),
    orders=st.integers(min_value=1, max_value=6),
    rest=st.integers(min_value=0, max_value=40),
)
def test_batches_score_as_the_whole_series(values: list[float], cuts: list[int], orders: int, rest: int) -> None:
    series = np.array(values)
    config = Settings(orders=orders, rest=rest)
    whole = detector.score(series, 0.0, 10.0, config)
    stream = Stream(0.0, 10.0, config)
    edges = [0, *sorted({c for c in cuts if c < len(series)}), len(series)]
    parts = [stream.score(series[a:b]) for a, b in itertools.pairwise(edges)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_the_score_is_causal() -> None:
    rng = np.random.default_rng(3)
    series = rng.normal(5, 2, 500)
    changed = series.copy()
    changed[300:] = rng.normal(0, 9, 200)
    a, b = detector.score(series, 0, 10), detector.score(changed, 0, 10)
    assert np.array_equal(a[:300], b[:300]) and not np.array_equal(a[300:], b[300:])


def test_a_repeating_pattern_stops_scoring_and_a_new_band_scores_in_full() -> None:
    cycle = np.array([1.0, 3.0, 5.0, 7.0, 5.0, 3.0])
    series = np.concatenate([np.tile(cycle, 20), [9.9], np.tile(cycle, 5)])
    s = detector.score(series, 0.0, 10.0, NO_REST)
    assert s[0] == 1.0 / 4  # only the one-band pattern exists yet, and it is new
    assert (s[12:120] == 0).all()  # from the third cycle on, nothing is new
    assert s[120] == 1.0  # a band the stream never reached: every order is new
    assert 0 < s[121] < 1  # back to a known band, reached in a new way


def test_after_an_alert_the_detector_rests() -> None:
    series = np.r_[np.full(50, 5.0), 9.5, np.full(5, 5.0), 0.5, np.full(50, 5.0), 2.5]
    s = detector.score(series, 0.0, 10.0, Settings(rest=10))
    assert s[50] == 1.0  # the alert
    assert (s[51:61] == 0).all()  # resting: the jump to 0.5 at 56 is not a second alert
    assert s[-1] == 1.0  # after the rest a new band alerts again
    assert detector.score(series, 0.0, 10.0, NO_REST)[56] == 1.0  # without rest it would have


def test_readings_outside_the_range_or_not_numbers_have_bands_of_their_own() -> None:
    band = detector.bands(np.array([-1.0, 0.0, 9.99, 10.0, 11.0, np.nan, -np.inf, np.inf]), 0.0, 10.0, 8)
    assert band.tolist() == [-1, 0, 7, 7, 8, 8, -1, 8]


@pytest.mark.parametrize(
    ("bad", "message"),
    [({"levels": 0}, "levels"), ({"levels": 63}, "levels"), ({"orders": 10}, "orders"), ({"rest": -1}, "rest")],
)
def test_settings_outside_what_the_keys_hold_are_refused(bad: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(**bad)


@needs_nab
def test_the_platform_detector_beats_the_scoreboard_s_random_cut_forest_on_nab() -> None:
    corpus = nab.load_corpus(NAB)
    scores = nab.platform_detector(corpus)
    assert all(len(scores[f.name]) == len(f) for f in corpus.files)
    published = json.loads((NAB / "results" / "final_results.json").read_text(encoding="utf-8"))
    standard = nab.score_profile(corpus, scores, "standard")
    assert standard.score > published["randomCutForest"]["standard"]
    assert standard.windows_found > corpus.windows / 2
