"""The metropolitan subway network as a graph, and fare distances between stations.

Nodes are station *names*: same-name stations on different lines are one transfer station.
Edges carry track distance in metres (integers, so band edges compare exactly) and the line.
Fare distance is the shortest path over published inter-station distances, whatever route
was ridden. Two all-pairs matrices are kept: over every line, and over the integrated lines
only (without separately charged lines such as 신분당선), because a journey that did not use
a separately charged line must not be priced over it (see ``docs/metro-fares.md``).
"""

from __future__ import annotations

import csv
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
import numpy.typing as npt

UNREACHABLE = np.iinfo(np.int64).max // 4

# Words a person may write for the curated abbreviations of English station names.
_SPELLED_OUT = (("Univ.", "University"), ("Nat'l", "National"), ("Int'l", "International"), ("&", "and"))
_NOT_KEY = re.compile(r"[^0-9a-z\uac00-\ud7a3]+")


def search_key(name: str) -> str:
    """How a station name is compared when a person types it: case, spaces and punctuation do
    not count, nor a closing "역" or "Station" (서울역, 서울, "Seoul Station" and "seoulstation"
    are one key)."""
    key = _NOT_KEY.sub("", unicodedata.normalize("NFKC", name).lower())
    for suffix in ("station", "stn", "역"):
        if key.endswith(suffix) and len(key) > len(suffix):
            return key.removesuffix(suffix)
    return key


def spellings(name_en: str) -> list[str]:
    """The ways a person may write an English station name: as signed, with abbreviations spelled
    out (Univ. → University), and without a number's reading (Euljiro 1(il)-ga → Euljiro 1-ga)."""
    out = [name_en]
    spelled = name_en
    for short, long in _SPELLED_OUT:
        spelled = spelled.replace(short, long)
    out.append(spelled)
    out += [re.sub(r"\(\w+\)", "", n) for n in out]
    return out


@dataclass(frozen=True)
class Segment:
    line: str
    a: str
    b: str
    metres: int


@dataclass
class Network:
    names: list[str]
    index: dict[str, int]
    lines_of: dict[str, frozenset[str]]
    segments: list[Segment]
    separately_charged: frozenset[str]
    english: dict[str, str] = field(default_factory=dict)  # station name → its English name
    _keys: dict[str, str] | None = field(default=None, repr=False)
    _all: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    _integrated: npt.NDArray[np.int64] | None = field(default=None, repr=False)

    @property
    def all_lines(self) -> npt.NDArray[np.int64]:
        """Shortest distances in metres over every line (UNREACHABLE where no path)."""
        if self._all is None:
            self._all = all_pairs(len(self.names), self._edges(lambda s: True))
        return self._all

    @property
    def integrated(self) -> npt.NDArray[np.int64]:
        """Shortest distances in metres avoiding separately charged lines."""
        if self._integrated is None:
            self._integrated = all_pairs(len(self.names), self._edges(lambda s: s.line not in self.separately_charged))
        return self._integrated

    def preload(self, all_lines: npt.NDArray[np.int64], integrated: npt.NDArray[np.int64]) -> None:
        """Adopt both matrices computed earlier for this network (``derived.network_matrices``)."""
        n = len(self.names)
        for m in (all_lines, integrated):
            if m.shape != (n, n) or m.dtype != np.int64:
                raise ValueError(f"distance matrix {m.shape} {m.dtype} does not fit {n} stations")
        self._all, self._integrated = all_lines, integrated

    def _edges(self, keep: object) -> list[tuple[int, int, int]]:
        return [(self.index[s.a], self.index[s.b], s.metres) for s in self.segments if keep(s)]  # type: ignore[operator]

    def name_en(self, name: str) -> str:
        """The station's English name (the Korean name when it has none)."""
        return self.english.get(name) or name

    @property
    def keys(self) -> dict[str, str]:
        """:func:`search_key` of every Korean and English spelling → the station's name. A key
        two stations share is left out (it would pick one of them at random)."""
        if self._keys is None:
            found: dict[str, set[str]] = defaultdict(set)
            for name in self.names:
                for spelling in [name, *spellings(self.name_en(name))]:
                    found[search_key(spelling)].add(name)
            self._keys = {k: next(iter(v)) for k, v in found.items() if k and len(v) == 1}
        return self._keys

    def resolve(self, name: str) -> str:
        """The station's name in the data from what a person typed: the Korean or the English
        name, with or without spaces, case, punctuation or a trailing 역/"Station"."""
        name = name.strip()
        for candidate in (name, name.removesuffix("역"), name + "역"):
            if candidate in self.index:
                return candidate
        found = self.keys.get(search_key(name))
        if found is not None:
            return found
        raise UnknownStation(name, self.closest(name))

    def station(self, name: str) -> int:
        return self.index[self.resolve(name)]

    def closest(self, name: str, n: int = 5) -> list[str]:
        """Station names most like ``name``, for error messages: by how much of the typed key
        they share in order (a name typed in Latin letters is compared with the English names),
        then by length."""
        typed = search_key(name)
        latin = typed.isascii()

        def score(candidate: str) -> tuple[float, int, str]:
            text = search_key(self.name_en(candidate) if latin else candidate)
            return (-SequenceMatcher(None, typed, text).ratio(), abs(len(text) - len(typed)), candidate)

        ranked = sorted(self.names, key=score)
        return [c for c in ranked[:n] if score(c)[0] < 0] or ranked[:n]

    def only_on_separately_charged(self, name: str) -> str | None:
        """The separately charged line if the station is served by no integrated line."""
        lines = self.lines_of[name]
        if lines and lines <= self.separately_charged:
            return sorted(lines)[0]
        return None

    def path(self, origin: str, destination: str, *, integrated: bool) -> list[str]:
        """One shortest path (station names), for breakdowns and surcharge zones."""
        edges = self._edges(lambda s: (not integrated) or s.line not in self.separately_charged)
        return shortest_path(len(self.names), edges, self.station(origin), self.station(destination), self.names)

    def path_lines(self, path: list[str], *, integrated: bool) -> list[tuple[str, str, str]]:
        """(from, to, line) for each hop of a path, choosing the line a hop is published on."""
        hops = []
        by_pair: dict[frozenset[str], list[Segment]] = defaultdict(list)
        for s in self.segments:
            if integrated and s.line in self.separately_charged:
                continue
            by_pair[frozenset((s.a, s.b))].append(s)
        for a, b in itertools.pairwise(path):
            best = min(by_pair[frozenset((a, b))], key=lambda s: (s.metres, s.line))
            hops.append((a, b, best.line))
        return hops


class UnknownStation(KeyError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        super().__init__(name)

    def __str__(self) -> str:
        return f"unknown station '{self.name}'; closest names: {', '.join(self.suggestions)}"


def all_pairs(n: int, edges: Iterable[tuple[int, int, int]]) -> npt.NDArray[np.int64]:
    """Floyd–Warshall in NumPy: n vectorised relaxations of an n×n matrix (n ≈ 515 → well under 1 s)."""
    d = np.full((n, n), UNREACHABLE, dtype=np.int64)
    np.fill_diagonal(d, 0)
    for a, b, m in edges:
        if m < d[a, b]:
            d[a, b] = d[b, a] = m
    for k in range(n):
        np.minimum(d, d[:, k, None] + d[None, k, :], out=d)
    d[d >= UNREACHABLE] = UNREACHABLE
    return d


def shortest_path(n: int, edges: list[tuple[int, int, int]], src: int, dst: int, names: list[str]) -> list[str]:
    import heapq

    adj: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for a, b, m in edges:
        adj[a].append((b, m))
        adj[b].append((a, m))
    dist = {src: 0}
    prev: dict[int, int] = {}
    heap = [(0, src)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == dst:
            break
        if d > dist.get(u, UNREACHABLE):
            continue
        for v, m in adj[u]:
            nd = d + m
            if nd < dist.get(v, UNREACHABLE):
                dist[v] = nd
                prev[v] = u
                heapq.heappush(heap, (nd, v))
    if dst not in dist:
        return []
    out = [dst]
    while out[-1] != src:
        out.append(prev[out[-1]])
    return [names[i] for i in reversed(out)]


def load_network(data_dir: Path, separately_charged: Iterable[str]) -> Network:
    lines_of: dict[str, set[str]] = defaultdict(set)
    english: dict[str, str] = {}
    with (data_dir / "stations.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lines_of[row["station"]].add(row["line"])
            if row.get("name_en"):
                english[row["station"]] = row["name_en"]
    segments = []
    with (data_dir / "segments.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            for end in (row["from"], row["to"]):
                lines_of[end].add(row["line"])
            segments.append(Segment(row["line"], row["from"], row["to"], round(float(row["km"]) * 1000)))
    names = sorted(lines_of)
    return Network(
        names=names,
        index={name: i for i, name in enumerate(names)},
        lines_of={k: frozenset(v) for k, v in lines_of.items()},
        segments=segments,
        separately_charged=frozenset(separately_charged),
        english=english,
    )
