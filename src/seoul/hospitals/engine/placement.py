"""Placing waiting patients in beds: a min-cost flow on OR-Tools, and the nearest-capable-bed
rule that is both the baseline it is measured against and its fallback.

The flow (ADR 19) sends each waiting patient either to a bed (hospital × tier) or to "waits".
Costs are ordered so that the solver, in this order,
(1) leaves as few patients waiting as it can, the most severe and longest-waiting placed first;
(2) avoids a bed above the patient's tier (kept for someone sicker, even if a bed of the tier
    is in another sub-region);
(3) keeps patients in their own medical sub-region — another region's bed only when their own
    has none of their tier, as the capital-area joint team did;
(4) lets an inpatient who was put in a bed above their tier step down to a bed of their own tier
    (in the same or another hospital) only when that serves (1)–(3);
(5) drives the fewest minutes.
A patient is only ever put in a bed of their tier or a higher one, at a hospital offering every
special need they have, and never beyond a bed manager's immediately available (staffed) beds.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from ortools.graph.python import min_cost_flow

from seoul.hospitals.engine.network import Need, Site, minutes, road_km
from seoul.hospitals.engine.report import TIERS, Tier

# Cost units are driving minutes (capped below 1,000); each rule outweighs all below it together.
WAIT = 100_000_000  # × (tier rank + 1): a critical patient waiting costs most
WAITED_DAY = 1_000_000  # per day already waited (up to 99), so earlier patients of a tier go first
UP_TIER = 200_000  # per tier above the patient's own: a scarcer bed taken
CROSS_REGION = 50_000
MOVE = 10_000
MAX_MINUTES = 999
DEFAULT_TIME_LIMIT = 2.0  # seconds
# A network with more arcs than this is solved in a child process that is stopped at the time
# limit; below it, in this process (no fork). Measured (benchmarks/hospitals_placement.py):
# 500 patients × 30 hospitals make 35,733 arcs (0.03 s in all); 2,000 × 100 make 496,671 (0.36 s).
IN_PROCESS_ARCS = 200_000


@dataclass(frozen=True)
class Waiting:
    id: str
    tier: Tier
    lat: float
    lon: float
    region: str
    needs: frozenset[Need] = frozenset()
    waited_days: int = 0


@dataclass(frozen=True)
class Inpatient:
    """A patient in a bed above their tier, who could step down to free it."""

    id: str
    tier: Tier
    hospital: str
    bed: Tier
    needs: frozenset[Need] = frozenset()


@dataclass(frozen=True)
class Assignment:
    patient: str
    tier: Tier
    hospital: str
    bed: Tier
    km: float
    minutes: float
    cross_region: bool

    @property
    def above_tier(self) -> int:
        return self.bed.rank - self.tier.rank


@dataclass(frozen=True)
class Move:
    patient: str
    tier: Tier
    from_hospital: str
    from_bed: Tier
    to_hospital: str
    to_bed: Tier
    km: float


class WaitReason(StrEnum):
    NO_CAPABLE_HOSPITAL = "no_capable_hospital"  # no hospital offers the patient's needs at their tier
    NO_FREE_BED = "no_free_bed"  # capable hospitals exist, none has a free staffed bed


@dataclass(frozen=True)
class Wait:
    patient: str
    reason: WaitReason


class Method(StrEnum):
    OPTIMISED = "optimised"
    NEAREST = "nearest"


@dataclass(frozen=True)
class Proposal:
    method: Method
    assignments: tuple[Assignment, ...]
    moves: tuple[Move, ...]
    waiting: tuple[Wait, ...]
    seconds: float
    fallback: str | None = None  # why the nearest rule answered instead of the solver

    @property
    def travel_km(self) -> float:
        return sum(a.km for a in self.assignments) + sum(m.km for m in self.moves)


class SolverFailed(RuntimeError):
    pass


Free = Mapping[tuple[str, Tier], int]


def place(
    waiting: Sequence[Waiting],
    sites: Sequence[Site],
    free: Free,
    *,
    inpatients: Sequence[Inpatient] = (),
    time_limit: float = DEFAULT_TIME_LIMIT,
    clock: Callable[[], float] = time.perf_counter,
) -> Proposal:
    """The solver's proposal; the nearest rule's, saying why, if the solver cannot answer in
    ``time_limit`` seconds or fails. OR-Tools' flow holds the GIL while it solves, so a large
    network is solved in a forked child that is killed when the time is up (ADR 19)."""
    start = clock()
    try:
        return _optimise(waiting, sites, free, inpatients, start, time_limit, clock)
    except SolverFailed as failure:
        fallback = nearest(waiting, sites, free, clock=clock)
        return Proposal(
            Method.NEAREST,
            fallback.assignments,
            (),
            fallback.waiting,
            clock() - start,
            fallback=str(failure),
        )


def nearest(
    waiting: Sequence[Waiting],
    sites: Sequence[Site],
    free: Free,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> Proposal:
    """First come, first served: each patient, longest waiting first (then in the given order),
    goes to the nearest hospital that can treat them and has a free staffed bed of their tier
    or above (the lowest such tier there). Regions are ignored; nobody is moved."""
    start = clock()
    left = dict(free)
    free_from = _free_at_or_above(left)
    order = sorted(range(len(waiting)), key=lambda i: -waiting[i].waited_days)
    assignments: list[Assignment] = []
    waits: list[Wait] = []
    km = np.zeros((len(waiting), len(sites)))
    if sites and waiting:
        km = road_km(
            np.array([p.lat for p in waiting])[:, None],
            np.array([p.lon for p in waiting])[:, None],
            np.array([s.lat for s in sites])[None, :],
            np.array([s.lon for s in sites])[None, :],
        )
    by_distance = np.argsort(km, axis=1, kind="stable")
    for i in order:
        p = waiting[i]
        chosen: tuple[int, Site, Tier] | None = None
        if free_from[p.tier.rank] > 0:
            for j in by_distance[i].tolist():
                site = sites[j]
                if not site.can_treat(p.needs):
                    continue
                bed = next((t for t in TIERS[p.tier.rank :] if left.get((site.code, t), 0) > 0), None)
                if bed is not None:
                    chosen = (j, site, bed)
                    break
        if chosen is None:
            waits.append(Wait(p.id, _wait_reason(p, sites)))
            continue
        j, site, bed = chosen
        left[site.code, bed] -= 1
        for rank in range(bed.rank + 1):
            free_from[rank] -= 1
        dist = float(km[i, j])
        assignments.append(
            Assignment(p.id, p.tier, site.code, bed, dist, float(minutes(dist)), site.region != p.region)
        )
    return Proposal(Method.NEAREST, tuple(assignments), (), tuple(waits), clock() - start)


def _free_at_or_above(free: Free) -> list[int]:
    """Free beds of each tier or any higher one, by tier rank."""
    per_tier = [sum(n for (_, t), n in free.items() if t is tier and n > 0) for tier in TIERS]
    return [sum(per_tier[rank:]) for rank in range(len(TIERS))]


def _wait_reason(p: Waiting, sites: Iterable[Site]) -> WaitReason:
    return WaitReason.NO_FREE_BED if any(s.can_treat(p.needs) for s in sites) else WaitReason.NO_CAPABLE_HOSPITAL


def _wait_cost(p: Waiting) -> int:
    return WAIT * (p.tier.rank + 1) + WAITED_DAY * min(max(p.waited_days, 0), 99)


def _optimise(
    waiting: Sequence[Waiting],
    sites: Sequence[Site],
    free: Free,
    inpatients: Sequence[Inpatient],
    start: float,
    time_limit: float,
    clock: Callable[[], float],
) -> Proposal:
    index = {s.code: k for k, s in enumerate(sites)}
    n_sites, n_tiers = len(sites), len(TIERS)
    capacity = np.zeros((n_sites, n_tiers), dtype=np.int64)
    for (code, tier), n in free.items():
        if code in index and n > 0:
            capacity[index[code], tier.rank] += n
    for q in inpatients:
        if q.hospital not in index:
            raise SolverFailed(f"inpatient {q.id} is at {q.hospital}, which is not in the network")
        capacity[index[q.hospital], q.bed.rank] += 1  # the bed they hold counts as theirs to keep
    n_p, n_q = len(waiting), len(inpatients)
    bed_node = np.full((n_sites, n_tiers), -1, dtype=np.int64)
    beds = np.argwhere(capacity > 0)
    bed_node[beds[:, 0], beds[:, 1]] = n_p + n_q + np.arange(len(beds))
    sink = n_p + n_q + len(beds)

    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    costs: list[np.ndarray] = []
    caps: list[np.ndarray] = []

    def arcs(tail: np.ndarray, head: np.ndarray, cost: np.ndarray, cap: np.ndarray | int = 1) -> None:
        tails.append(tail.astype(np.int64))
        heads.append(head.astype(np.int64))
        costs.append(cost.astype(np.int64))
        caps.append(np.broadcast_to(np.asarray(cap, dtype=np.int64), tail.shape))

    site_lat = np.array([s.lat for s in sites], dtype=np.float64)
    site_lon = np.array([s.lon for s in sites], dtype=np.float64)
    site_region = np.array([s.region for s in sites], dtype=object)
    treats = _treats(sites, [p.needs for p in waiting] + [q.needs for q in inpatients])

    km = np.zeros((n_p, n_sites))
    if n_p:
        p_lat = np.array([p.lat for p in waiting])
        p_lon = np.array([p.lon for p in waiting])
        km = road_km(p_lat[:, None], p_lon[:, None], site_lat[None, :], site_lon[None, :])
        drive = np.minimum(np.ceil(minutes(km)), MAX_MINUTES).astype(np.int64)
        cross = np.array([p.region for p in waiting], dtype=object)[:, None] != site_region[None, :]
        p_rank = np.array([p.tier.rank for p in waiting])
        can = np.array([treats[p.needs] for p in waiting]).reshape(n_p, n_sites)
        for t in range(n_tiers):
            ok = can & (p_rank[:, None] <= t) & (bed_node[None, :, t] >= 0)
            pi, si = np.nonzero(ok)
            cost = drive[pi, si] + CROSS_REGION * cross[pi, si].astype(np.int64) + UP_TIER * (t - p_rank[pi])
            arcs(pi, bed_node[si, t], cost)
        arcs(np.arange(n_p), np.full(n_p, sink), np.array([_wait_cost(p) for p in waiting]))
    for k, q in enumerate(inpatients):
        node = np.array([n_p + k])
        home = index[q.hospital]
        arcs(node, np.array([bed_node[home, q.bed.rank]]), np.zeros(1))
        step_km = road_km(site_lat[home], site_lon[home], site_lat, site_lon)
        for t in range(q.tier.rank, q.bed.rank):
            to = np.nonzero((bed_node[:, t] >= 0) & treats[q.needs])[0]
            arcs(
                np.full(len(to), n_p + k),
                bed_node[to, t],
                MOVE + np.minimum(np.ceil(minutes(step_km[to])), MAX_MINUTES).astype(np.int64),
            )
    arcs(
        bed_node[beds[:, 0], beds[:, 1]],
        np.full(len(beds), sink),
        np.zeros(len(beds)),
        capacity[beds[:, 0], beds[:, 1]],
    )

    if clock() - start > time_limit:
        raise SolverFailed(f"building the network took longer than the {time_limit:g} s limit")
    tail, head = np.concatenate(tails), np.concatenate(heads)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[: n_p + n_q] = 1
    supplies[sink] = -(n_p + n_q)
    network = (tail, head, np.concatenate(caps), np.concatenate(costs), supplies)
    if len(tail) <= IN_PROCESS_ARCS:
        used = _solve(*network)
    else:
        used = _solve_in_child(network, time_limit - (clock() - start), time_limit)

    node_bed: dict[int, tuple[int, Tier]] = {int(bed_node[s, t]): (int(s), TIERS[t]) for s, t in beds}
    assignments: list[Assignment] = []
    moves: list[Move] = []
    placed: set[int] = set()
    for a_tail, a_head in zip(tail[used].tolist(), head[used].tolist(), strict=True):
        if a_head == sink:
            continue
        site_index, bed = node_bed[a_head]
        site = sites[site_index]
        if a_tail < n_p:
            p = waiting[a_tail]
            dist = float(km[a_tail, site_index])
            assignments.append(
                Assignment(p.id, p.tier, site.code, bed, dist, float(minutes(dist)), site.region != p.region)
            )
            placed.add(a_tail)
        else:
            q = inpatients[a_tail - n_p]
            if site.code != q.hospital or bed != q.bed:
                origin = sites[index[q.hospital]]
                dist = float(road_km(origin.lat, origin.lon, site.lat, site.lon))
                moves.append(Move(q.id, q.tier, q.hospital, q.bed, site.code, bed, dist))
    waits = tuple(Wait(p.id, _wait_reason(p, sites)) for i, p in enumerate(waiting) if i not in placed)
    return Proposal(Method.OPTIMISED, tuple(assignments), tuple(moves), waits, clock() - start)


def _solve(
    tail: np.ndarray, head: np.ndarray, capacity: np.ndarray, cost: np.ndarray, supplies: np.ndarray
) -> np.ndarray:
    """Which arcs carry flow in the optimal solution."""
    flow = min_cost_flow.SimpleMinCostFlow()
    arc_ids = flow.add_arcs_with_capacity_and_unit_cost(tail, head, capacity, cost)
    flow.set_nodes_supplies(np.arange(len(supplies)), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverFailed(f"the flow solver answered {status!r}")
    used: np.ndarray = flow.flows(arc_ids) > 0
    return used


Network = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _solve_and_send(send: multiprocessing.connection.Connection, network: Network) -> None:
    try:
        send.send(("used", np.flatnonzero(_solve(*network))))
    except SolverFailed as failure:
        send.send(("failed", str(failure)))
    finally:
        send.close()


def _solve_in_child(network: Network, seconds: float, limit: float) -> np.ndarray:
    """``_solve`` in a forked process, killed if it has not answered within ``seconds``."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_solve_and_send, args=(send, network), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(max(seconds, 0.0)):
            raise SolverFailed(f"the solver did not answer within the {limit:g} s limit")
        kind, answer = receive.recv()
    except EOFError:
        raise SolverFailed("the solver's process ended without an answer") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receive.close()
    if kind != "used":
        raise SolverFailed(str(answer))
    used = np.zeros(len(network[0]), dtype=bool)
    used[answer] = True
    return used


def _treats(sites: Sequence[Site], needs: Iterable[frozenset[Need]]) -> dict[frozenset[Need], np.ndarray]:
    """For each distinct set of needs, which sites can meet it."""
    return {n: np.array([s.can_treat(n) for s in sites], dtype=bool) for n in set(needs)}
