"""The compiled track passes (``_tracks.py``) agree bit for bit with the vectorised NumPy passes
they replaced, on simulated windows of every scenario and on random emissions.

The reference below is the earlier formulation (shifted copies of the whole grid, four moves a
step, ties kept by strict comparison): a different program for the same recursion, so a slip in
the loop version (a move's cost, the order of the two steps, the grid's edges) shows here.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from seoul.metro.engine.tagless import SCENARIOS, DetectorConfig, GateArray, SimParams
from seoul.metro.engine.tagless.detector import NEG, Grid, _bin, _emissions, _side_tracks, build_grid
from seoul.metro.engine.tagless.simulator import simulate_batches

GATES = GateArray()
CFG = DetectorConfig()


def reference_side_tracks(
    ll: npt.NDArray[np.float32], grid: Grid, config: DetectorConfig
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    n, bins, rows, cols = ll.shape
    cy = {1: np.float32(config.move_cost_y[0]), 2: np.float32(config.move_cost_y[1])}
    cx = {1: np.float32(config.move_cost_x[0]), 2: np.float32(config.move_cost_x[1])}
    zone = np.where(grid.zone_rows, NEG, np.float32(0))[None, None, :, None]
    allowed = np.where(grid.allowed, np.float32(0), NEG)[None, :, :, None]
    alpha = ll[:, 0, None] + np.where(grid.start, np.float32(0), NEG)[None] + allowed
    back_x = np.zeros((bins, n, 2, rows, cols), dtype=np.int8)
    back_y = np.zeros((bins, n, 2, rows, cols), dtype=np.int8)
    pad_x = np.full((n, 4, rows, cols + 4), NEG, dtype=np.float32)
    pad_y = np.full((n, 4, rows + 4, cols), NEG, dtype=np.float32)
    better = np.empty((n, 4, rows, cols), dtype=bool)
    for t in range(1, bins):
        pad_x[..., 2 : cols + 2] = alpha
        v = alpha
        for d in (-1, 1, -2, 2):
            cand = pad_x[..., 2 + d : cols + 2 + d] - cx[abs(d)]
            if abs(d) == 2:
                cand += zone
            np.greater(cand, v, out=better)
            np.copyto(v, cand, where=better)
            np.copyto(back_x[t], np.int8(d), where=better[:, :2])
        pad_y[:, :, 2 : rows + 2] = v
        for d in (-1, 1, -2, 2):
            cand = pad_y[:, :, 2 + d : rows + 2 + d] - cy[abs(d)]
            np.greater(cand, v, out=better)
            np.copyto(v, cand, where=better)
            np.copyto(back_y[t], np.int8(d), where=better[:, :2])
        v += ll[:, t, None]
        v += allowed
        alpha = v
    final = np.where(grid.end[None], alpha, NEG)
    score = final.reshape(n, 4, -1).max(axis=2).astype(np.float64)
    flat = final[:, :2].reshape(n, 2, -1).argmax(axis=2)
    r, c = flat // cols, flat % cols
    track = np.empty((n, 2, bins), dtype=np.int64)
    track_col = np.empty((n, 2, bins), dtype=np.int64)
    track[:, :, -1], track_col[:, :, -1] = r, c
    ni, ci = np.arange(n)[:, None], np.arange(2)[None, :]
    for t in range(bins - 1, 0, -1):
        r = r + back_y[t][ni, ci, r, c]
        c = c + back_x[t][ni, ci, r, c]
        track[:, :, t - 1], track_col[:, :, t - 1] = r, c
    return score, track, track_col


def assert_same(ll: npt.NDArray[np.float32], grid: Grid) -> None:
    side = _side_tracks(ll, grid, CFG)
    score, track, track_col = reference_side_tracks(ll.copy(), grid, CFG)
    np.testing.assert_array_equal(side.score, score)
    np.testing.assert_array_equal(side.track, track)
    np.testing.assert_array_equal(side.track_col, track_col)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_tracks_match_the_vectorised_passes_on_simulated_windows(scenario: str) -> None:
    grid = build_grid(GATES, CFG)
    batch = next(simulate_batches(12, seed=41, mix={scenario: 1.0}, gates=GATES, params=SimParams()))
    binned = _bin(batch.readings, GATES.beacon_count, len(GATES.anchor_xyz), CFG)
    assert_same(_emissions(binned, grid, CFG), grid)


def test_tracks_match_on_random_emissions_with_ties_and_walls() -> None:
    """Rounded random scores make ties common, and NEG cells make whole regions unreachable:
    the cases where the order of moves and the grid's edge decide the back-pointers."""
    grid = build_grid(GATES, CFG)
    rng = np.random.default_rng(5)
    ll = np.round(rng.normal(-4, 3, size=(3, CFG.bins, grid.rows, grid.cols)), 0).astype(np.float32)
    ll[rng.random(ll.shape) < 0.05] = NEG
    ll[:, :, grid.blocked] = NEG
    assert_same(ll, grid)
