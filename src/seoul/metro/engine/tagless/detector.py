"""The radio's answers for one phone's beacon readings: *did it cross the gate line* and *which lane*.

A charge needs more than this: a lane-sensor passage must confirm the crossing (``sensors.py``).

The rule (docs/metro-tagless.md explains it in full):

1. Readings are binned (``dt`` seconds; per beacon mean RSSI, per anchor mean UWB range).
2. Every bin is scored against every cell of a floor grid around the gate array (``y`` from the
   concourse to the paid area, ``x`` across the array and beyond it) with a log-distance
   path-loss model; the phone's unknown common attenuation (pocket, bag, device) is profiled
   out per bin, and whether each beacon was heard at all is scored too (censoring). Cabinets are
   walls and a fence closes the gate line beyond the array, so the only way across ``y = 0`` is
   through a lane.
3. **Side question.** Max-product (Viterbi) passes over the grid, walking speed
   bounded, score four classes of walk:
   ``IN`` (starts at least ``deep_y`` metres on the unpaid side and ends as deep in the paid
   area), ``OUT`` (the reverse), and two that never cross: ``STAY_UNPAID`` (never beyond the
   lanes' paid end) and ``STAY_PAID`` (never beyond their unpaid end). The radio says crossing
   (``Decision.charged``) when ``IN`` or ``OUT`` beats every other class by ``min_margin`` nats
   (``min_margin_ble_only`` for a phone without UWB ranges). Which lane was used plays no part.
4. **Lane question.** Along the winning track, the bins near the gate line are scored at each
   lane's centre column. The lane is *resolved* when the best lane beats every other lane by
   ``min_lane_margin`` nats (and, with UWB, the phone was close to both anchors of that lane
   around the crossing). Whether resolved or not, the *candidates* are the lanes in which the
   crossing would still beat every non-crossing explanation by the margin: the side margin
   less the lane's shortfall against the best lane. The radio cannot pick among them (BLE alone
   does not tell 0.9 m lanes apart), but only a lane-sensor passage in a candidate lane may
   confirm the crossing: the question the sensors put is "did this phone make *that* passage",
   and a bystander standing in the next lane is heard in their own lane for seconds.

Pure: stdlib, NumPy and the compiled track passes (``_tracks.py``, Numba). ``detect`` decides one
window; ``detect_batch`` decides many at once with the same arithmetic (vectorised over windows),
which is what the benchmark uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from ._tracks import backtrack, forward
from .model import Decision, Direction, FloatArray, GateArray, ReadingBatch, ReadingWindow, RefusalReason

F32 = npt.NDArray[np.float32]
IntArr = npt.NDArray[np.int64]
BoolArr = npt.NDArray[np.bool_]
NEG = np.float32(-1e30)

# Class indices of the side question.
IN, OUT, STAY_UNPAID, STAY_PAID = 0, 1, 2, 3
CLASS_LABELS = ("IN", "OUT", "STAY_UNPAID", "STAY_PAID")
DIRECTIONS: tuple[Direction, Direction] = ("in", "out")


@dataclass(frozen=True)
class DetectorConfig:
    dt: float = 0.5
    """Bin width, seconds. Tracks move at most two rows of 0.5 m a bin: at most 2 m/s along."""
    window: float = 30.0
    """Seconds of readings considered from ``t0``; later readings are ignored."""
    row_step: float = 0.5
    """Row spacing up to ``fine_y`` from the gate line; 1 m up to ``mid_y``, 2 m beyond."""
    fine_y: float = 2.5
    mid_y: float = 8.0
    y_extent: float = 16.0
    """The grid runs from ``-y_extent`` to ``+y_extent``; its end rows stand for "that far or further"."""
    x_margin: float = 2.7
    """Grid columns (``pitch / 2`` apart) modelled beyond each end cabinet."""
    deep_y: float = 5.0
    """``IN``/``OUT`` tracks start and end at least this far from the gate line (people waiting or
    walking along the array stay within about 2.2 m of it); a staying track may come as close as
    the cabinets' far ends (0.75 m), i.e. into a lane and back."""
    deep_x: float = 2.5
    """... and within this distance of the array's ends across (see ``build_grid``)."""
    p0: float = -59.0
    """Expected RSSI at 1 m, dBm."""
    path_loss_n: float = 2.5
    back_loss_db: float = 10.0
    """Cabinet shielding behind a gate beacon's antenna (zone beacons are omnidirectional)."""
    phone_z: float = 0.95
    shadow_db: float = 10.0
    """Body shadow templates: besides the plain model, every cell is also scored with the beacons
    beyond the phone along +y (or -y) this many dB weaker -- the owner's body between the phone
    and the beacons ahead of or behind them (a bag behind, a phone held in front)."""
    shadow_cost: float = 1.0
    """Nats a shadow template costs against the plain model."""
    census_cap: float = 3.0
    """Censoring term: nats at most that one beacon's being heard (or not) in a bin can cost a
    cell (0 turns the term off)."""
    sensitivity_dbm: float = -95.0
    """The phone's assumed sensitivity for the censoring term."""
    detect_p: float = 0.7
    """Assumed chance that an advertisement above the sensitivity is received."""
    adv_interval: float = 0.1
    """Beacons' advertising interval, seconds (a bin holds ``dt / adv_interval`` advertisements)."""
    sigma_rssi_db: float = 9.0
    offset_prior_db: float = -5.0
    offset_prior_sd_db: float = 8.0
    bin_cap: float = 0.0
    """Largest log-likelihood difference (nats) one bin can make between two cells (0: no cap)."""
    sigma_uwb_m: float = 0.3
    sigma_uwb_nlos_m: float = 0.6
    uwb_cap: float = 8.0
    """Largest cost (nats) one UWB range can add to a cell."""
    move_cost_y: tuple[float, float] = (0.2, 0.8)
    """Nats charged for moving one / two rows in a bin (a smoothness prior)."""
    move_cost_x: tuple[float, float] = (0.3, 1.0)
    """Nats charged for moving one / two columns (half a lane pitch each) in a bin."""
    min_margin: float = 30.0
    """Nats the crossing must beat every other class by, for a phone with UWB ranges, before a
    lane-sensor passage may confirm it (``sensors.confirm``). Calibrated on seeds 103-106, not the
    benchmark's: bystanders in the next lane whose crossing matched an evader's passage had at
    most 11 nats; passers lose 0.2 % between 0 and 30 (docs/metro-tagless.md "Calibration")."""
    min_margin_ble_only: float = 30.0
    """The same for a phone with BLE only."""
    min_lane_margin: float = 8.0
    """Nats the resolved lane must beat every other lane by; phones with UWB also need the bracket."""
    min_lane_margin_ble_only: float = float("inf")
    """BLE alone does not resolve 0.9 m lanes safely (on the calibration seeds a margin of 30 nats
    still named a wrong lane in 11 of 599 cases), so a BLE-only phone's lane is always left to
    the lane sensors."""
    lane_keeps_margin: bool = True
    """The candidate lanes are those in which the crossing still beats every non-crossing
    explanation by the margin: lane ``k`` is a candidate when ``margin - (best lane score - lane
    k score) >= min_margin`` (``min_margin_ble_only`` without UWB). Only a sensor passage in a
    candidate lane may confirm. False: every lane is a candidate (the calibration's setting)."""
    lane_band_m: float = 1.25
    """Bins of the track within this distance of the gate line are used for the lane."""
    bracket_range_m: float = 0.80
    """UWB: the phone's mean range to each of the two anchors bracketing the lane ..."""
    bracket_window_s: float = 0.75
    """... over the bins within this many seconds of the crossing (at least two of them) must be at
    most ``bracket_range_m``."""
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
    lane_cols: IntArr  # (K,) centre column of each lane
    zone_rows: npt.NDArray[np.bool_]  # (rows,) rows inside the cabinet zone
    late_weight: F32  # (cells,) 0 on the grid's edge, 1 inside
    allowed: npt.NDArray[np.bool_]  # (4 classes, rows) rows a track of the class may visit
    start: npt.NDArray[np.bool_]  # (4, rows, cols) cells it may start in
    end: npt.NDArray[np.bool_]  # (4, rows, cols) cells it may end in
    expected_rssi_t: F32  # (templates, B, cells)
    expected_rssi_sq_t: F32
    heard_minus_missed_t: F32  # (templates, B, cells) log P(heard in a bin) - log P(missed)
    missed_t: F32  # (templates, 1, cells) sum over beacons of log P(missed)
    expected_range: F32  # (cells, K + 1)


@lru_cache(maxsize=16)
def build_grid(gates: GateArray, config: DetectorConfig) -> Grid:
    step = gates.pitch / 2
    last = 2 * (gates.lanes - 1)  # lane k's centre is column index 2k (x = k * pitch)
    extra = round(config.x_margin / step)
    j = np.arange(-1 - extra, last + 2 + extra)
    half_rows = np.concatenate(
        [
            np.arange(config.row_step, config.fine_y + 1e-9, config.row_step),
            np.arange(np.floor(config.fine_y) + 1, config.mid_y + 1e-9, 1.0),
            np.arange(config.mid_y + 2, config.y_extent + 1e-9, 2.0),
        ]
    )
    x = (j * step).astype(np.float64)
    y = np.concatenate([-half_rows[::-1], [0.0], half_rows]).astype(np.float64)
    in_zone = np.abs(y) <= gates.cabinet_length / 2 + 1e-9
    in_array = (j >= -1) & (j <= last + 1)
    cabinet = in_array & (np.mod(j, 2) == 1)
    fence = np.abs(y) < 1.5 * config.row_step  # three rows: a track (<= 2 rows a bin) cannot jump it
    blocked = (in_zone[:, None] & cabinet[None, :]) | (fence[:, None] & ~in_array[None, :])
    gx, gy = np.meshgrid(x, y)
    cells = np.stack([gx.ravel(), gy.ravel()], axis=1)
    bxyz = gates.beacon_xyz
    dxy = cells[:, None, :] - bxyz[None, :, :2]
    planar = np.hypot(dxy[..., 0], dxy[..., 1])
    dist = np.maximum(np.sqrt(planar**2 + (config.phone_z - bxyz[None, :, 2]) ** 2), 0.2)
    facing = gates.beacon_facing[None, :]
    cos_theta = facing * dxy[..., 0] / np.maximum(planar, 0.05)
    gain = np.where(facing != 0, -config.back_loss_db * (1 - cos_theta) / 2, 0.0)
    plain = config.p0 - 10 * config.path_loss_n * np.log10(dist) + gain  # (cells, B)
    # Body shadow templates: the beacons on one side of a half-plane through the phone (ahead of
    # or behind its owner walking through the gates) are ``shadow_db`` weaker. (Templates for
    # walking along x were tried and changed nothing on the calibration seeds.)
    gap_y = bxyz[None, :, 1] - cells[:, None, 1]
    shadows = [gap_y > 0.3, gap_y < -0.3]
    expected = np.stack([plain, *(plain - config.shadow_db * sh for sh in shadows)]).transpose(0, 2, 1)
    # Whether a beacon is heard in a bin at all is evidence too (censoring at the phone's
    # sensitivity): a near beacon unheard for a whole bin is unlikely, a far one heard is unlikely.
    # P(one advertisement heard) = detect_p * P(RSSI >= sensitivity), RSSI ~ N(expected + prior
    # offset, sigma); a bin is "heard" when any of its advertisements is.
    z = (expected + config.offset_prior_db - config.sensitivity_dbm) / config.sigma_rssi_db
    q = 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))
    per_ad = np.clip(config.detect_p * q, 1e-6, 1 - 1e-6)
    ads = config.dt / config.adv_interval
    log_missed = ads * np.log1p(-per_ad)
    cap = config.census_cap if config.census_cap > 0 else 0.0
    missed = np.maximum(log_missed, -cap)
    heard = np.maximum(np.log1p(-np.exp(log_missed)), -cap)
    axyz = gates.anchor_xyz
    ranges = np.sqrt(
        (cells[:, None, 0] - axyz[None, :, 0]) ** 2
        + (cells[:, None, 1] - axyz[None, :, 1]) ** 2
        + (config.phone_z - axyz[None, :, 2]) ** 2
    )
    half = gates.cabinet_length / 2 + 1e-9
    deep = config.deep_y - 1e-9
    everywhere = np.ones_like(y, dtype=bool)
    allowed = np.stack([everywhere, everywhere, y <= half, y >= -half])
    # A crossing track starts and ends deep on its sides *in front of the array* (a rider heading
    # for or leaving a lane is within ``deep_x`` of the array's ends there); a staying track anywhere.
    front = (x >= gates.array_x_min - config.deep_x) & (x <= gates.array_x_max + config.deep_x)
    anywhere = np.ones((len(y), len(x)), dtype=bool)

    def deep_rows(rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        return np.asarray(rows[:, None] & front[None, :])

    start = np.stack([deep_rows(y <= -deep), deep_rows(y >= deep), anywhere, anywhere])
    end = np.stack([deep_rows(y >= deep), deep_rows(y <= -deep), anywhere, anywhere])
    return Grid(
        rows=len(y),
        cols=len(x),
        x=x,
        y=y,
        blocked=blocked,
        lane_cols=np.arange(gates.lanes) * 2 + (1 + extra),
        zone_rows=in_zone,
        late_weight=np.asarray(
            ~((np.abs(gy) >= y.max() - 1e-9) | (gx <= x.min() + 1e-9) | (gx >= x.max() - 1e-9)), dtype=np.float32
        ).ravel(),
        allowed=allowed,
        start=start,
        end=end,
        expected_rssi_t=np.ascontiguousarray(expected, dtype=np.float32),
        expected_rssi_sq_t=np.ascontiguousarray(expected**2, dtype=np.float32),
        heard_minus_missed_t=np.ascontiguousarray(heard - missed, dtype=np.float32),
        missed_t=np.ascontiguousarray(missed.sum(axis=1, keepdims=True), dtype=np.float32),
        expected_range=ranges.astype(np.float32),
    )


@dataclass(frozen=True)
class _Binned:
    rssi: F32  # (N, T, B) mean, 0 where missing
    mask: F32  # (N, T, B)
    uwb: F32  # (N, T, K + 1)
    uwb_mask: F32


def _bin(batch: ReadingBatch, n_beacons: int, n_anchors: int, config: DetectorConfig) -> _Binned:
    n, bins = batch.size, config.bins

    def grid_mean(window: IntArr, t: FloatArray, key: IntArr, value: FloatArray, width: int) -> tuple[F32, F32]:
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
    m, o = binned.mask, binned.rssi
    n, t, b = m.shape
    m2 = m.reshape(n * t, b)
    mo = (m * o).reshape(n * t, b)
    s_o = (m * o).sum(-1).reshape(n * t, 1)
    s_oo = (m * o * o).sum(-1).reshape(n * t, 1)
    count = m2.sum(-1, keepdims=True)
    lam = np.float32((config.sigma_rssi_db / config.offset_prior_sd_db) ** 2)
    mu = np.float32(config.offset_prior_db)
    ll: F32 = np.full((n * t, e_count := grid.expected_rssi_t.shape[2]), NEG, dtype=np.float32)
    for k, e in enumerate(grid.expected_rssi_t):  # (B, C) per body-shadow template
        # Residual r = o - e; profile out a common offset delta ~ N(mu, sd):
        # f = sum r^2 + lam mu^2 - (sum r + lam mu)^2 / (count + lam), computed in place.
        s_oe = mo @ e
        s_e = m2 @ e
        s_ee = m2 @ grid.expected_rssi_sq_t[k]
        s_oe *= 2
        s_ee -= s_oe
        s_ee += s_oo
        np.subtract(s_o, s_e, out=s_e)
        s_e += lam * mu
        np.square(s_e, out=s_e)
        s_e /= count + lam
        s_ee -= s_e
        s_ee += lam * mu * mu
        s_ee *= np.float32(-0.5 / config.sigma_rssi_db**2)
        if k:
            s_ee -= np.float32(config.shadow_cost)
        if config.census_cap > 0:
            s_ee += m2 @ grid.heard_minus_missed_t[k]
            s_ee += grid.missed_t[k]
        np.maximum(ll, s_ee, out=ll)
    ll = ll.reshape(n, t, e_count)
    rows = np.flatnonzero(binned.uwb_mask.any(axis=(1, 2)))
    if len(rows):
        # UWB through a body is late (non-line-of-sight), never early: a range longer than expected
        # costs little (sd ``sigma_uwb_nlos_m``), a shorter one the full Gaussian price; capped.
        r = binned.uwb[rows][:, :, None, :] - grid.expected_range[None, None]  # (n, T, C, K + 1)
        short, late = np.float32(0.5 / config.sigma_uwb_m**2), np.float32(0.5 / config.sigma_uwb_nlos_m**2)
        # Edge cells stand for "this far or further": a longer range costs nothing there.
        weight = np.where(r < 0, short, grid.late_weight[None, None, :, None] * late)
        np.square(r, out=r)
        r *= weight
        np.minimum(r, np.float32(config.uwb_cap), out=r)
        ll[rows] -= np.einsum("ntck,ntk->ntc", r, binned.uwb_mask[rows], optimize=True)
    if config.bin_cap > 0:
        # One bin can be an outlier (a burst of correlated shadowing, a reflection): no cell is
        # more than ``bin_cap`` nats worse than the bin's best cell.
        best = ll.max(axis=2, keepdims=True)
        np.maximum(ll, best - np.float32(config.bin_cap), out=ll)
    out = ll.reshape(n, t, grid.rows, grid.cols)
    out[:, :, grid.blocked] = NEG
    return out.astype(np.float32, copy=False)


@dataclass(frozen=True)
class _Side:
    score: npt.NDArray[np.float64]  # (N, 4) best track score per class
    track: IntArr  # (N, 2, T) rows of the best IN and OUT tracks
    track_col: IntArr  # (N, 2, T) their columns


def _side_tracks(ll: F32, grid: Grid, config: DetectorConfig) -> _Side:
    """Constrained max-product passes over the floor grid, one channel per class, with back-pointers
    (compiled in ``_tracks.py``).

    Walls and the fence are impassable (their cells score NEG, and the fence is three rows deep
    while a track moves at most two rows a bin); sideways a track moves at most two columns a bin,
    one inside the cabinet zone (so it cannot hop over a cabinet)."""
    n, bins, rows, cols = ll.shape
    zone = np.where(grid.zone_rows, NEG, np.float32(0)).astype(np.float32)  # no 2-column moves there
    allowed = np.where(grid.allowed, np.float32(0), NEG).astype(np.float32)  # (4, R)
    start = np.where(grid.start, np.float32(0), NEG)[None]
    alpha = np.ascontiguousarray(ll[:, 0, None] + start + allowed[None, :, :, None])  # (N, 4, R, X)
    back_x = np.zeros((bins, n, 2, rows, cols), dtype=np.int8)
    back_y = np.zeros((bins, n, 2, rows, cols), dtype=np.int8)
    forward(
        np.ascontiguousarray(ll),
        alpha,
        allowed,
        zone,
        np.array(config.move_cost_x, dtype=np.float32),
        np.array(config.move_cost_y, dtype=np.float32),
        NEG,
        back_x,
        back_y,
    )
    final = np.where(grid.end[None], alpha, NEG)
    score = final.reshape(n, 4, -1).max(axis=2).astype(np.float64)
    flat = final[:, :2].reshape(n, 2, -1).argmax(axis=2)
    track = np.empty((n, 2, bins), dtype=np.int64)
    track_col = np.empty((n, 2, bins), dtype=np.int64)
    backtrack(back_x, back_y, flat // cols, flat % cols, track, track_col)
    return _Side(score=score, track=track, track_col=track_col)


def _refine_crossing(binned: _Binned, gates: GateArray, tc_bin: FloatArray, cfg: DetectorConfig) -> FloatArray:
    """Crossing time (in bins) from the gate beacons: the power-weighted mean time of the lanes'
    unpaid-end beacons and that of their paid-end beacons, within 2 s of the track's crossing; the
    crossing is half-way between the two (the ends are equally far from the gate line)."""
    t_idx = np.arange(cfg.bins, dtype=np.float64)[None, :]
    near = np.abs(t_idx - tc_bin[:, None]) * cfg.dt <= 2.0

    def centroid(idx: IntArr) -> tuple[FloatArray, BoolArr]:
        m = binned.mask[:, :, idx]
        power = (np.power(10.0, binned.rssi[:, :, idx].astype(np.float64) / 10.0) * m).sum(-1) * near
        total = power.sum(1)
        return (power * t_idx).sum(1) / np.maximum(total, 1e-30), total > 0

    a, a_ok = centroid(gates.end_beacons("unpaid"))
    b, b_ok = centroid(gates.end_beacons("paid"))
    return np.where(a_ok & b_ok, (a + b) / 2, tc_bin)


def _bracket_check(binned: _Binned, lanes: int, tc_bin: FloatArray, cfg: DetectorConfig) -> BoolArr:
    """(N, K) UWB check per lane: around the crossing the phone's mean range to *both* anchors of
    the lane is short (a body only lengthens a UWB range). Windows without UWB pass every lane."""
    near = np.abs(np.arange(cfg.bins)[None, :] - tc_bin[:, None]) * cfg.dt <= cfg.bracket_window_s
    use = (binned.uwb_mask > 0) & near[:, :, None]  # (N, T, K + 1)
    count = use.sum(axis=1)
    mean = np.where(use, binned.uwb, 0).sum(axis=1) / np.maximum(count, 1)
    ok = (count >= 2) & (mean <= cfg.bracket_range_m)  # (N, K + 1)
    has_uwb = np.asarray(binned.uwb_mask.any(axis=(1, 2)))
    return np.asarray(~has_uwb[:, None] | (ok[:, :lanes] & ok[:, 1 : lanes + 1]))


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
    classes: npt.NDArray[np.float64]  # (N, 4)
    best: IntArr
    second: IntArr
    margin: npt.NDArray[np.float64]  # best crossing class over every other class
    confidence: npt.NDArray[np.float64]
    d: IntArr  # 0 in, 1 out: the better crossing class
    tc_bin: FloatArray
    crossed_at: FloatArray
    has_uwb: BoolArr
    informative: BoolArr
    lane_scores: npt.NDArray[np.float64]  # (N, K)
    bracketed: BoolArr  # (N, K)


def _analyse(batch: ReadingBatch, gates: GateArray, cfg: DetectorConfig) -> _Analysis:
    grid = build_grid(gates, cfg)
    binned = _bin(batch, gates.beacon_count, len(gates.anchor_xyz), cfg)
    ll = _emissions(binned, grid, cfg)  # (N, T, R, X)
    side = _side_tracks(ll, grid, cfg)
    n = batch.size
    classes = side.score
    best = classes.argmax(1)
    d = classes[:, :2].argmax(1)
    cross = classes[np.arange(n), d]
    others = classes.copy()
    others[np.arange(n), d] = -np.inf
    second = others.argmax(1)
    margin = cross - others[np.arange(n), second]
    confidence = 1.0 / np.exp(np.clip(classes - cross[:, None], -700, 700)).sum(1)
    track = side.track[np.arange(n), d]  # (N, T) rows
    ty = grid.y[track]
    at_line = np.abs(ty) <= cfg.row_step + 1e-9
    bins_idx = np.arange(cfg.bins, dtype=np.float64)[None, :]
    track_tc = (at_line * bins_idx).sum(1) / np.maximum(at_line.sum(1), 1)
    tc_bin = _refine_crossing(binned, gates, track_tc, cfg)
    crossed_at = batch.t0 + (tc_bin + 0.5) * cfg.dt
    # Lane: the track's bins near the gate line, scored at each lane's centre column.
    near = np.abs(ty) <= cfg.lane_band_m + 1e-9  # (N, T)
    at_row = np.take_along_axis(ll, track[:, :, None, None], axis=2)[:, :, 0, :]  # (N, T, X)
    per_lane = at_row[:, :, grid.lane_cols].astype(np.float64)  # (N, T, K)
    per_lane = np.maximum(per_lane, -1e6)
    lane_scores = (per_lane * near[:, :, None]).sum(1)
    bracketed = _bracket_check(binned, gates.lanes, tc_bin, cfg)
    has_uwb = np.asarray(binned.uwb_mask.any(axis=(1, 2)))
    informative = (binned.mask.sum(-1) >= cfg.min_beacons_per_bin).sum(1) >= cfg.min_informative_bins
    return _Analysis(
        binned=binned,
        classes=classes,
        best=best,
        second=second,
        margin=margin,
        confidence=confidence,
        d=d,
        tc_bin=tc_bin,
        crossed_at=crossed_at,
        has_uwb=has_uwb,
        informative=informative,
        lane_scores=lane_scores,
        bracketed=bracketed,
    )


def _need(a: _Analysis, w: int, cfg: DetectorConfig) -> float:
    return cfg.min_margin if a.has_uwb[w] else cfg.min_margin_ble_only


def _lane(a: _Analysis, w: int, cfg: DetectorConfig) -> tuple[int | None, float, tuple[int, ...]]:
    scores = a.lane_scores[w]
    order = np.argsort(-scores, kind="stable")
    best = int(order[0])
    lane_margin = float(scores[best] - scores[order[1]]) if len(order) > 1 else float("inf")
    need = cfg.min_lane_margin if a.has_uwb[w] else cfg.min_lane_margin_ble_only
    resolved = lane_margin >= need and bool(a.bracketed[w, best])
    slack = max(float(a.margin[w]) - _need(a, w, cfg), 0.0) if cfg.lane_keeps_margin else math.inf
    candidates = tuple(int(k) for k in order if scores[best] - scores[k] <= slack)
    return (best if resolved else None), (lane_margin if len(order) > 1 else 0.0), candidates


def _decide(batch: ReadingBatch, gates: GateArray, cfg: DetectorConfig) -> list[Decision]:
    a = _analyse(batch, gates, cfg)
    decisions: list[Decision] = []
    for w in range(batch.size):
        reason: RefusalReason | None = None
        need = _need(a, w, cfg)
        if not a.informative[w]:
            reason = "insufficient_data"
        elif a.best[w] >= STAY_UNPAID:
            reason = "no_crossing"
        elif a.margin[w] < need:
            reason = "inconsistent_direction" if a.second[w] < STAY_UNPAID else "low_confidence"
        lane, lane_margin, candidates = _lane(a, w, cfg)
        decisions.append(
            Decision(
                charged=reason is None,
                lane_id=lane,
                direction=DIRECTIONS[int(a.d[w])],
                crossed_at=float(a.crossed_at[w]),
                confidence=float(a.confidence[w]),
                margin=float(a.margin[w]),
                reason=reason,
                lane_margin=lane_margin,
                lane_candidates=candidates,
            )
        )
    return decisions


def explain_batch(
    batch: ReadingBatch, gates: GateArray, config: DetectorConfig | None = None
) -> list[dict[str, object]]:
    """Diagnostics for every window in ``batch`` (JSON-serialisable): the class scores, the margin,
    the lane scores and the UWB ranges near the crossing.

    Not used for deciding; the benchmark's ``--dump-false-charges`` writes these records.
    """
    cfg = config or DetectorConfig()
    out: list[dict[str, object]] = []
    for start in range(0, batch.size, cfg.batch_size):
        stop = min(start + cfg.batch_size, batch.size)
        a = _analyse(_slice(batch, start, stop), gates, cfg)
        for w in range(stop - start):
            lane, lane_margin, candidates = _lane(a, w, cfg)
            out.append(
                {
                    "has_uwb": bool(a.has_uwb[w]),
                    "classes": {label: round(float(a.classes[w, i]), 3) for i, label in enumerate(CLASS_LABELS)},
                    "best": CLASS_LABELS[int(a.best[w])],
                    "runner_up": CLASS_LABELS[int(a.second[w])],
                    "margin": round(float(a.margin[w]), 3),
                    "direction": DIRECTIONS[int(a.d[w])],
                    "crossed_at": float(a.crossed_at[w]),
                    "lane": lane,
                    "lane_margin": round(lane_margin, 3),
                    "lane_candidates": list(candidates),
                    "lane_scores": [round(float(s), 2) for s in a.lane_scores[w]],
                }
            )
    return out


__all__: Sequence[str] = ("DetectorConfig", "build_grid", "detect", "detect_batch", "explain_batch")
