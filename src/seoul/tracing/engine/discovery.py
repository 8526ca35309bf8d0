"""Exposure discovery: everyone whose presence overlapped a case's, at the same place, inside
the case's infectious window, scored and explained.

Two DuckDB queries over the day partitions the window touches (``store``): the case's own
presence (a scan of the ``pid`` column), then the presence at the case's places (row groups
pruned by ``plc``), joined on place with half-open interval overlap, aggregated per person.
No Python runs per presence row; Python formats the reasons of the candidates only.

Score of a candidate = Σ over co-presence episodes of
``overlap minutes × setting weight × proximity × certainty(case) × certainty(candidate)``:

- setting weight: indoor 1.0, transit 0.8, outdoor 0.25 (enclosed, crowded air first);
- proximity on a train when both cars are known: same car 2.0, another car 0.2; else 1.0;
- certainty: 1.0 for recorded intervals (check-in with check-out, gate taps); lower when the
  interval is inferred (a card payment's stay, a train inferred from timing).

A candidate is only a suggestion: nothing becomes a contact without a tracer's decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine import store

SETTING_WEIGHT = {"indoor": 1.0, "transit": 0.8, "outdoor": 0.25}
SAME_CAR, OTHER_CAR = 2.0, 0.2
REASONS_SHOWN = 5
DEFAULT_ISOLATION_DAYS = 3  # isolation assumed 3 days after onset when not known


class DiscoveryError(ValueError):
    """The discovery cannot run: unknown case, empty window, no data. ``code`` says which, for
    callers that word it in their reader's language (the text is the command line's)."""

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Window:
    """Half-open ``[start, end)`` between two aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise DiscoveryError("window bounds must carry a time zone", "bad_window")
        if self.end <= self.start:
            raise DiscoveryError(
                f"window ends ({self.end.isoformat()}) before it starts ({self.start.isoformat()})", "bad_window"
            )


def infectious_window(
    onset: date | None,
    test_date: date | None,
    isolated_at: datetime | None,
    *,
    days_before: int = 2,
    default_isolation_days: int = DEFAULT_ISOLATION_DAYS,
) -> Window:
    """From 00:00 (Seoul) ``days_before`` days before symptom onset — or before the test date
    for an asymptomatic case — until isolation. Isolation not known yet: 00:00 of
    ``default_isolation_days`` after the onset (or test) date."""
    anchor = onset or test_date
    if anchor is None:
        raise DiscoveryError("a case needs a symptom onset date or a test date", "no_onset")
    start = datetime.combine(anchor - timedelta(days=days_before), time(0), tzinfo=SEOUL)
    end = isolated_at or datetime.combine(anchor + timedelta(days=default_isolation_days), time(0), tzinfo=SEOUL)
    return Window(start, end)


@dataclass(frozen=True)
class Episode:
    place_id: str
    place_name: str
    setting: str
    source: str
    start: datetime
    end: datetime
    car: int | None
    same_car: bool | None
    weight: float
    district: int | None = None
    """The place's district (0-24) as the movement data gives it; None when it does not."""

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60

    def record(self) -> dict[str, Any]:
        """The episode as plain JSON values, for storing with a candidate and rendering later
        in the reader's language."""
        return {
            "place": self.place_name,
            "setting": self.setting,
            "source": self.source,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "car": self.car,
            "same_car": self.same_car,
            "minutes": round(self.minutes, 1),
            "district": self.district,
        }

    def reason(self) -> str:
        start, end = self.start.astimezone(SEOUL), self.end.astimezone(SEOUL)
        where = self.place_name
        if self.same_car is True:
            where += f", same car ({self.car})"
        elif self.same_car is False:
            where += ", another car"
        return (
            f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} at {where} ({self.setting}, {self.source}): "
            f"{self.minutes:.0f} min together"
        )


@dataclass(frozen=True)
class Candidate:
    person_id: str
    score: float
    overlap_minutes: float
    first_contact: datetime
    episodes_count: int
    places: list[str]
    episodes: list[Episode] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [e.reason() for e in self.episodes]

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "score": self.score,
            "overlap_minutes": round(self.overlap_minutes, 1),
            "first_contact": self.first_contact.astimezone(SEOUL).isoformat(),
            "episodes": self.episodes_count,
            "reasons": self.reasons,
        }


def _us(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(microseconds=1))


def _at(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(us))


def discover(
    data_dir: Path, person_id: str, window: Window, *, limit: int | None = None, threads: int | None = None
) -> list[Candidate]:
    """Candidates for ``person_id``, best score first (ties: longer overlap, then id)."""
    return discover_cluster(data_dir, [(person_id, window)], limit=limit, threads=threads)[0]


def discover_cluster(
    data_dir: Path,
    cases: Sequence[tuple[str, Window]],
    *,
    limit: int | None = None,
    threads: int | None = None,
) -> list[list[Candidate]]:
    """The candidates of each case of a cluster (``(person_id, window)`` each), in one pass over
    the days the windows touch: each case's list as :func:`discover` gives it, in the order of
    ``cases``. A case of the cluster co-present with another is a candidate of it (a link)."""
    people = data_dir / "people.parquet"
    if not people.is_file():
        raise DiscoveryError(f"{data_dir} holds no movement data (no people.parquet)", "no_data")
    if not cases:
        return []
    con = store.connect(threads)
    try:
        return _discover(con, data_dir, cases, limit)
    finally:
        con.close()


def _discover(
    con: Any, data_dir: Path, cases: Sequence[tuple[str, Window]], limit: int | None
) -> list[list[Candidate]]:
    q = store.quote
    wanted = sorted({person for person, _ in cases})
    known = dict(
        con.execute(
            f"SELECT person_id, pid FROM read_parquet({q(data_dir / 'people.parquet')}) "
            f"WHERE person_id IN ({', '.join('?' for _ in wanted)})",
            wanted,
        ).fetchall()
    )
    for person, _ in cases:
        if person not in known:
            raise DiscoveryError(f"no person {person!r} in the movement data", "unknown_person")
    con.execute("CREATE TEMP TABLE cases (cid INTEGER, pid INTEGER, ws BIGINT, we BIGINT)")
    con.executemany(
        "INSERT INTO cases VALUES (?, ?, ?, ?)",
        [(cid, int(known[person]), _us(w.start), _us(w.end)) for cid, (person, w) in enumerate(cases)],
    )
    out: list[list[Candidate]] = [[] for _ in cases]
    files = store.window_files(data_dir, min(w.start for _, w in cases), max(w.end for _, w in cases))
    if not files:
        return out
    src = f"read_parquet([{', '.join(q(f) for f in files)}])"
    pids = ", ".join(str(int(known[p])) for p in wanted)
    con.execute(
        f"""CREATE TEMP TABLE case_raw AS
        SELECT c.cid, r.plc, greatest(epoch_us(r.start_at), c.ws) AS s, least(epoch_us(r.end_at), c.we) AS e,
               r.car, r.certainty AS cert
        FROM (SELECT * FROM {src} WHERE pid IN ({pids})) r
        JOIN cases c ON r.pid = c.pid AND epoch_us(r.end_at) > c.ws AND epoch_us(r.start_at) < c.we"""
    )
    # each case's own overlapping records at one place count once
    con.execute(f"CREATE TEMP TABLE case_p AS {_islands('case_raw', 'cid, plc')}")
    places = [int(r[0]) for r in con.execute("SELECT DISTINCT plc FROM case_p ORDER BY 1").fetchall()]
    if not places:
        return out
    lo, hi = con.execute("SELECT min(s), max(e) FROM case_p").fetchone()
    place_list = ", ".join(str(p) for p in places)
    con.execute(
        f"""CREATE TEMP TABLE o AS
        SELECT c.cid, q.pid, q.plc, greatest(epoch_us(q.start_at), c.s) AS s, least(epoch_us(q.end_at), c.e) AS e,
               q.car, c.car AS case_car, q.certainty * c.cert AS cert, q.source::VARCHAR AS source
        FROM (SELECT * FROM {src} WHERE plc IN ({place_list})
              AND epoch_us(start_at) < {hi} AND epoch_us(end_at) > {lo}) q
        JOIN case_p c ON q.plc = c.plc AND epoch_us(q.start_at) < c.e AND epoch_us(q.end_at) > c.s
        JOIN cases k ON k.cid = c.cid AND q.pid <> k.pid"""
    )
    # a candidate's overlapping records at one place (two check-ins, a payment during a visit) count once
    con.execute(
        f"""CREATE TEMP TABLE ep AS
        SELECT m.*, coalesce(pl.setting, 'indoor') AS setting, coalesce(pl.name, m.plc::VARCHAR) AS name,
               coalesce(pl.place_id, m.plc::VARCHAR) AS place_id, pl.district::INTEGER AS district,
               CASE WHEN m.car IS NULL OR m.case_car IS NULL THEN NULL ELSE m.car = m.case_car END AS same_car,
               (m.e - m.s) / 60e6
                 * CASE coalesce(pl.setting, 'indoor') WHEN 'indoor' THEN {SETTING_WEIGHT["indoor"]}
                     WHEN 'transit' THEN {SETTING_WEIGHT["transit"]} ELSE {SETTING_WEIGHT["outdoor"]} END
                 * CASE WHEN m.car IS NULL OR m.case_car IS NULL THEN 1.0
                        WHEN m.car = m.case_car THEN {SAME_CAR} ELSE {OTHER_CAR} END
                 * m.cert AS w
        FROM ({_islands("o", "cid, pid, plc", extra="any_value(case_car) AS case_car, string_agg(DISTINCT source, '+' ORDER BY source) AS source")}) m
        LEFT JOIN (SELECT * FROM read_parquet({q(data_dir / "places.parquet")}) WHERE plc IN ({place_list})) pl
          ON pl.plc = m.plc"""
    )
    rows = con.execute(
        f"""WITH agg AS (
            SELECT cid, pid, round(sum(w), 3) AS score, sum(e - s) / 60e6 AS minutes, min(s) AS first, count(*) AS n,
                   list(DISTINCT name ORDER BY name) AS places,
                   list(struct_pack(place_id, name, setting, source, s, e, car, same_car, w, district) ORDER BY w DESC, s)[1:{REASONS_SHOWN}] AS top
            FROM ep GROUP BY cid, pid
        ), ranked AS (
            SELECT p.person_id, agg.*,
                   row_number() OVER (PARTITION BY agg.cid ORDER BY agg.score DESC, agg.minutes DESC, p.person_id) AS rank
            FROM agg JOIN (SELECT pid, person_id FROM read_parquet({q(data_dir / "people.parquet")})
                           WHERE pid IN (SELECT pid FROM agg)) p USING (pid)
        )
        SELECT cid, person_id, score, minutes, first, n, places, top FROM ranked
        {f"WHERE rank <= {int(limit)}" if limit else ""}
        ORDER BY cid, rank"""
    ).fetchall()
    for cid, person, score, minutes, first, n, place_names, top in rows:
        episodes = [
            Episode(
                t["place_id"],
                t["name"],
                t["setting"],
                t["source"],
                _at(t["s"]),
                _at(t["e"]),
                t["car"],
                t["same_car"],
                round(float(t["w"]), 3),
                t["district"],
            )
            for t in top
        ]
        out[cid].append(
            Candidate(person, float(score), float(minutes), _at(first), int(n), list(place_names), episodes)
        )
    return out


@dataclass(frozen=True)
class UnionEntry:
    """A person found near one or more cases of a cluster."""

    person_id: str
    cases: tuple[str, ...]
    best_score: float
    total_score: float


def union(cases: Sequence[str], found: Sequence[Sequence[Candidate]]) -> list[UnionEntry]:
    """Everyone found near any case of the cluster, once: the cases they were near (those near
    several first -- the overlaps), then the best score."""
    near: dict[str, list[tuple[str, float]]] = {}
    for case, candidates in zip(cases, found, strict=True):
        for c in candidates:
            near.setdefault(c.person_id, []).append((case, c.score))
    entries = [
        UnionEntry(person, tuple(case for case, _ in hits), max(s for _, s in hits), round(sum(s for _, s in hits), 3))
        for person, hits in near.items()
    ]
    return sorted(entries, key=lambda e: (-len(e.cases), -e.best_score, e.person_id))


def _islands(table: str, keys: str, *, extra: str = "") -> str:
    """SQL merging the overlapping intervals ``[s, e)`` of ``table`` per ``keys`` into one
    row each (earliest start, latest end, highest certainty, the car when known)."""
    extra = f", {extra}" if extra else ""
    return f"""
        SELECT {keys}, min(s) AS s, max(e) AS e, max(car) AS car, max(cert) AS cert{extra}
        FROM (
            SELECT *, sum(fresh) OVER (PARTITION BY {keys} ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS island
            FROM (
                SELECT *, CASE WHEN s < max(e) OVER (PARTITION BY {keys} ORDER BY s, e
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                               THEN 0 ELSE 1 END AS fresh
                FROM {table}
            )
        )
        GROUP BY {keys}, island"""
