"""What the metro service publishes to other services (DESIGN.md: apps never import each
other's models; they import the owner's ``interfaces``). Other apps import only this module.

- :func:`network` — the subway network from the shipped reference data (stations, segments).
- :func:`journeys` — completed subway journeys in a period as a pyarrow table, with a
  pseudonymous rider reference; it discloses movement data, so it needs a reason and is audited.
- :func:`rider_ref_for_phone` — the rider reference of a person, found by phone number through
  the platform's blind index (audited).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import pyarrow as pa

from seoul.core import audit
from seoul.core.crypto import blind_index
from seoul.core.models import User
from seoul.metro.engine import data
from seoul.metro.events import MetroEvent
from seoul.metro.models import Journey, Rider

__all__ = [
    "JOURNEYS_SCHEMA",
    "NetworkView",
    "SegmentView",
    "StationView",
    "journeys",
    "network",
    "rider_ref",
    "rider_ref_for_phone",
]

JOURNEYS_SCHEMA = pa.schema(
    [
        ("rider_ref", pa.string()),
        ("entry_station", pa.string()),
        ("entry_at", pa.timestamp("us", tz="UTC")),
        ("exit_station", pa.string()),
        ("exit_at", pa.timestamp("us", tz="UTC")),
    ]
)
_REF_PURPOSE = "metro.rider_ref"


@dataclass(frozen=True)
class StationView:
    name: str  # as in stations.csv (Korean); same-name stations of several lines are one station
    lines: tuple[str, ...]
    lat: float | None  # WGS84, mean over the station's lines (None where the data has none)
    lon: float | None


@dataclass(frozen=True)
class SegmentView:
    line: str
    a: str
    b: str
    metres: int


@dataclass(frozen=True)
class NetworkView:
    stations: tuple[StationView, ...]
    segments: tuple[SegmentView, ...]
    line_names: tuple[tuple[str, str], ...] = ()  # (line code, Korean name as in stations.csv)


@lru_cache(maxsize=1)
def network() -> NetworkView:
    """The metropolitan subway network the fares use (docs/metro-fares.md), read-only, with
    station positions from stations.csv."""
    net = data.network()
    coords: dict[str, list[tuple[float, float]]] = defaultdict(list)
    with (data.REFERENCE / "stations.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["lat"] and row["lon"]:
                coords[row["station"]].append((float(row["lat"]), float(row["lon"])))

    def mean(name: str, i: int) -> float | None:
        return sum(c[i] for c in coords[name]) / len(coords[name]) if coords[name] else None

    return NetworkView(
        stations=tuple(
            StationView(name, tuple(sorted(net.lines_of[name])), mean(name, 0), mean(name, 1)) for name in net.names
        ),
        segments=tuple(SegmentView(s.line, s.a, s.b, s.metres) for s in net.segments),
        line_names=tuple(sorted(data.line_names().items())),
    )


def rider_ref(rider_id: int) -> str:
    """The stable pseudonymous reference of a rider: a keyed hash of the internal id, neither
    the account the phone presents nor a phone or card number, and not reversible without
    the platform's blind-index key."""
    return "r_" + blind_index(str(rider_id), purpose=_REF_PURPOSE)[:32]


def rider_ref_for_phone(phone: str) -> str | None:
    """The rider reference of the person registered with ``phone`` (any spacing or hyphens),
    or None when no rider account has that number. The look-up is audited (without the number)."""
    if not phone.strip():
        return None
    user = User.objects.filter(phone_index=blind_index(phone, purpose="user.phone")).first()
    rider = Rider.objects.filter(user=user).first() if user is not None else None
    ref = rider_ref(rider.pk) if rider is not None else None
    audit.record(MetroEvent.RIDER_LOOKED_UP, new={"found": ref is not None, "rider_ref": ref}, service="metro")
    return ref


def _aware(value: datetime, name: str) -> datetime:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a datetime with a time zone")
    return value


def journeys(
    start: datetime,
    end: datetime,
    *,
    actor: User,
    reason: str,
    rider_refs: Iterable[str] | None = None,
) -> pa.Table:
    """Completed subway journeys whose entry lies in ``[start, end)``, as a table with
    :data:`JOURNEYS_SCHEMA` (times in UTC), ordered by entry time.

    Only journeys with both an entry and an exit tap are returned: journeys with no exit or no
    entry (incomplete, or still in progress) are left out, and so are bus rides; a journey that
    continued by bus is returned as its subway part. Journeys no longer produced by the events
    (superseded) are left out. ``rider_refs`` restricts the result to those riders.

    This discloses where and when people travelled: ``reason`` (why, e.g. the case) must not
    be empty, and one audit event records who asked, the reason, the period and the number of
    rows. ValueError for an empty reason, a missing actor or naive or reversed times.
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("a reason is required to disclose journeys")
    if actor is None or not getattr(actor, "is_active", False):
        raise ValueError("an active actor is required to disclose journeys")
    start, end = _aware(start, "start"), _aware(end, "end")
    if not start < end:
        raise ValueError("start must be before end")
    wanted = None if rider_refs is None else set(rider_refs)
    rows = (
        Journey.objects.filter(
            superseded=False,
            entry__isnull=False,
            exit__isnull=False,
            entry__at__gte=start,
            entry__at__lt=end,
        )
        .order_by("entry__at", "key")
        .values_list("rider_id", "entry__gate__station", "entry__at", "exit__gate__station", "exit__at")
    )
    refs: dict[int, str] = {}
    columns: dict[str, list[object]] = {name: [] for name in JOURNEYS_SCHEMA.names}
    for rider_id, entry_station, entry_at, exit_station, exit_at in rows:
        ref = refs.get(rider_id) or refs.setdefault(rider_id, rider_ref(rider_id))
        if wanted is not None and ref not in wanted:
            continue
        columns["rider_ref"].append(ref)
        columns["entry_station"].append(entry_station)
        columns["entry_at"].append(entry_at.astimezone(UTC))
        columns["exit_station"].append(exit_station)
        columns["exit_at"].append(exit_at.astimezone(UTC))
    table = pa.table(columns, schema=JOURNEYS_SCHEMA)
    audit.record(
        MetroEvent.JOURNEYS_DISCLOSED,
        actor=actor,
        reason=reason[:1000],
        new={
            "start": start.isoformat(),
            "end": end.isoformat(),
            "rows": table.num_rows,
            "riders_asked": None if wanted is None else len(wanted),
        },
        service="metro",
    )
    return table
