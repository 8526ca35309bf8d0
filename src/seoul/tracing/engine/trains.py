"""Which train a metro rider was on, from the entry and exit of a journey.

Gate data says only where and when a rider entered and left the paid area. To find people
who shared a train (the "proximity" of issue #4), a journey is turned into *rides*: one per
stretch of a line ridden in one direction, each with the train it was on.

The timetable model (the same rule is used to simulate riders and to infer their trains, so
simulated co-riders are recovered exactly; real use would replace it with the operators'
timetables):

- Every line runs trains every ``HEADWAY_S`` seconds at ``SPEED_MPS`` (schedule speed,
  dwell included), all day, on all its branches.
- Each line is made a tree: shortest-path tree from its terminal with the smallest name, so a
  loop (2호선) is cut at one edge. A *piece* is a (line, direction) of the tree, or one cut
  edge in one orientation. On a piece a station has a phase ``±offset / SPEED``: train ``k``
  of the piece is at station ``s`` at ``k·HEADWAY + phase(s)``.
- A rider is ready on the platform ``WALK_IN_S`` after entry (``TRANSFER_S`` after arriving,
  at a change of piece) and boards train ``k = ceil((ready − phase) / HEADWAY)``; the exit is
  ``WALK_OUT_S`` after arrival.
- Routes are shortest in time: hop time plus ``TRANSFER_S + HEADWAY_S / 2`` per change.

A train is identified by ``(piece, k)``: the train place of the presence data.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import numpy.typing as npt

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine import store

HEADWAY_S = 240
SPEED_MPS = 9.0  # 32.4 km/h schedule speed, dwell included
WALK_IN_S = 120
WALK_OUT_S = 90
TRANSFER_S = 180
MAX_PIECES = 8


@dataclass(frozen=True)
class Station:
    name: str
    lines: frozenset[str]
    lat: float
    lon: float


@dataclass(frozen=True)
class Segment:
    line: str
    a: str
    b: str
    metres: int


@dataclass(frozen=True)
class Piece:
    """A direction of one line's tree (``edge`` is None), or one cut edge in one orientation."""

    line: str
    direction: int  # +1 away from the line's root, -1 towards it
    edge: tuple[str, str] | None = None

    def label(self, line_names: Mapping[str, str] | None = None) -> str:
        """Korean, as riders and tracers read the network: 5호선 하행 (away from the line's
        root), 상행 (towards it), or a loop's cut edge as 2호선 A→B; ``line_names`` maps line
        codes to their names (신분당선 for SBD)."""
        line = (line_names or {}).get(self.line) or (f"{self.line}호선" if self.line.isdigit() else self.line)
        towards = "하행" if self.direction > 0 else "상행"
        return f"{line} {towards}" if self.edge is None else f"{line} {self.edge[0]}→{self.edge[1]}"


@dataclass
class Route:
    """A station-to-station route as pieces: ``(piece id, board phase, alight phase, board
    station, alight station, change)``; ``change`` is False when the rider stays on the
    train from the previous piece's last station (a loop's cut)."""

    legs: list[tuple[int, int, int, str, str, bool]]


State = tuple[str, str]  # (station, line the rider is on; "" before boarding)
_Tree = tuple[dict[str, State], dict[State, tuple[State, int]]]


@dataclass
class Geometry:
    stations: dict[str, Station]
    segments: list[Segment]
    pieces: list[Piece] = field(default_factory=list)
    _piece_ids: dict[Piece, int] = field(default_factory=dict)
    _offset: dict[tuple[str, str], int] = field(default_factory=dict)  # (line, station) -> metres from root
    _parent: dict[tuple[str, str], str] = field(default_factory=dict)
    _adj: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    _routes: dict[tuple[str, str], Route | None] = field(default_factory=dict)
    _trees: dict[str, _Tree] = field(default_factory=dict)
    _hops: dict[tuple[str, str, str], tuple[int, int, int]] = field(default_factory=dict)
    line_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls, stations: Iterable[Station], segments: Iterable[Segment], line_names: Mapping[str, str] | None = None
    ) -> Geometry:
        geo = cls({s.name: s for s in stations}, list(segments), line_names=dict(line_names or {}))
        by_line: dict[str, list[Segment]] = defaultdict(list)
        adj: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for seg in geo.segments:
            by_line[seg.line].append(seg)
            adj[seg.a].append((seg.b, seg.line, seg.metres))
            adj[seg.b].append((seg.a, seg.line, seg.metres))
        geo._adj = dict(adj)
        for line in sorted(by_line):
            geo._root_line(line, by_line[line])
        return geo

    def _root_line(self, line: str, segs: list[Segment]) -> None:
        nbrs: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for seg in segs:
            nbrs[seg.a].append((seg.b, seg.metres))
            nbrs[seg.b].append((seg.a, seg.metres))
        ends = sorted(n for n, e in nbrs.items() if len(e) == 1) or sorted(nbrs)
        root = ends[0]
        dist = {root: 0}
        heap = [(0, root)]
        while heap:
            d, node = heapq.heappop(heap)
            if d > dist[node]:
                continue
            for other, metres in sorted(nbrs[node]):
                if d + metres < dist.get(other, 1 << 60):
                    dist[other] = d + metres
                    self._parent[(line, other)] = node
                    heapq.heappush(heap, (d + metres, other))
        for station, d in dist.items():
            self._offset[(line, station)] = d
        for direction in (1, -1):
            self._piece_id(Piece(line, direction))

    def _piece_id(self, piece: Piece) -> int:
        if piece not in self._piece_ids:
            self._piece_ids[piece] = len(self.pieces)
            self.pieces.append(piece)
        return self._piece_ids[piece]

    def _hop(self, line: str, a: str, b: str, metres: int) -> tuple[int, int, int]:
        """Piece id and the two phases (seconds) of a hop ``a → b`` on ``line``."""
        key = (line, a, b)
        if key not in self._hops:
            self._hops[key] = self._hop_uncached(line, a, b, metres)
        return self._hops[key]

    def _hop_uncached(self, line: str, a: str, b: str, metres: int) -> tuple[int, int, int]:
        if self._parent.get((line, b)) == a or self._parent.get((line, a)) == b:
            direction = 1 if self._parent.get((line, b)) == a else -1
            pid = self._piece_id(Piece(line, direction))
            return pid, self.phase(line, a, direction), self.phase(line, b, direction)
        pid = self._piece_id(Piece(line, 1, (a, b)))
        return pid, 0, round(metres / SPEED_MPS)

    def train_name(self, place: int) -> str:
        """A train place as people read it: piece, and the train's time at the line's root
        (place names are data, stored in Korean like the stations they run between)."""
        piece, k = train_of(place)
        at = datetime.fromtimestamp(k * HEADWAY_S, tz=SEOUL)
        return f"{self.pieces[piece].label(self.line_names)} {at:%m-%d %H:%M} 열차"

    def served(self, name: str) -> bool:
        return name in self._adj

    def phase(self, line: str, station: str, direction: int) -> int:
        return direction * round(self._offset[(line, station)] / SPEED_MPS)

    def route(self, origin: str, destination: str) -> Route | None:
        """The quickest route under the model, or None when there is none (or same station)."""
        key = (origin, destination)
        if key not in self._routes:
            self._routes[key] = self._find(origin, destination)
        return self._routes[key]

    def _tree(self, origin: str) -> _Tree:
        """The quickest arrival state at every station from ``origin`` and the predecessors:
        one Dijkstra over (station, line) states per origin, shared by all its destinations."""
        if origin in self._trees:
            return self._trees[origin]
        change = TRANSFER_S + HEADWAY_S // 2
        best: dict[State, int] = {(origin, ""): 0}
        prev: dict[State, tuple[State, int]] = {}
        heap: list[tuple[int, str, str]] = [(0, origin, "")]
        while heap:
            cost, node, line = heapq.heappop(heap)
            if cost > best[(node, line)]:
                continue
            for other, seg_line, metres in self._adj[node]:
                step = round(metres / SPEED_MPS) + (change if line and seg_line != line else 0)
                reached = (other, seg_line)
                if cost + step < best.get(reached, 1 << 60):
                    best[reached] = cost + step
                    prev[reached] = ((node, line), metres)
                    heapq.heappush(heap, (cost + step, other, seg_line))
        arrival: dict[str, State] = {}
        for reached, _cost in sorted(best.items(), key=lambda item: (item[1], item[0])):
            arrival.setdefault(reached[0], reached)
        self._trees[origin] = (arrival, prev)
        return arrival, prev

    def _find(self, origin: str, destination: str) -> Route | None:
        if origin == destination or origin not in self._adj or destination not in self._adj:
            return None
        arrival, prev = self._tree(origin)
        if destination not in arrival:
            return None
        start = (origin, "")
        state = arrival[destination]
        hops: list[tuple[str, str, str, int]] = []
        while state != start:
            before, metres = prev[state]
            hops.append((state[1], before[0], state[0], metres))
            state = before
        hops.reverse()
        legs: list[tuple[int, int, int, str, str, bool]] = []
        for line, a, b, metres in hops:
            pid, pa, pb = self._hop(line, a, b, metres)
            if legs and legs[-1][0] == pid and legs[-1][4] == a:
                last = legs[-1]
                legs[-1] = (pid, last[1], pb, last[3], b, last[5])
            else:
                # going round a loop's cut the rider stays on the train; a change of direction
                # at a branch is a change of train
                last_piece = self.pieces[legs[-1][0]] if legs else None
                stays = (
                    last_piece is not None
                    and last_piece.line == line
                    and (last_piece.edge is not None or self.pieces[pid].edge is not None)
                )
                legs.append((pid, pa, pb, a, b, not stays))
        if len(legs) > MAX_PIECES:
            return None
        return Route(legs)


def train_place(piece: npt.NDArray[np.int64], k: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The place id of train ``k`` of ``piece`` (a ``store.TRAIN`` place)."""
    return store.place_code(store.TRAIN, (piece << np.int64(32)) | (k & np.int64(0xFFFFFFFF)))


def train_of(place: int) -> tuple[int, int]:
    """``(piece, k)`` of a train place id."""
    return (place >> 32) & 0xFFFFFF, place & 0xFFFFFFFF


def ride(
    geo: Geometry, pair_legs: Sequence[Route], route_of: npt.NDArray[np.int64], entry_s: npt.NDArray[np.int64]
) -> tuple[list[tuple[npt.NDArray[np.int64], ...]], npt.NDArray[np.int64]]:
    """Board every journey onto its trains, vectorised over journeys.

    ``pair_legs[r]`` is a route; ``route_of[i]`` the route of journey ``i``; ``entry_s`` entry
    times in epoch seconds. Returns, per leg index, ``(journey index, place id, board_s,
    alight_s)`` arrays, and each journey's exit time in epoch seconds.
    """
    n_routes = len(pair_legs)
    width = max((len(r.legs) for r in pair_legs), default=0)
    table = np.full((n_routes, max(width, 1), 4), -1, dtype=np.int64)  # piece, board phase, alight phase, change
    for r, route in enumerate(pair_legs):
        for j, (pid, pa, pb, _a, _b, change) in enumerate(route.legs):
            table[r, j] = (pid, pa, pb, int(change))
    ready = entry_s.astype(np.int64) + WALK_IN_S
    out: list[tuple[npt.NDArray[np.int64], ...]] = []
    for j in range(width):
        leg = table[route_of, j]
        on = leg[:, 0] >= 0
        idx = np.flatnonzero(on)
        leg = leg[on]
        k = -((leg[:, 1] - ready[idx]) // HEADWAY_S)  # ceil((ready - phase) / H)
        board = k * HEADWAY_S + leg[:, 1]
        alight = k * HEADWAY_S + leg[:, 2]
        out.append((idx, train_place(leg[:, 0], k), board, alight))
        nxt = table[route_of[idx], j + 1, 3] if j + 1 < width else np.zeros(len(idx), dtype=np.int64)
        ready[idx] = alight + np.where(nxt == 1, TRANSFER_S, 0)
    return out, ready + WALK_OUT_S
