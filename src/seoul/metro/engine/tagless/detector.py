"""Turn one phone's beacon readings into a passage to charge, or a refusal flagged for fallback.

The rule (docs/metro-tagless.md explains it in full):

1. Readings are binned (``dt`` seconds, per beacon mean RSSI, per anchor mean UWB range).
2. Every bin is scored against every cell of a floor grid around the gates with a log-distance
   path-loss model; the phone's unknown common attenuation (pocket, bag, device) is profiled out
   per bin. Cabinets are walls: inside the gate zone only the lane centre lines are walkable.
3. Max-product passes over the grid (walking speed bounded) give, for each *class* of walk, the
   log-likelihood of its best track: passage through lane ``k`` in/out (start on one side of the
   gate line, end on the other, crossing inside lane ``k``), crossing outside the lanes, or
   staying on one side (lingering, walking past, turning back).
4. Charge only if the best class is a passage, its margin over *every* other class (other lanes,
   other direction, outside, staying) is at least ``min_margin`` nats, the raw readings of that
   lane's beacons confirm the direction (its entry-end beacons louder than its exit-end beacons
   before the crossing, the reverse after) and the time between the two is bounded.
   Anything else is a refusal with a reason.

Pure: stdlib and NumPy only. ``detect`` decides one window; ``detect_batch`` decides many at once
with the same arithmetic (vectorised over windows), which is what the benchmark uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from .model import Decision, Direction, FloatArray, GateArray, ReadingBatch, ReadingWindow, RefusalReason

F32 = npt.NDArray[np.float32]
NEG = np.float32(-1e30)


@dataclass(frozen=True)
class DetectorConfig:
    dt: float = 0.25
    """Bin width, seconds. With ``max_step_rows = 2`` rows of 0.25 m this bounds speed at 2 m/s."""
    window: float = 6.5
    """Seconds of readings considered from ``t0``; later readings are ignored."""
    row_step: float = 0.25
    rows_each_side: int = 9
    margin_columns: int = 8
    """Grid columns (pitch / 6 each) modelled beyond each end cabinet."""
    p0: float = -59.0
    """Expected RSSI at 1 m, dBm."""
    path_loss_n: float = 2.5
    back_loss_db: float = 10.0
    """Cabinet shielding behind a beacon's antenna."""
    phone_z: float = 0.95
    sigma_rssi_db: float = 9.0
    offset_prior_db: float = -5.0
    offset_prior_sd_db: float = 8.0
    sigma_uwb_m: float = 0.3
    sigma_uwb_nlos_m: float = 0.6
    uwb_cap: float = 8.0
    """Largest cost (nats) one UWB range can add to a cell."""
    move_cost_x: tuple[float, float, float] = (0.1, 0.4, 1.0)
    """Nats charged for moving one / two / three columns in a bin (a smoothness prior)."""
    move_cost_y: tuple[float, float] = (0.2, 0.8)
    """Nats charged for moving one / two rows in a bin."""
    min_margin: float = 20.0
    """Nats the charged passage must beat every other explanation by, for a phone with UWB ranges.
    Was 15 until 2026-11-25: wrong-lane charges of UWB phones in a pocket reached 29 nats in
    200,000 pocket/UWB calibration events (seeds 31, 32); together with ``bracket_range_m`` = 0.80
    none was left there (docs/metro-tagless.md)."""
    min_margin_ble_only: float = 25.0
    """The same for a phone with BLE only (whose lane evidence is much weaker and more biased)."""
    direction_db: float = 3.0
    max_dwell_s: float = 3.5
    direction_span_s: float = 2.0
    bracket_range_m: float = 0.80
    """UWB: the phone's mean range to each of the two anchors bracketing the charged lane ...
    (0.85 until 2026-11-25; a pocket phone in the next lane, whose far anchor is truly >= ~1.1 m
    away, reached 0.75-0.85 m on a mean of three noisy ranges)."""
    bracket_window_s: float = 0.4
    """... over the bins within this many seconds of the crossing must be at most ``bracket_range_m``."""
    min_informative_bins: int = 8
    min_beacons_per_bin: int = 3
    batch_size: int = 16

    @property
    def bins(self) -> int:
        return round(self.window / self.dt)


@dataclass(frozen=True)
class Grid:
    rows: int
    cols: int
    x: FloatArray  # (cols,)
    y: FloatArray  # (rows,)
    blocked: npt.NDArray[np.bool_]  # (rows, cols)
    lane_cols: npt.NDArray[np.int64]  # (K, 3) walkable columns of each lane
    outside_cols: npt.NDArray[np.int64]
    band_rows: npt.NDArray[np.int64]
    side_a: npt.NDArray[np.bool_]  # (rows,) y <= 0
    side_b: npt.NDArray[np.bool_]  # (rows,) y >= 0
    expected_rssi_t: F32  # (B, cells)
    expected_rssi_sq_t: F32
    expected_range: F32  # (cells, K)
    entry_beacons: npt.NDArray[np.int64]  # (2 directions, K, 2): beacons at the end a passage enters by
    exit_beacons: npt.NDArray[np.int64]


@lru_cache(maxsize=16)
def build_grid(gates: GateArray, config: DetectorConfig) -> Grid:
    # Six columns per lane pitch: the lane centre and +-pitch/6 are walkable, the three columns of
    # the cabinet between two lanes are a wall three cells thick (moves are at most three columns).
    step = gates.pitch / 6
    last = 6 * (gates.lanes - 1)
    j = np.arange(-4 - config.margin_columns, last + 5 + config.margin_columns)
    i = np.arange(-config.rows_each_side, config.rows_each_side + 1)
    x = (j * step).astype(np.float64)
    y = (i * config.row_step).astype(np.float64)
    in_zone = np.abs(y) <= gates.cabinet_length / 2 + 1e-9
    cabinet_col = (j >= -4) & (j <= last + 4) & np.isin(np.mod(j, 6), (2, 3, 4))
    blocked = in_zone[:, None] & cabinet_col[None, :]
    gx, gy = np.meshgrid(x, y)  # (rows, cols)
    cells = np.stack([gx.ravel(), gy.ravel()], axis=1)
    bxyz = gates.beacon_xyz
    dxy = cells[:, None, :] - bxyz[None, :, :2]
    planar = np.hypot(dxy[..., 0], dxy[..., 1])
    dist = np.maximum(np.sqrt(planar**2 + (config.phone_z - bxyz[None, :, 2]) ** 2), 0.2)
    cos_theta = gates.beacon_facing[None, :] * dxy[..., 0] / np.maximum(planar, 0.05)
    expected = config.p0 - 10 * config.path_loss_n * np.log10(dist) - config.back_loss_db * (1 - cos_theta) / 2
    axyz = gates.anchor_xyz
    ranges = np.sqrt(
        (cells[:, None, 0] - axyz[None, :, 0]) ** 2
        + (cells[:, None, 1] - axyz[None, :, 1]) ** 2
        + (config.phone_z - axyz[None, :, 2]) ** 2
    )
    centre = np.arange(gates.lanes) * 6 + (4 + config.margin_columns)
    entry = np.empty((2, gates.lanes, 2), dtype=np.int64)
    exit_ = np.empty((2, gates.lanes, 2), dtype=np.int64)
    for k in range(gates.lanes):
        entry[0, k] = exit_[1, k] = gates.beacon_index(k, "unpaid")
        entry[1, k] = exit_[0, k] = gates.beacon_index(k, "paid")
    return Grid(
        rows=len(y),
        cols=len(x),
        x=x,
        y=y,
        blocked=blocked,
        lane_cols=centre[:, None] + np.array([-1, 0, 1])[None, :],
        outside_cols=np.flatnonzero((j < -4) | (j > last + 4)),
        band_rows=np.flatnonzero(np.abs(i) <= 1),
        side_a=i <= 0,
        side_b=i >= 0,
        expected_rssi_t=np.ascontiguousarray(expected.T, dtype=np.float32),
        expected_rssi_sq_t=np.ascontiguousarray((expected**2).T, dtype=np.float32),
        expected_range=ranges.astype(np.float32),
        entry_beacons=entry,
        exit_beacons=exit_,
    )


@dataclass(frozen=True)
class _Binned:
    rssi: F32  # (N, T, B) mean, 0 where missing
    mask: F32  # (N, T, B)
    uwb: F32  # (N, T, K)
    uwb_mask: F32


def _bin(batch: ReadingBatch, n_beacons: int, n_anchors: int, config: DetectorConfig) -> _Binned:
    n, bins = batch.size, config.bins

    def grid_mean(
        window: npt.NDArray[np.int64], t: FloatArray, key: npt.NDArray[np.int64], value: FloatArray, width: int
    ) -> tuple[F32, F32]:
        b = np.floor((t - batch.t0[window]) / config.dt).astype(np.int64)
        ok = (b >= 0) & (b < bins) & (key >= 0) & (key < width)
        flat = (window[ok] * bins + b[ok]) * width + key[ok]
        size = n * bins * width
        count = np.bincount(flat, minlength=size).reshape(n, bins, width)
        total = np.bincount(flat, weights=value[ok], minlength=size).astype(np.float64).reshape(n, bins, width)
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        return mean.astype(np.float32), (count > 0).astype(np.float32)

    rssi, mask = grid_mean(batch.window, batch.t, batch.beacon, batch.rssi, n_beacons)
    uwb, uwb_mask = grid_mean(batch.uwb_window, batch.uwb_t, batch.uwb_anchor, batch.uwb_range, n_anchors)
    return _Binned(rssi, mask, uwb, uwb_mask)


def _emissions(binned: _Binned, grid: Grid, config: DetectorConfig) -> F32:
    """(N, T, rows, cols) log-likelihood of each bin's readings at each cell; walls get NEG."""
    e = grid.expected_rssi_t  # (B, C), contiguous: 3-D matmul against a transposed view is very slow
    m, o = binned.mask, binned.rssi
    n, t, b = m.shape
    m2 = m.reshape(n * t, b)
    s_oe = ((m * o).reshape(n * t, b) @ e).reshape(n, t, -1)
    s_e = (m2 @ e).reshape(n, t, -1)
    s_ee = (m2 @ grid.expected_rssi_sq_t).reshape(n, t, -1)
    s_o = (m * o).sum(-1, keepdims=True)
    s_oo = (m * o * o).sum(-1, keepdims=True)
    count = m.sum(-1, keepdims=True)
    lam = np.float32((config.sigma_rssi_db / config.offset_prior_sd_db) ** 2)
    mu = np.float32(config.offset_prior_db)
    # Residual r = o - e; profile out a common offset delta ~ N(mu, sd) (see module doc):
    # f = sum r^2 + lam mu^2 - (sum r + lam mu)^2 / (count + lam), computed in place.
    s_oe *= 2
    s_ee -= s_oe
    s_ee += s_oo  # sum r^2
    np.subtract(s_o, s_e, out=s_e)  # sum r
    s_e += lam * mu
    np.square(s_e, out=s_e)
    s_e /= count + lam
    s_ee -= s_e
    s_ee += lam * mu * mu
    ll = s_ee
    ll *= np.float32(-0.5 / config.sigma_rssi_db**2)
    rows = np.flatnonzero(binned.uwb_mask.any(axis=(1, 2)))
    if len(rows):
        # UWB through a body is late (non-line-of-sight), never early: a range longer than expected
        # costs little (sd ``sigma_uwb_nlos_m``), a shorter one the full Gaussian price; capped.
        r = binned.uwb[rows][:, :, None, :] - grid.expected_range[None, None]  # (n, T, C, K)
        sd = np.where(r < 0, np.float32(config.sigma_uwb_m), np.float32(config.sigma_uwb_nlos_m))
        cost = np.minimum(np.float32(0.5) * (r / sd) ** 2, np.float32(config.uwb_cap))
        ll[rows] -= (cost * binned.uwb_mask[rows][:, :, None, :]).sum(-1)
    out = ll.reshape(n, t, grid.rows, grid.cols)
    out[:, :, grid.blocked] = NEG
    return out.astype(np.float32, copy=False)


class _MaxFilter:
    """Best predecessor score for every cell: max over moves of <= 3 columns and <= 2 rows, minus move costs."""

    def __init__(self, shape: tuple[int, ...], cost_x: tuple[float, float, float], cost_y: tuple[float, float]):
        *lead, rows, cols = shape
        self.rows, self.cols = rows, cols
        self.pad = np.full((*lead, rows + 4, cols + 6), NEG, dtype=np.float32)
        self.cx = [np.float32(c) for c in cost_x]
        self.cy = [np.float32(c) for c in cost_y]

    def __call__(self, v: F32) -> F32:
        p, r, c = self.pad, self.rows, self.cols
        p[..., 2 : r + 2, 3 : c + 3] = v
        vx = p[..., 3 : c + 3].copy()
        for shift, cost in zip((1, 2, 3), self.cx, strict=True):
            moved = np.maximum(p[..., 3 - shift : c + 3 - shift], p[..., 3 + shift : c + 3 + shift])
            moved -= cost
            np.maximum(vx, moved, out=vx)
        out = vx[..., 2 : r + 2, :].copy()
        for shift, cost in zip((1, 2), self.cy, strict=True):
            moved = np.maximum(vx[..., 2 - shift : r + 2 - shift, :], vx[..., 2 + shift : r + 2 + shift, :])
            moved -= cost
            np.maximum(out, moved, out=out)
        return out


@dataclass(frozen=True)
class _Scores:
    passage: npt.NDArray[np.float64]  # (N, 2 directions, K)
    outside: npt.NDArray[np.float64]  # (N, 2)
    stay: npt.NDArray[np.float64]  # (N, 2 sides)
    turn: npt.NDArray[np.float64]  # (N, 2 sides, K)
    crossed_bin: npt.NDArray[np.float64]  # (N, 2, K) mean bin index the best passage track is at the gate line


def _track_scores(ll: F32, grid: Grid, config: DetectorConfig) -> _Scores:
    n, bins, rows, cols = ll.shape
    side = np.stack([grid.side_a, grid.side_b])[:, :, None]  # (2, rows, 1)
    init = np.where(side, np.float32(0), NEG).astype(np.float32)  # channel 0 = side A, 1 = side B
    step = _MaxFilter((n, 2, rows, cols), config.move_cost_x, config.move_cost_y)
    band = grid.band_rows
    # Backward: beta_t(c) = best score of bins t+1.. given the track is at c at t and ends on the channel's side.
    beta_band = np.empty((bins, n, 2, len(band), cols), dtype=np.float32)
    beta = np.broadcast_to(init, (n, 2, rows, cols)).copy()
    beta_band[bins - 1] = beta[:, :, band]
    for t in range(bins - 2, -1, -1):
        beta = step(beta + ll[:, t + 1, None])
        beta_band[t] = beta[:, :, band]
    # Forward: alpha_t(c) = best score of bins ..t of a track that started on the channel's side and is at c at t.
    band_scores = np.empty((bins, n, 4, cols), dtype=np.float32)
    alpha = ll[:, 0, None] + init
    for t in range(bins):
        if t:
            alpha = step(alpha) + ll[:, t, None]
        a, b = alpha[:, :, band], beta_band[t]
        combos = np.stack([a[:, 0] + b[:, 1], a[:, 1] + b[:, 0], a[:, 0] + b[:, 0], a[:, 1] + b[:, 1]], axis=1)
        band_scores[t] = combos.max(axis=2)
    stay = np.stack(
        [alpha[:, 0][:, grid.side_a].max(axis=(1, 2)), alpha[:, 1][:, grid.side_b].max(axis=(1, 2))], axis=1
    ).astype(np.float64)
    best_over_t = band_scores.max(axis=0).astype(np.float64)  # (N, 4, cols)
    passage = best_over_t[:, :2][:, :, grid.lane_cols].max(axis=3)
    outside = best_over_t[:, :2][:, :, grid.outside_cols].max(axis=2)
    turn = best_over_t[:, 2:][:, :, grid.lane_cols].max(axis=3)
    lane_scores = band_scores[:, :, :2][..., grid.lane_cols].max(axis=4).astype(np.float64)  # (T, N, 2, K)
    tol = 1e-5 * np.abs(passage) + 1e-3
    on_track = lane_scores >= (passage - tol)[None]
    t_idx = np.arange(bins, dtype=np.float64)[:, None, None, None]
    crossed = (on_track * t_idx).sum(0) / np.maximum(on_track.sum(0), 1)
    return _Scores(passage=passage, outside=outside, stay=stay, turn=turn, crossed_bin=crossed)


def _direction_check(
    binned: _Binned,
    grid: Grid,
    lane: npt.NDArray[np.int64],
    d: npt.NDArray[np.int64],
    tc_bin: FloatArray,
    cfg: DetectorConfig,
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Raw-reading check that lane ``lane``'s entry-end beacons fade and its exit-end beacons grow across ``tc``.

    Returns (direction consistent, dwell bounded) per window.
    """
    entry = grid.entry_beacons[d, lane]  # (N, 2)
    exit_ = grid.exit_beacons[d, lane]

    def end_mean(idx: npt.NDArray[np.int64]) -> tuple[F32, npt.NDArray[np.bool_]]:
        val = np.take_along_axis(binned.rssi, idx[:, None, :], axis=2)
        msk = np.take_along_axis(binned.mask, idx[:, None, :], axis=2)
        cnt = msk.sum(-1)
        return (val * msk).sum(-1) / np.maximum(cnt, 1), cnt > 0

    en, en_ok = end_mean(entry)
    ex, ex_ok = end_mean(exit_)
    diff = ex - en
    valid = en_ok & ex_ok
    rel = (np.arange(cfg.bins)[None, :] - tc_bin[:, None]) * cfg.dt
    span = cfg.direction_span_s
    before = valid & (rel <= -cfg.dt) & (rel >= -span)
    after = valid & (rel >= cfg.dt) & (rel <= span)

    def masked_mean(m: npt.NDArray[np.bool_]) -> FloatArray:
        return np.asarray((diff * m).sum(1) / np.maximum(m.sum(1), 1), dtype=np.float64)

    consistent = (
        (before.sum(1) >= 2)
        & (after.sum(1) >= 2)
        & (masked_mean(before) <= -cfg.direction_db)
        & (masked_mean(after) >= cfg.direction_db)
    )
    # Dwell: from the last bin before the crossing still clearly nearer the entry end to the first
    # bin after it clearly nearer the exit end.
    thr = cfg.direction_db
    pre = valid & (rel < 0) & (diff <= -thr)
    post = valid & (rel > 0) & (diff >= thr)
    bins = np.arange(cfg.bins)
    last_pre = np.where(pre, bins[None, :], -1).max(1)
    first_post = np.where(post, bins[None, :], cfg.bins + 1).min(1)
    dwell_ok = (last_pre >= 0) & (first_post <= cfg.bins) & ((first_post - last_pre) * cfg.dt <= cfg.max_dwell_s)
    return consistent, dwell_ok


def _bracket_check(
    binned: _Binned, lane: npt.NDArray[np.int64], tc_bin: FloatArray, cfg: DetectorConfig
) -> npt.NDArray[np.bool_]:
    """UWB check: around the crossing the phone's mean range to *both* anchors of its lane is short.

    A body in the way only lengthens a UWB range, so a phone in the neighbouring lane cannot pass
    this by accident; windows without UWB pass (they rely on the track margin alone).
    """
    idx = np.stack([lane, lane + 1], axis=1)[:, None, :]  # anchors k and k + 1 bracket lane k
    rng = np.take_along_axis(binned.uwb, idx, axis=2)
    msk = np.take_along_axis(binned.uwb_mask, idx, axis=2) > 0
    near = np.abs(np.arange(cfg.bins)[None, :] - tc_bin[:, None]) * cfg.dt <= cfg.bracket_window_s
    use = msk & near[:, :, None]
    count = use.sum(axis=1)  # (N, 2)
    mean = np.where(use, rng, 0).sum(axis=1) / np.maximum(count, 1)
    has_uwb = binned.uwb_mask.any(axis=(1, 2))
    return np.asarray(~has_uwb | ((count >= 3) & (mean <= cfg.bracket_range_m)).all(axis=1))


DIRECTIONS: tuple[Direction, Direction] = ("in", "out")


def detect_batch(batch: ReadingBatch, gates: GateArray, config: DetectorConfig | None = None) -> list[Decision]:
    """Decide every window in ``batch``; identical to calling :func:`detect` on each."""
    cfg = config or DetectorConfig()
    out: list[Decision] = []
    for start in range(0, batch.size, cfg.batch_size):
        stop = min(start + cfg.batch_size, batch.size)
        out.extend(_decide(_slice(batch, start, stop), gates, cfg))
    return out


def detect(window: ReadingWindow, gates: GateArray, config: DetectorConfig | None = None) -> Decision:
    """Decide one phone's window of readings."""
    return _decide(ReadingBatch.of([window]), gates, config or DetectorConfig())[0]


def _slice(batch: ReadingBatch, start: int, stop: int) -> ReadingBatch:
    if start == 0 and stop == batch.size:
        return batch
    lo, hi = np.searchsorted(batch.window, [start, stop])
    ulo, uhi = np.searchsorted(batch.uwb_window, [start, stop])
    return ReadingBatch(
        t0=batch.t0[start:stop],
        window=batch.window[lo:hi] - start,
        t=batch.t[lo:hi],
        beacon=batch.beacon[lo:hi],
        rssi=batch.rssi[lo:hi],
        uwb_window=batch.uwb_window[ulo:uhi] - start,
        uwb_t=batch.uwb_t[ulo:uhi],
        uwb_anchor=batch.uwb_anchor[ulo:uhi],
        uwb_range=batch.uwb_range[ulo:uhi],
    )


@dataclass(frozen=True)
class _Analysis:
    """Everything :func:`_decide` computes for a batch, kept for the decisions and for diagnostics."""

    binned: _Binned
    scores: _Scores
    classes: npt.NDArray[np.float64]  # (N, 2K + 4): passages (direction-major), outside in/out, stay unpaid/paid
    best: npt.NDArray[np.int64]
    second: npt.NDArray[np.int64]
    margin: npt.NDArray[np.float64]
    confidence: npt.NDArray[np.float64]
    flat_pass: npt.NDArray[np.float64]
    d: npt.NDArray[np.int64]
    lane: npt.NDArray[np.int64]
    tc_bin: FloatArray
    consistent: npt.NDArray[np.bool_]
    dwell_ok: npt.NDArray[np.bool_]
    bracketed: npt.NDArray[np.bool_]
    has_uwb: npt.NDArray[np.bool_]
    informative: npt.NDArray[np.bool_]
    crossed_at: FloatArray


def _analyse(batch: ReadingBatch, gates: GateArray, cfg: DetectorConfig) -> _Analysis:
    grid = build_grid(gates, cfg)
    k = gates.lanes
    binned = _bin(batch, len(gates.beacons), len(gates.anchor_xyz), cfg)
    ll = _emissions(binned, grid, cfg)
    sc = _track_scores(ll, grid, cfg)
    n = batch.size
    # Classes: 2K passages (direction-major), 2 outside crossings, 2 stays.
    classes = np.concatenate([sc.passage.reshape(n, 2 * k), sc.outside, sc.stay], axis=1)
    best = classes.argmax(1)
    best_score = classes[np.arange(n), best]
    others = classes.copy()
    others[np.arange(n), best] = -np.inf
    second = others.argmax(1)
    margin = best_score - others[np.arange(n), second]
    confidence = 1.0 / np.exp(np.clip(classes - best_score[:, None], -700, 0)).sum(1)

    # The best passage hypothesis (for the charge or for diagnostics).
    flat_pass = sc.passage.reshape(n, 2 * k)
    best_pass = flat_pass.argmax(1)
    d = best_pass // k
    lane = best_pass % k
    tc_bin = sc.crossed_bin[np.arange(n), d, lane]
    consistent, dwell_ok = _direction_check(binned, grid, lane, d, tc_bin, cfg)
    bracketed = _bracket_check(binned, lane, tc_bin, cfg)
    has_uwb = np.asarray(binned.uwb_mask.any(axis=(1, 2)))
    informative = (binned.mask.sum(-1) >= cfg.min_beacons_per_bin).sum(1) >= cfg.min_informative_bins
    crossed_at = batch.t0 + (tc_bin + 0.5) * cfg.dt
    return _Analysis(
        binned=binned,
        scores=sc,
        classes=classes,
        best=best,
        second=second,
        margin=margin,
        confidence=confidence,
        flat_pass=flat_pass,
        d=d,
        lane=lane,
        tc_bin=tc_bin,
        consistent=consistent,
        dwell_ok=dwell_ok,
        bracketed=bracketed,
        has_uwb=has_uwb,
        informative=informative,
        crossed_at=crossed_at,
    )


def _decide(batch: ReadingBatch, gates: GateArray, cfg: DetectorConfig) -> list[Decision]:
    a = _analyse(batch, gates, cfg)
    k = gates.lanes
    sc, classes, margin = a.scores, a.classes, a.margin
    decisions: list[Decision] = []
    for w in range(batch.size):
        b, s = int(a.best[w]), int(a.second[w])
        reason: RefusalReason | None = None
        if not a.informative[w]:
            reason = "insufficient_data"
        elif b >= 2 * k + 2:  # staying on one side
            side = b - 2 * k - 2
            reason = "turn_back" if sc.turn[w, side].max() >= classes[w, b] - 1e-3 else "no_crossing"
        elif b >= 2 * k:
            reason = "outside_lanes"
        elif margin[w] < (cfg.min_margin if a.has_uwb[w] else cfg.min_margin_ble_only):
            if s < 2 * k:
                reason = "ambiguous_lane" if s % k != b % k else "inconsistent_direction"
            elif s < 2 * k + 2:
                reason = "outside_lanes"
            else:
                side = s - 2 * k - 2
                turned = sc.turn[w, side, b % k] >= classes[w, s] - 1e-3
                reason = "turn_back" if turned else "low_confidence"
        elif not a.consistent[w]:
            reason = "inconsistent_direction"
        elif not a.dwell_ok[w]:
            reason = "dwell_too_long"
        elif not a.bracketed[w]:
            reason = "ambiguous_lane"
        decisions.append(
            Decision(
                charged=reason is None,
                lane_id=int(a.lane[w]),
                direction=DIRECTIONS[int(a.d[w])],
                crossed_at=float(a.crossed_at[w]),
                confidence=float(a.confidence[w]) if b < 2 * k else 0.0,
                margin=float(margin[w]) if b < 2 * k else float(a.flat_pass[w].max() - classes[w, b]),
                reason=reason,
            )
        )
    return decisions


def _mean_rssi(rssi: F32, mask: F32, beacons: npt.NDArray[np.int64], bins: npt.NDArray[np.bool_]) -> float | None:
    """Mean of the binned RSSI of ``beacons`` over the selected ``bins`` of one window (None if unheard)."""
    m = mask[bins][:, beacons]
    count = float(m.sum())
    return round(float((rssi[bins][:, beacons] * m).sum()) / count, 2) if count else None


def class_label(index: int, lanes: int) -> str:
    """Human-readable name of class ``index`` in the detector's class vector."""
    if index < 2 * lanes:
        return f"PASS(lane={index % lanes},{DIRECTIONS[index // lanes]})"
    if index < 2 * lanes + 2:
        return f"OUTSIDE({DIRECTIONS[index - 2 * lanes]})"
    return f"STAY({('unpaid', 'paid')[index - 2 * lanes - 2]})"


def explain_batch(
    batch: ReadingBatch, gates: GateArray, config: DetectorConfig | None = None
) -> list[dict[str, object]]:
    """Diagnostics for every window in ``batch`` (JSON-serialisable): the class scores, the winning
    and runner-up hypotheses with their margin, and the raw evidence the checks looked at.

    Not used for deciding; the benchmark's ``--dump-false-charges`` writes these records.
    """
    cfg = config or DetectorConfig()
    grid = build_grid(gates, cfg)
    k = gates.lanes
    out: list[dict[str, object]] = []
    for start in range(0, batch.size, cfg.batch_size):
        stop = min(start + cfg.batch_size, batch.size)
        a = _analyse(_slice(batch, start, stop), gates, cfg)
        bins = np.arange(cfg.bins)
        for w in range(stop - start):
            lane, d, tc = int(a.lane[w]), int(a.d[w]), float(a.tc_bin[w])
            near = np.abs(bins - tc) * cfg.dt <= cfg.bracket_window_s
            um = a.binned.uwb_mask[w][near] > 0  # (bins near, K + 1)
            ur = a.binned.uwb[w][near]
            counts = um.sum(0)
            means = np.where(counts > 0, (ur * um).sum(0) / np.maximum(counts, 1), np.nan)
            # Per-lane raw direction evidence (exit end minus entry end) before/after the crossing.
            rel = (bins - tc) * cfg.dt
            before = (rel <= -cfg.dt) & (rel >= -cfg.direction_span_s)
            after = (rel >= cfg.dt) & (rel <= cfg.direction_span_s)
            around = np.abs(rel) <= 0.5
            per_lane: list[dict[str, object]] = []
            for other in range(k):
                en, ex = grid.entry_beacons[d, other], grid.exit_beacons[d, other]
                m, r = a.binned.mask[w], a.binned.rssi[w]
                lane_beacons = np.concatenate([en, ex])
                per_lane.append(
                    {
                        "lane": other,
                        "entry_before": _mean_rssi(r, m, en, before),
                        "exit_before": _mean_rssi(r, m, ex, before),
                        "entry_after": _mean_rssi(r, m, en, after),
                        "exit_after": _mean_rssi(r, m, ex, after),
                        "all_around_crossing": _mean_rssi(r, m, lane_beacons, around),
                    }
                )
            scores = a.classes[w]
            order = np.argsort(-scores)
            lane_scores = a.flat_pass[w].reshape(2, k)[d]
            other_lanes = np.delete(lane_scores, lane)
            out.append(
                {
                    "has_uwb": bool(a.has_uwb[w]),
                    "best": class_label(int(a.best[w]), k),
                    "runner_up": class_label(int(a.second[w]), k),
                    "margin": round(float(a.margin[w]), 3),
                    "lane_margin": round(float(lane_scores[lane] - other_lanes.max()), 3) if k > 1 else None,
                    "top_classes": [
                        {"class": class_label(int(i), k), "score": round(float(scores[i]), 3)} for i in order[:5]
                    ],
                    "lane": lane,
                    "direction": DIRECTIONS[d],
                    "crossed_at": float(a.crossed_at[w]),
                    "crossing_bin": round(tc, 2),
                    "consistent": bool(a.consistent[w]),
                    "dwell_ok": bool(a.dwell_ok[w]),
                    "bracketed": bool(a.bracketed[w]),
                    "uwb_mean_range_near_crossing": [None if np.isnan(v) else round(float(v), 3) for v in means],
                    "uwb_count_near_crossing": [int(c) for c in counts],
                    "lane_anchor_ranges": (
                        [None if np.isnan(means[lane + j]) else round(float(means[lane + j]), 3) for j in (0, 1)]
                        if a.has_uwb[w]
                        else None
                    ),
                    "beacon_means_by_lane": per_lane,
                }
            )
    return out


__all__: Sequence[str] = ("DetectorConfig", "build_grid", "class_label", "detect", "detect_batch", "explain_batch")
