"""Simulated phones at tagless gates, with ground truth.

Scenes of one or more people move along piecewise-linear paths (five waypoints) in the gate
array's frame. Every beacon advertises at ``adv_interval`` with a per-beacon phase and the BLE
advertising delay; each person's phone receives each advertisement with a probability, above a
sensitivity floor, with RSSI from a log-distance path-loss model::

    RSSI = P0_b + device - carry_loss - 10 n log10(d) + antenna(theta) - body_blocking + X_slow + X_fast

``X_slow`` is shadowing correlated in time (AR(1), time constant ``slow_tau_s``), ``X_fast``
independent per packet; together their standard deviation is the scene's sigma (plus extra for
pockets and bags). Bodies (the phone owner's and everyone else's in the scene) are discs that
attenuate a beacon's signal when they cut the line from phone to beacon. Phones with UWB also
range to the lane anchors (with NLOS bias when a body is in the way). Each person with a phone
yields one window of readings (one :class:`SimulatedEvent`). Everything is drawn from
``numpy.random.Generator``s seeded from the run's seed, so a run is reproducible, and chunks are
independent of each other so they can run in parallel.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .model import Decision, Direction, FloatArray, GateArray, IntArray, ReadingBatch, ReadingWindow
from .sensors import SensorPassage, confirm

SCENARIOS: tuple[str, ...] = (
    "clean",
    "pocket",
    "crowd",
    "linger",
    "walk_past",
    "turn_back",
    "neighbour",
    "paid_side",
)
PASSING_SCENARIOS = frozenset({"clean", "pocket", "crowd"})
"""Scenarios in which everyone passes. ``neighbour`` mixes one passer with one bystander standing
in the next lane; the other scenarios are bystanders only."""
BYSTANDER_SCENARIOS = frozenset({"linger", "walk_past", "turn_back", "paid_side"})
DEFAULT_MIX: Mapping[str, float] = {
    "clean": 0.25,
    "pocket": 0.15,
    "crowd": 0.2,
    "linger": 0.08,
    "walk_past": 0.08,
    "turn_back": 0.08,
    "neighbour": 0.08,
    "paid_side": 0.08,
}
CARRIES: tuple[str, ...] = ("hand", "pocket", "bag")
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SimParams:
    window: float = 30.0
    crossing_at: tuple[float, float] = (8.0, 12.0)
    """Where in the window a passer's crossing falls: the segmenter keeps about 8 s of readings on
    each side of the gate beacons' peak (docs/metro-tagless.md "Windows")."""
    adv_interval: float = 0.1
    adv_delay_max: float = 0.01
    path_loss_n: tuple[float, float] = (2.0, 3.5)
    sigma_db: tuple[float, float] = (4.0, 8.0)
    slow_share: float = 0.6
    """Share of the shadowing variance that is slow (correlated over ``slow_tau_s``)."""
    slow_tau_s: float = 1.0
    p0: float = -59.0
    p0_sd: float = 2.0
    """Per-beacon calibration error of P0."""
    device_sd: float = 3.0
    back_loss_db: float = 10.0
    body_loss_db: tuple[float, float] = (6.0, 14.0)
    body_radius: float = 0.17
    carry_mix: tuple[float, float, float] = (0.5, 0.3, 0.2)
    """hand, pocket, bag -- for every scenario except "pocket", which is all pocket/bag."""
    carry_loss_db: tuple[tuple[float, float], ...] = ((0.0, 0.0), (3.0, 8.0), (5.0, 12.0))
    carry_extra_sigma_db: tuple[float, float, float] = (0.0, 1.5, 2.5)
    rx_prob: tuple[float, float] = (0.55, 0.9)
    sensitivity_dbm: float = -95.0
    clock_jitter_s: tuple[float, float] = (0.005, 0.03)
    uwb_share: float = 0.3
    uwb_sigma_m: tuple[float, float] = (0.1, 0.3)
    uwb_nlos_bias_m: tuple[float, float] = (0.2, 1.0)
    uwb_max_range_m: float = 10.0
    uwb_rx_prob: float = 0.9
    speed: tuple[float, float] = (0.8, 1.7)
    far: float = 16.0
    """Passers come from and walk on to this far from the gate line (the street stairs and the
    platform stairs); they stand there when the window is longer than their walk."""
    sensor_miss: float = 0.001
    """Share of true passages the lane sensors miss (an assumption: no operator publishes it)."""
    sensor_jitter_s: float = 0.05
    """Standard deviation of a sensor passage's time against the true crossing."""
    neighbour_evader_share: float = 0.5
    """In ``neighbour`` scenes, the share of passers without a tagless phone (a fare evader, or a
    phone the gates cannot hear): their passage reaches the lane sensors and nobody claims it,
    the worst case for the bystander standing in the next lane."""
    neighbour_stand_s: tuple[float, float] = (1.5, 6.0)
    """How long the ``neighbour`` bystander stands in the next lane, seconds."""
    chunk: int = 2000
    """Windows generated per vectorised chunk."""


@dataclass(frozen=True)
class Truth:
    scenario: str
    passed: bool
    lane: int | None
    direction: Direction | None
    crossed_at: float | None
    carry: str
    uwb: bool


@dataclass(frozen=True)
class SimulatedEvent:
    window: ReadingWindow
    truth: Truth


@dataclass(frozen=True, eq=False)
class TruthArrays:
    scenario: IntArray  # index into SCENARIOS
    passed: BoolArray
    lane: IntArray  # -1 if not passed
    direction: IntArray  # 0 in, 1 out, -1 if not passed
    crossed_at: FloatArray  # nan if not passed
    carry: IntArray
    uwb: BoolArray
    scene: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    """The scene (within its chunk) each window belongs to."""

    def __len__(self) -> int:
        return len(self.passed)

    def __getitem__(self, i: int) -> Truth:
        passed = bool(self.passed[i])
        return Truth(
            scenario=SCENARIOS[int(self.scenario[i])],
            passed=passed,
            lane=int(self.lane[i]) if passed else None,
            direction=("in", "out")[int(self.direction[i])] if passed else None,
            crossed_at=float(self.crossed_at[i]) if passed else None,
            carry=CARRIES[int(self.carry[i])],
            uwb=bool(self.uwb[i]),
        )


@dataclass(frozen=True, eq=False)
class Passages:
    """Every true passage of a chunk's scenes, as the lanes' passage sensors would see it (the
    people without a window included): scene, lane, direction (0 in, 1 out), time."""

    scene: IntArray
    lane: IntArray
    direction: IntArray
    at: FloatArray


@dataclass(frozen=True, eq=False)
class SimBatch:
    readings: ReadingBatch
    truth: TruthArrays
    passages: Passages | None = None


@dataclass(frozen=True)
class Job:
    scenario: str
    windows: int
    seed: np.random.SeedSequence = field(compare=False)


def plan(n: int, seed: int, mix: Mapping[str, float] | None = None, params: SimParams | None = None) -> list[Job]:
    """Split ``n`` windows into independent chunks by scenario; the plan depends only on its arguments."""
    p = params or SimParams()
    mix = dict(DEFAULT_MIX if mix is None else mix)
    unknown = set(mix) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenarios: {sorted(unknown)}")
    weights = np.array([max(float(mix.get(s, 0.0)), 0.0) for s in SCENARIOS])
    if weights.sum() <= 0:
        raise ValueError("scenario mix must have a positive weight")
    root = np.random.SeedSequence(seed)
    counts = np.random.default_rng(root.spawn(1)[0]).multinomial(n, weights / weights.sum())
    jobs: list[Job] = []
    for name, count in zip(SCENARIOS, counts, strict=True):
        for start in range(0, int(count), p.chunk):
            jobs.append(Job(name, min(p.chunk, int(count) - start), np.random.SeedSequence(0)))
    children = root.spawn(len(jobs) + 1)[1:]
    return [Job(j.scenario, j.windows, c) for j, c in zip(jobs, children, strict=True)]


def simulate_batches(
    n: int,
    seed: int,
    mix: Mapping[str, float] | None = None,
    gates: GateArray | None = None,
    params: SimParams | None = None,
) -> Iterator[SimBatch]:
    g = gates or GateArray()
    p = params or SimParams()
    for job in plan(n, seed, mix, p):
        yield run_job(job, g, p)


def sensor_passages(batch: SimBatch) -> dict[int, list[SensorPassage]]:
    """What the lanes' sensors saw in each scene of a chunk."""
    out: dict[int, list[SensorPassage]] = {}
    if batch.passages is None:
        return out
    ps = batch.passages
    for scene, lane, d, at in zip(ps.scene, ps.lane, ps.direction, ps.at, strict=True):
        direction: Direction = "in" if d == 0 else "out"
        out.setdefault(int(scene), []).append(SensorPassage(int(lane), float(at), direction))
    return out


def confirm_batch(decisions: list[Decision], batch: SimBatch, tolerance: float = 1.0, seed: int = 0) -> list[Decision]:
    """``sensors.confirm`` per scene: the windows of a scene, in a random arrival order (only
    the margins decide who claims a passage first, never the order), against its passages."""
    sensed = sensor_passages(batch)
    scenes = batch.truth.scene
    by_scene: dict[int, list[int]] = {}
    for i in range(len(decisions)):
        by_scene.setdefault(int(scenes[i]) if len(scenes) else i, []).append(i)
    rng = np.random.default_rng(seed)
    out = list(decisions)
    for scene, idx in by_scene.items():
        arrival = [idx[k] for k in rng.permutation(len(idx))]
        confirmed = confirm([decisions[i] for i in arrival], sensed.get(scene, []), tolerance)
        for i, d in zip(arrival, confirmed, strict=True):
            out[i] = d
    return out


def simulate(
    n: int,
    seed: int,
    mix: Mapping[str, float] | None = None,
    gates: GateArray | None = None,
    params: SimParams | None = None,
) -> Iterator[SimulatedEvent]:
    """``n`` simulated phone windows with ground truth, reproducible from ``seed``."""
    for batch in simulate_batches(n, seed, mix, gates, params):
        for i in range(batch.readings.size):
            yield SimulatedEvent(batch.readings[i], batch.truth[i])


# --- scenes -------------------------------------------------------------------------------------


@dataclass
class _Scene:
    """S scenes x G people: waypoints (S, G, 5, 2), times (S, G, 5) and ground truth per person."""

    wp: FloatArray
    tau: FloatArray
    heading: FloatArray  # (S, G, 2) used while standing still
    active: BoolArray
    passed: BoolArray
    lane: IntArray
    direction: IntArray  # 0 in, 1 out
    crossed_at: FloatArray
    phone: BoolArray | None = None
    """Who carries a tagless phone (None: every active person). Someone without one still
    walks, blocks signals and passes the lane sensors."""


APPROACH = 0.6  # metres before/after the cabinets where walkers are lined up with the lane


def _u(rng: np.random.Generator, lo_hi: tuple[float, float], size: tuple[int, ...]) -> FloatArray:
    return rng.uniform(lo_hi[0], lo_hi[1], size)


def _passers(
    rng: np.random.Generator,
    gates: GateArray,
    p: SimParams,
    lane: IntArray,
    d: IntArray,
    tc: FloatArray,
    pause: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    shape = lane.shape
    sgn = np.where(d == 0, 1.0, -1.0)
    v = _u(rng, p.speed, shape)
    xk = lane * gates.pitch
    ya = gates.cabinet_length / 2 + APPROACH
    wp = np.empty((*shape, 5, 2))
    wp[..., 0, 0] = xk + _u(rng, (-2.5, 2.5), shape)
    wp[..., 0, 1] = -sgn * p.far
    wp[..., 1, 0] = xk + _u(rng, (-0.08, 0.08), shape)
    wp[..., 1, 1] = -sgn * ya
    wp[..., 2, :] = wp[..., 1, :]
    wp[..., 3, 0] = xk + _u(rng, (-0.08, 0.08), shape)
    wp[..., 3, 1] = sgn * ya
    wp[..., 4, 0] = xk + _u(rng, (-2.5, 2.5), shape)
    wp[..., 4, 1] = sgn * p.far
    tau = np.empty((*shape, 5))
    tau[..., 2] = tc - ya / v
    tau[..., 3] = tc + ya / v
    tau[..., 1] = tau[..., 2] - np.maximum(pause, 1e-3)
    tau[..., 0] = tau[..., 1] - np.hypot(*(wp[..., 1, :] - wp[..., 0, :]).transpose(-1, *range(len(shape)))) / v
    tau[..., 4] = tau[..., 3] + np.hypot(*(wp[..., 4, :] - wp[..., 3, :]).transpose(-1, *range(len(shape)))) / v
    return wp, tau


def _single(s: int) -> _Scene:
    return _Scene(
        wp=np.zeros((s, 1, 5, 2)),
        tau=np.zeros((s, 1, 5)),
        heading=np.tile([0.0, 1.0], (s, 1, 1)),
        active=np.ones((s, 1), dtype=bool),
        passed=np.zeros((s, 1), dtype=bool),
        lane=np.full((s, 1), -1),
        direction=np.full((s, 1), -1),
        crossed_at=np.full((s, 1), np.nan),
    )


def _scene(rng: np.random.Generator, scenario: str, s: int, gates: GateArray, p: SimParams) -> _Scene:
    k, w = gates.lanes, p.window
    if scenario in ("clean", "pocket"):
        sc = _single(s)
        lane = rng.integers(0, k, (s, 1))
        d = rng.integers(0, 2, (s, 1))
        tc = _u(rng, p.crossing_at, (s, 1))
        sc.wp, sc.tau = _passers(rng, gates, p, lane, d, tc, np.zeros((s, 1)))
        sc.passed[:], sc.lane, sc.direction, sc.crossed_at = True, lane, d, tc
        sc.heading[..., 1] = np.where(d == 0, 1.0, -1.0)
        return sc
    if scenario == "crowd":
        g = 4
        size = rng.integers(2, g + 1, s)
        follower = (size >= 3) & (rng.random(s) < 0.4)
        parallel = np.minimum(size - follower, k)
        size = parallel + follower
        k0 = rng.integers(0, k - parallel + 1)
        slot = np.arange(g)[None, :]
        lane = np.where(slot < parallel[:, None], k0[:, None] + slot, -1)
        d0 = rng.integers(0, 2, s)
        d = np.where(rng.random((s, g)) < 0.85, d0[:, None], 1 - d0[:, None])
        lo, hi = p.crossing_at
        tc0 = _u(rng, (lo, lo + 0.8), (s,))
        tc = np.maximum(tc0[:, None] + _u(rng, (-0.5, 0.5), (s, g)), lo)
        pause = np.zeros((s, g))
        fslot = parallel  # the follower's slot (only used where follower)
        rows = np.flatnonzero(follower)
        lane[rows, fslot[rows]] = lane[rows, 0]
        d[rows, fslot[rows]] = d[rows, 0]
        tc[rows, fslot[rows]] = np.minimum(tc[rows, 0] + _u(rng, (0.9, 1.5), (len(rows),)), hi)
        pause[rows, fslot[rows]] = _u(rng, (0.0, 0.8), (len(rows),))
        active = slot < size[:, None]
        lane_safe = np.where(active, lane, 0)
        wp, tau = _passers(rng, gates, p, lane_safe, d, tc, pause)
        heading = np.zeros((s, g, 2))
        heading[..., 1] = np.where(d == 0, 1.0, -1.0)
        return _Scene(wp, tau, heading, active, active.copy(), lane_safe, d, tc)
    sc = _single(s)
    if scenario == "turn_back":
        lane = rng.integers(0, k, (s, 1))
        d = rng.integers(0, 2, (s, 1))
        sgn = np.where(d == 0, 1.0, -1.0)
        xk = lane * gates.pitch
        v = _u(rng, p.speed, (s, 1))
        ya = gates.cabinet_length / 2 + APPROACH
        turn_y = _u(rng, (-0.6, 0.6), (s, 1))  # up to the lane's far end (cabinets end at +-0.75)
        wp = sc.wp[:, 0]
        wp[:, 0] = np.c_[xk[:, 0] + _u(rng, (-2.5, 2.5), (s,)), -sgn[:, 0] * p.far]
        wp[:, 1] = np.c_[xk[:, 0] + _u(rng, (-0.08, 0.08), (s,)), -sgn[:, 0] * ya]
        wp[:, 2] = np.c_[xk[:, 0] + _u(rng, (-0.08, 0.08), (s,)), sgn[:, 0] * turn_y[:, 0]]
        wp[:, 3] = wp[:, 2]
        wp[:, 4] = np.c_[xk[:, 0] + _u(rng, (-2.5, 2.5), (s,)), -sgn[:, 0] * p.far]
        tau = sc.tau[:, 0]
        tau[:, 2] = _u(rng, (p.crossing_at[0] - 0.5, p.crossing_at[1]), (s,))
        tau[:, 1] = tau[:, 2] - np.hypot(*(wp[:, 2] - wp[:, 1]).T) / v[:, 0]
        tau[:, 0] = tau[:, 1] - np.hypot(*(wp[:, 1] - wp[:, 0]).T) / v[:, 0]
        tau[:, 3] = tau[:, 2] + _u(rng, (0.2, 3.0), (s,))
        tau[:, 4] = tau[:, 3] + np.hypot(*(wp[:, 4] - wp[:, 3]).T) / v[:, 0]
        sc.heading[..., 1] = sgn
        return sc
    if scenario == "linger":
        variant = rng.integers(0, 3, s)
        side = np.where(rng.random(s) < 0.5, -1.0, 1.0)
        lane = rng.integers(0, k, s)
        half = gates.cabinet_length / 2
        beside_x = np.where(
            side < 0, gates.array_x_min - _u(rng, (0.2, 1.0), (s,)), gates.array_x_max + _u(rng, (0.2, 1.0), (s,))
        )
        cx = np.select(
            [variant == 0, variant == 1],
            [beside_x, lane * gates.pitch + _u(rng, (-0.45, 0.45), (s,))],
            lane * gates.pitch + gates.pitch / 2 + _u(rng, (-0.1, 0.1), (s,)),
        )
        cy = np.select(
            [variant == 0, variant == 1],
            [_u(rng, (-1.2, 1.2), (s,)), side * _u(rng, (1.0, 2.2), (s,))],
            side * (half + _u(rng, (0.15, 0.5), (s,))),
        )
        wp = sc.wp[:, 0]
        wp[..., 0] = cx[:, None] + rng.normal(0, 0.12, (s, 5))
        wp[..., 1] = cy[:, None] + rng.normal(0, 0.12, (s, 5))
        keep_out = variant == 2
        wp[keep_out, :, 1] = side[keep_out, None] * np.maximum(np.abs(wp[keep_out, :, 1]), half + 0.1)
        sc.tau[:, 0] = np.linspace(0, w, 5)[None, :] + _u(rng, (-0.3, 0.3), (s, 5))
        sc.tau[:, 0].sort(axis=1)
        angle = _u(rng, (0, 2 * np.pi), (s,))
        sc.heading[:, 0] = np.c_[np.cos(angle), np.sin(angle)]
        return sc
    if scenario == "walk_past":
        variant = rng.integers(0, 2, s)
        v = _u(rng, p.speed, (s,))
        sgn = np.where(rng.random(s) < 0.5, -1.0, 1.0)  # which side of the gate line they stay on
        left = rng.random(s) < 0.5
        # Variant 0: walks up to the fence that closes the gate line beside the array (0.15-0.6 m
        # from it) and along it, away from the array. Variant 1: walks along the array 1.0-2.2 m
        # in front of it, on either side (the paid side: walking along the paid side).
        x_out = np.where(
            left, gates.array_x_min - _u(rng, (0.3, 1.5), (s,)), gates.array_x_max + _u(rng, (0.3, 1.5), (s,))
        )
        away = np.where(left, -1.0, 1.0)
        near = _u(rng, (0.15, 0.6), (s,))
        fence = np.stack(
            [
                np.c_[x_out + away * 0.5, -sgn * 6.0],
                np.c_[x_out, -sgn * 2.0],
                np.c_[x_out, -sgn * near],
                np.c_[x_out + away * 1.5, -sgn * near],
                np.c_[x_out + away * 4.0, -sgn * _u(rng, (0.3, 3.0), (s,))],
            ],
            axis=1,
        )
        y_par = sgn * _u(rng, (1.0, 2.2), (s,))
        x0 = np.where(sgn > 0, gates.array_x_min - 3.0, gates.array_x_max + 3.0)
        x1 = np.where(sgn > 0, gates.array_x_max + 3.0, gates.array_x_min - 3.0)
        frac = np.linspace(0, 1, 5)
        along = np.stack([x0[:, None] + frac[None, :] * (x1 - x0)[:, None], np.repeat(y_par[:, None], 5, 1)], axis=-1)
        wp = np.where((variant == 0)[:, None, None], fence, along)
        seg = np.hypot(*np.diff(wp, axis=1).transpose(2, 0, 1))  # (s, 4)
        cum = np.concatenate([np.zeros((s, 1)), np.cumsum(seg, axis=1)], axis=1) / v[:, None]
        # Closest approach (waypoint 2) somewhere in the middle of the window.
        mid = _u(rng, (p.crossing_at[0] - 1.0, p.crossing_at[1] + 1.0), (s,))
        sc.wp[:, 0] = wp
        sc.tau[:, 0] = mid[:, None] + cum - cum[:, 2:3]
        leg = wp[:, 4] - wp[:, 3]
        sc.heading[:, 0] = leg / np.maximum(np.hypot(leg[:, 0], leg[:, 1]), 1e-9)[:, None]
        return sc
    if scenario == "neighbour":
        return _neighbour(rng, s, gates, p)
    if scenario == "paid_side":
        return _paid_side(rng, s, gates, p)
    raise ValueError(f"unknown scenario {scenario!r}")


def _neighbour(rng: np.random.Generator, s: int, gates: GateArray, p: SimParams) -> _Scene:
    """A passer in lane ``k`` and a bystander who walks into lane ``k +- 1`` (from either side),
    stops somewhere between the lane's entry and just past the gate line (0.7 m before it to
    0.5 m beyond it) for ``neighbour_stand_s`` (1.5-6 s) around the passer's crossing, and backs
    out the way they came."""
    k = gates.lanes
    lane = rng.integers(0, k, s)
    step = np.where(rng.random(s) < 0.5, -1, 1)
    step = np.where(lane + step < 0, 1, np.where(lane + step >= k, -1, step)) if k > 1 else np.zeros(s, np.int64)
    other = lane + step
    d = rng.integers(0, 2, s)
    tc = _u(rng, p.crossing_at, (s,))
    wp_pass, tau_pass = _passers(rng, gates, p, lane[:, None], d[:, None], tc[:, None], np.zeros((s, 1)))
    # The bystander: same side as the passer's entry or the other side.
    side = np.where(rng.random(s) < 0.6, np.where(d == 0, 1.0, -1.0), np.where(d == 0, -1.0, 1.0))
    xk = other * gates.pitch
    ya = gates.cabinet_length / 2 + APPROACH
    stop = _u(rng, (-0.7, 0.5), (s,))
    v = _u(rng, p.speed, (s,))
    wp = np.empty((s, 5, 2))
    wp[:, 0] = np.c_[xk + _u(rng, (-2.5, 2.5), (s,)), -side * 6.0]
    wp[:, 1] = np.c_[xk + _u(rng, (-0.08, 0.08), (s,)), -side * ya]
    wp[:, 2] = np.c_[xk + _u(rng, (-0.08, 0.08), (s,)), side * stop]
    wp[:, 3] = wp[:, 2] + rng.normal(0, 0.05, (s, 2))
    wp[:, 4] = np.c_[xk + _u(rng, (-2.5, 2.5), (s,)), -side * 6.0]
    stand = _u(rng, p.neighbour_stand_s, (s,))
    arrive = tc - _u(rng, (0.0, 1.0), (s,)) * stand
    tau = np.empty((s, 5))
    tau[:, 2] = arrive
    tau[:, 1] = arrive - np.hypot(*(wp[:, 2] - wp[:, 1]).T) / v
    tau[:, 0] = tau[:, 1] - np.hypot(*(wp[:, 1] - wp[:, 0]).T) / v
    tau[:, 3] = arrive + stand
    tau[:, 4] = tau[:, 3] + np.hypot(*(wp[:, 4] - wp[:, 3]).T) / v
    heading = np.zeros((s, 2, 2))
    heading[:, 0, 1] = np.where(d == 0, 1.0, -1.0)
    heading[:, 1, 1] = side
    return _Scene(
        wp=np.stack([wp_pass[:, 0], wp], axis=1),
        tau=np.stack([tau_pass[:, 0], tau], axis=1),
        heading=heading,
        active=np.ones((s, 2), dtype=bool),
        phone=np.c_[rng.random(s) >= p.neighbour_evader_share, np.ones(s, dtype=bool)],
        passed=np.c_[np.ones(s, dtype=bool), np.zeros(s, dtype=bool)],
        lane=np.c_[lane, np.zeros(s, np.int64)],
        direction=np.c_[d, np.zeros(s, np.int64)],
        crossed_at=np.c_[tc, np.full(s, np.nan)],
    )


def _paid_side(rng: np.random.Generator, s: int, gates: GateArray, p: SimParams) -> _Scene:
    """Three people on the paid side who never cross, each one of: (0) waiting just inside the
    gate line (0.8-2.5 m in, facing anywhere, shifting about), (1) walking along the paid side
    0.8-3 m from the gate line, (2) an alighted passenger milling about near the gates (slow walk
    between random points 0.8-5 m in, which may bring them right up to a lane's exit)."""
    g = 3
    variant = rng.integers(0, 3, (s, g))
    lo_x, hi_x = gates.array_x_min, gates.array_x_max
    # (0) waiting
    cx = _u(rng, (lo_x - 1.0, hi_x + 1.0), (s, g))
    cy = _u(rng, (0.8, 2.5), (s, g))
    wait = np.stack([cx, cy], axis=-1)[:, :, None, :] + rng.normal(0, 0.2, (s, g, 5, 2))
    wait[..., 1] = np.maximum(wait[..., 1], 0.8)
    # (1) walking along
    y_par = _u(rng, (0.8, 3.0), (s, g))
    rightwards = rng.random((s, g)) < 0.5
    x0 = np.where(rightwards, lo_x - 3.0, hi_x + 3.0)
    x1 = np.where(rightwards, hi_x + 3.0, lo_x - 3.0)
    frac = np.linspace(0, 1, 5)
    along = np.stack(
        [x0[..., None] + frac * (x1 - x0)[..., None], y_par[..., None] + rng.normal(0, 0.1, (s, g, 5))], axis=-1
    )
    # (2) milling
    mill = np.stack([_u(rng, (lo_x - 1.0, hi_x + 1.0), (s, g, 5)), _u(rng, (0.8, 12.0), (s, g, 5))], axis=-1)
    wp = np.where((variant == 0)[..., None, None], wait, np.where((variant == 1)[..., None, None], along, mill))
    speed = np.where(variant == 1, _u(rng, p.speed, (s, g)), _u(rng, (0.3, 1.0), (s, g)))
    seg = np.hypot(*np.diff(wp, axis=2).transpose(3, 0, 1, 2))  # (s, g, 4)
    cum = np.concatenate([np.zeros((s, g, 1)), np.cumsum(seg, axis=2)], axis=2) / speed[..., None]
    waiting_tau = np.linspace(0, p.window, 5) + _u(rng, (-0.3, 0.3), (s, g, 5))
    waiting_tau.sort(axis=2)
    start = _u(rng, (-0.5 * p.window, 0.5 * p.window), (s, g))
    tau = np.where((variant == 0)[..., None], waiting_tau, start[..., None] + cum)
    angle = _u(rng, (0, 2 * np.pi), (s, g))
    heading = np.stack([np.cos(angle), np.sin(angle)], axis=-1)
    return _Scene(
        wp=wp,
        tau=tau,
        heading=heading,
        active=np.ones((s, g), dtype=bool),
        passed=np.zeros((s, g), dtype=bool),
        lane=np.full((s, g), -1),
        direction=np.full((s, g), -1),
        crossed_at=np.full((s, g), np.nan),
    )


def _positions(sc: _Scene, t: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Body position and heading (unit vector) of every person at times ``t`` (A,): (S, G, A, 2) each."""
    tau = sc.tau[..., None, :]  # (S, G, 1, 5)
    seg = np.diff(sc.wp, axis=2)  # (S, G, 4, 2)
    dtau = np.maximum(np.diff(sc.tau, axis=2), 1e-9)  # (S, G, 4)
    tt = t[None, None, :, None]
    frac = np.clip((tt - tau[..., :4]) / dtau[:, :, None, :], 0.0, 1.0)  # (S, G, A, 4)
    pos = sc.wp[:, :, None, 0, :] + np.einsum("sgaj,sgjc->sgac", frac, seg)
    moving = (tt >= tau[..., :4]) & (tt < tau[..., 1:])
    vel = np.einsum("sgaj,sgjc->sgac", moving.astype(np.float64), seg / dtau[..., None])
    speed = np.hypot(vel[..., 0], vel[..., 1])[..., None]
    heading = np.where(speed > 0.2, vel / np.maximum(speed, 1e-9), sc.heading[:, :, None, :])
    return pos, heading


def _blocked(phone: FloatArray, target: FloatArray, body: FloatArray, r: float) -> BoolArray:
    """Whether the disc at ``body`` (…, 2) cuts the segments from ``phone`` (…, 1, 2) to ``target`` (T, 2).

    Computed per coordinate in float32 (the arrays are large; centimetre precision is plenty)."""
    f32 = np.float32
    px, py = phone[..., 0].astype(f32), phone[..., 1].astype(f32)
    ux = target[:, 0].astype(f32) - px
    uy = target[:, 1].astype(f32) - py
    wx = body[..., 0].astype(f32) - px
    wy = body[..., 1].astype(f32) - py
    uu = ux * ux
    uu += uy * uy
    np.maximum(uu, f32(1e-9), out=uu)
    s = wx * ux
    s += wy * uy
    s /= uu
    np.clip(s, f32(0.0), f32(1.0), out=s)
    ux *= s
    uy *= s
    np.subtract(wx, ux, out=ux)
    np.subtract(wy, uy, out=uy)
    ux *= ux
    uy *= uy
    ux += uy
    return np.asarray(ux < f32(r * r))


def run_job(job: Job, gates: GateArray, p: SimParams) -> SimBatch:
    rng = np.random.default_rng(job.seed)
    per_scene = {"crowd": 3.0, "neighbour": 2.0 - p.neighbour_evader_share, "paid_side": 3.0}.get(job.scenario, 1.0)
    s = job.windows if per_scene == 1.0 else max(1, int(np.ceil(job.windows / per_scene * 1.2)) + 2)
    sc = _scene(rng, job.scenario, s, gates, p)
    g = sc.active.shape[1]
    # Keep exactly job.windows windows (the first people in scene order); others stay as bodies.
    carrying = sc.active if sc.phone is None else sc.active & sc.phone
    order = np.cumsum(carrying.ravel()).reshape(carrying.shape)
    window_of = carrying & (order <= job.windows)
    if window_of.sum() < job.windows:
        raise RuntimeError("not enough simulated people; raise the scene count")

    n_adv = round(p.window / p.adv_interval) + 1
    t_geo = ((np.arange(n_adv) + 0.5) * p.adv_interval - p.adv_interval).astype(np.float64)
    body, heading = _positions(sc, t_geo)  # (S, G, A, 2)
    carry = rng.choice(3, size=(s, g), p=np.array(p.carry_mix) / sum(p.carry_mix))
    if job.scenario == "pocket":
        carry = rng.integers(1, 3, (s, g))
    fwd = np.array([0.3, 0.0, -0.25])[carry]
    lat = np.array([0.1, 0.2, 0.1])[carry] * np.where(rng.random((s, g)) < 0.5, -1.0, 1.0)
    z = np.array([1.1, 0.85, 1.0])[carry]
    perp = np.stack([-heading[..., 1], heading[..., 0]], axis=-1)
    phone = body + fwd[:, :, None, None] * heading + lat[:, :, None, None] * perp  # (S, G, A, 2)

    # The per-advertisement arrays are (S, G, A, B) -- tens of millions of values a chunk -- so
    # they are computed in float32, in place.
    f32 = np.float32
    bxyz = gates.beacon_xyz
    nb = len(bxyz)
    rx = phone[..., 0].astype(f32)[..., None] - bxyz[:, 0].astype(f32)  # (S, G, A, B)
    ry = phone[..., 1].astype(f32)[..., None] - bxyz[:, 1].astype(f32)
    planar = np.hypot(rx, ry)
    facing = gates.beacon_facing.astype(f32)
    # antenna gain: -back_loss * (1 - cos theta) / 2 for gate beacons, 0 for zone beacons
    gain = rx
    gain *= facing
    gain /= np.maximum(planar, f32(0.05))
    gain -= f32(1.0)
    gain *= f32(p.back_loss_db / 2) * np.abs(facing)
    dz = (z[:, :, None, None] - bxyz[:, 2]).astype(f32)
    dist = planar
    np.square(dist, out=dist)
    dist += np.square(dz)
    np.sqrt(dist, out=dist)
    np.maximum(dist, f32(0.1), out=dist)
    del ry

    body_db = _u(rng, p.body_loss_db, (s, 1, 1, 1)).astype(f32)
    n_blocking = np.zeros(dist.shape, dtype=f32)
    for other in range(g):
        cut = _blocked(phone[..., None, :], bxyz[:, :2], body[:, other, :, None, :][:, None], p.body_radius)
        n_blocking += cut & sc.active[:, None, other, None, None]
    n_blocking *= body_db
    body_loss = np.minimum(n_blocking, f32(25.0))

    n_exp = _u(rng, p.path_loss_n, (s, 1, 1, 1)).astype(f32)
    sigma = _u(rng, p.sigma_db, (s, 1)) + np.array(p.carry_extra_sigma_db)[carry]  # (S, G)
    lo = np.array([c[0] for c in p.carry_loss_db])[carry]
    hi = np.array([c[1] for c in p.carry_loss_db])[carry]
    carry_loss = rng.uniform(lo, hi)
    p0 = (p.p0 + rng.normal(0, p.p0_sd, (s, 1, 1, nb))).astype(f32)
    device = rng.normal(0, p.device_sd, (s, g))
    rho = f32(np.exp(-p.adv_interval / p.slow_tau_s))
    n_adv_b = (s, g, n_adv, nb)
    sig = sigma[:, :, None, None].astype(f32)
    # Shadowing: slow AR(1) part, then the fast part added in place.
    slow = rng.standard_normal(n_adv_b, dtype=f32)
    slow[:, :, 1:] *= f32(np.sqrt(1 - rho**2))
    for a in range(1, n_adv):
        slow[:, :, a] += rho * slow[:, :, a - 1]
    slow *= f32(np.sqrt(p.slow_share))
    fast = rng.standard_normal(n_adv_b, dtype=f32)
    fast *= f32(np.sqrt(1 - p.slow_share))
    slow += fast
    slow *= sig
    rssi = slow
    np.log10(dist, out=dist)
    dist *= f32(10) * n_exp
    rssi -= dist
    rssi += gain
    rssi -= body_loss
    rssi += p0
    rssi += (device - carry_loss)[:, :, None, None].astype(f32)
    del dist, gain, body_loss, fast, n_blocking
    rx_p = _u(rng, p.rx_prob, (s, g))[:, :, None, None].astype(f32)
    phase = rng.uniform(0, p.adv_interval, (s, 1, 1, nb)).astype(f32)
    jitter = _u(rng, p.clock_jitter_s, (s, g))[:, :, None, None].astype(f32)
    t = rng.random(n_adv_b, dtype=f32)
    t *= f32(p.adv_delay_max)
    t += (np.arange(n_adv, dtype=f32)[None, None, :, None] * f32(p.adv_interval) - f32(p.adv_interval)) + phase
    noise = rng.standard_normal(n_adv_b, dtype=f32)
    noise *= jitter
    t += noise
    del noise
    got = rng.random(n_adv_b, dtype=f32) < rx_p
    got &= window_of[:, :, None, None]
    got &= rssi >= f32(p.sensitivity_dbm)
    got &= t >= 0
    got &= t < f32(p.window)

    # UWB: each anchor ranged at half the advertising rate.
    has_uwb = window_of & (rng.random((s, g)) < p.uwb_share) & gates.uwb
    axyz = gates.anchor_xyz
    geo = slice(0, n_adv, 2)
    ph = phone[:, :, geo]
    arel = ph[..., None, :] - axyz[None, None, None, :, :2]
    arange_true = np.sqrt((arel**2).sum(-1) + (z[:, :, None, None] - axyz[:, 2]) ** 2)
    nlos = np.zeros(arange_true.shape, dtype=bool)
    for other in range(g):
        cut = _blocked(ph[..., None, :], axyz[:, :2], body[:, other, geo, None, :][:, None], p.body_radius)
        nlos |= cut & sc.active[:, None, other, None, None]
    uwb_sd = _u(rng, p.uwb_sigma_m, (s, g))[:, :, None, None]
    ranged = (
        arange_true
        + rng.standard_normal(arange_true.shape) * uwb_sd
        + nlos * _u(rng, p.uwb_nlos_bias_m, arange_true.shape)
    )
    ut = (
        np.arange(0, n_adv, 2)[None, None, :, None] * p.adv_interval
        - p.adv_interval
        + rng.uniform(0, 2 * p.adv_interval, (s, 1, 1, len(axyz)))
        + rng.normal(0, 1, ranged.shape) * jitter
    )
    ugot = (
        has_uwb[:, :, None, None]
        & (arange_true < p.uwb_max_range_m)
        & (rng.random(ranged.shape) < p.uwb_rx_prob)
        & (ut >= 0)
        & (ut < p.window)
    )

    # Flatten: window ids in scene-major, person-minor order (increasing along readings).
    win_id = np.cumsum(window_of.ravel()).reshape(s, g) - 1
    offset = rng.uniform(0, 10_000, s)  # each scene happens at some time of day
    si, gi, ai, bi = np.nonzero(got)
    usi, ugi, uai, uki = np.nonzero(ugot)
    n_win = int(window_of.sum())
    wsel = np.nonzero(window_of)
    readings = ReadingBatch(
        t0=offset[wsel[0]],
        window=win_id[si, gi],
        t=t[si, gi, ai, bi].astype(np.float64) + offset[si],
        beacon=bi.astype(np.int64),
        rssi=np.round(rssi[si, gi, ai, bi]).astype(np.float64),  # phones report whole dBm
        uwb_window=win_id[usi, ugi],
        uwb_t=ut[usi, ugi, uai, uki] + offset[usi],
        uwb_anchor=uki.astype(np.int64),
        uwb_range=np.maximum(ranged[usi, ugi, uai, uki], 0.0),
    )
    assert n_win == job.windows  # noqa: S101 -- internal invariant of the scene count above
    truth = TruthArrays(
        scenario=np.full(n_win, SCENARIOS.index(job.scenario)),
        passed=sc.passed[wsel],
        lane=np.where(sc.passed[wsel], sc.lane[wsel], -1),
        direction=np.where(sc.passed[wsel], sc.direction[wsel], -1),
        crossed_at=np.where(sc.passed[wsel], sc.crossed_at[wsel] + offset[wsel[0]], np.nan),
        carry=carry[wsel],
        uwb=has_uwb[wsel],
        scene=wsel[0].astype(np.int64),
    )
    seen = sc.active & sc.passed & (rng.random(sc.active.shape) >= p.sensor_miss)
    ps, pg = np.nonzero(seen)
    passages = Passages(
        scene=ps.astype(np.int64),
        lane=sc.lane[ps, pg].astype(np.int64),
        direction=sc.direction[ps, pg].astype(np.int64),
        at=sc.crossed_at[ps, pg] + offset[ps] + rng.normal(0, p.sensor_jitter_s, len(ps)),
    )
    return SimBatch(readings, truth, passages)
