"""Plain data for tagless gates: the gate array's geometry, a phone's readings, and a decision.

Coordinates are metres in the gate array's frame: ``x`` runs across the lanes (lane ``k``'s centre
line is at ``x = k * pitch``), ``y`` runs along the walking direction with the gate line at
``y = 0``; ``y < 0`` is the unpaid concourse and ``y > 0`` the paid area, so a passage "in" moves
towards ``+y``. The gate line is closed by a fence beyond the end cabinets, so the only way from
one side to the other is through a lane. Times are float seconds on the clock the phone's readings
use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

Direction = Literal["in", "out"]
RefusalReason = Literal[
    "ambiguous_lane",  # (no longer a refusal: the lane is a separate question; kept for stored reasons)
    "no_crossing",
    "turn_back",
    "outside_lanes",
    "low_confidence",
    "inconsistent_direction",
    "dwell_too_long",
    "insufficient_data",
    "no_passage",  # the radio evidence crosses, but no free lane-sensor passage confirms it
]
REFUSAL_REASONS: tuple[RefusalReason, ...] = (
    "ambiguous_lane",
    "no_crossing",
    "turn_back",
    "outside_lanes",
    "low_confidence",
    "inconsistent_direction",
    "dwell_too_long",
    "insufficient_data",
    "no_passage",
)


@dataclass(frozen=True)
class Beacon:
    """A BLE beacon mounted on a cabinet face, its antenna facing into its lane (``facing`` = +1/-1 along x)."""

    index: int
    lane: int
    x: float
    y: float
    z: float
    facing: int
    """+1/-1: antenna faces along +x/-x into its lane (10 dB back lobe); 0: omnidirectional zone beacon."""
    end: Literal["unpaid", "paid", "concourse", "paid_area"]


@dataclass(frozen=True)
class GateArray:
    """A row of ``lanes`` gate lanes with equal pitch, cabinets between them and at both ends.

    Each lane has four beacons, one on each side of the lane at each end of the cabinets
    (``y = -beacon_y`` unpaid end, ``y = +beacon_y`` paid end), and optionally one UWB anchor in
    every cabinet at the gate line. Beacon indices ``0 .. 4K-1`` are these gate beacons.

    Zone beacons (indices ``4K ..``): ``zone_count`` omnidirectional beacons on each side,
    ``zone_y`` metres from the gate line at height ``zone_z`` (signage/pillar height), spread
    evenly across the array's width plus ``zone_overhang`` on each end: first the concourse (unpaid) row at ``y = -zone_y``, then
    the paid-area row at ``y = +zone_y``. They tell which side of the gate line a phone is on;
    which lane it used is a separate question answered by the gate beacons and UWB anchors.
    """

    lanes: int = 6
    pitch: float = 0.9
    passage_width: float = 0.6
    cabinet_length: float = 1.5
    beacon_y: float = 0.7
    beacon_z: float = 1.0
    anchor_z: float = 1.2
    uwb: bool = True
    zone_rows: tuple[float, ...] = (3.0, 8.0, 13.0)
    """Distances of the zone rows from the gate line, nearest first (the same on both sides)."""
    zone_z: float = 2.2
    zone_beacons_per_side: int = 0
    """0: ``ceil(lanes / 2) + 2``, about one every two metres."""
    zone_overhang: float = 2.0
    """The zone rows reach this far beyond the end cabinets (the concourse is wider than the array)."""

    def __post_init__(self) -> None:
        if self.lanes < 1:
            raise ValueError("a gate array needs at least one lane")
        if not 0 < self.passage_width < self.pitch:
            raise ValueError("passage width must be positive and below the lane pitch")

    def lane_x(self, lane: int) -> float:
        return lane * self.pitch

    @property
    def zone_count(self) -> int:
        """Zone beacons on each side of the gate line."""
        return self.zone_beacons_per_side or -(-self.lanes // 2) + 2

    @property
    def beacon_count(self) -> int:
        return 4 * self.lanes + 2 * len(self.zone_rows) * self.zone_count

    @property
    def half_width(self) -> float:
        return self.passage_width / 2

    @property
    def array_x_min(self) -> float:
        """Outer face of the left end cabinet."""
        return -self.pitch + self.half_width

    @property
    def array_x_max(self) -> float:
        """Outer face of the right end cabinet."""
        return (self.lanes - 1) * self.pitch + self.pitch - self.half_width

    @cached_property
    def beacons(self) -> tuple[Beacon, ...]:
        out: list[Beacon] = []
        for lane in range(self.lanes):
            xc = self.lane_x(lane)
            for end, y in (("unpaid", -self.beacon_y), ("paid", self.beacon_y)):
                for side in (-1, 1):
                    out.append(
                        Beacon(
                            index=len(out),
                            lane=lane,
                            x=xc + side * self.half_width,
                            y=y,
                            z=self.beacon_z,
                            facing=-side,
                            end="unpaid" if end == "unpaid" else "paid",
                        )
                    )
        left = self.array_x_min - self.zone_overhang
        width = self.array_x_max + self.zone_overhang - left
        rows = [("concourse", -d) for d in self.zone_rows] + [("paid_area", d) for d in self.zone_rows]
        for zone, y in rows:
            for i in range(self.zone_count):
                out.append(
                    Beacon(
                        index=len(out),
                        lane=-1,
                        x=left + width * (i + 0.5) / self.zone_count,
                        y=y,
                        z=self.zone_z,
                        facing=0,
                        end="concourse" if zone == "concourse" else "paid_area",
                    )
                )
        return tuple(out)

    def zone_beacons(self, zone: Literal["concourse", "paid_area"]) -> IntArray:
        """The zone row on one side of the gate line."""
        return _i64([b.index for b in self.beacons if b.end == zone])

    def end_beacons(self, end: Literal["unpaid", "paid"]) -> IntArray:
        """The beacons of every lane at one end of the cabinets."""
        return _i64([b.index for b in self.beacons if b.end == end])

    @cached_property
    def unpaid_side_beacons(self) -> IntArray:
        """Beacons on the unpaid side of the gate line: the lanes' unpaid ends and the concourse row."""
        return _i64([b.index for b in self.beacons if b.end in ("unpaid", "concourse")])

    @cached_property
    def paid_side_beacons(self) -> IntArray:
        return _i64([b.index for b in self.beacons if b.end in ("paid", "paid_area")])

    @cached_property
    def beacon_xyz(self) -> FloatArray:
        """(B, 3) beacon positions."""
        return np.array([[b.x, b.y, b.z] for b in self.beacons], dtype=np.float64)

    @cached_property
    def beacon_facing(self) -> FloatArray:
        return np.array([b.facing for b in self.beacons], dtype=np.float64)

    @cached_property
    def anchor_xyz(self) -> FloatArray:
        """(K + 1, 3) UWB anchor positions, one per cabinet at the gate line: anchor ``k`` is the
        cabinet left of lane ``k``, so every lane is bracketed by anchors ``k`` and ``k + 1``."""
        xs = (np.arange(self.lanes + 1, dtype=np.float64) - 0.5) * self.pitch
        return np.stack([xs, np.zeros(self.lanes + 1), np.full(self.lanes + 1, self.anchor_z)], axis=1)

    def beacon_index(self, lane: int, end: Literal["unpaid", "paid"]) -> tuple[int, int]:
        """The two beacons (left, right) of ``lane`` at one end."""
        base = lane * 4 + (0 if end == "unpaid" else 2)
        return base, base + 1


def _f64(values: object) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _i64(values: object) -> IntArray:
    return np.ascontiguousarray(values, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class ReadingWindow:
    """What one phone reported for one window ``[t0, t0 + duration)``.

    ``t``/``beacon``/``rssi`` are parallel arrays, one entry per received BLE advertisement
    (beacon index into ``GateArray.beacons``, RSSI in dBm). ``uwb_*`` are parallel arrays of UWB
    ranges (anchor index into ``GateArray.anchor_xyz``, range in metres); empty when the phone has no UWB.
    """

    t0: float
    t: FloatArray
    beacon: IntArray
    rssi: FloatArray
    uwb_t: FloatArray = field(default_factory=lambda: np.empty(0))
    uwb_anchor: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    uwb_range: FloatArray = field(default_factory=lambda: np.empty(0))

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", _f64(self.t))
        object.__setattr__(self, "beacon", _i64(self.beacon))
        object.__setattr__(self, "rssi", _f64(self.rssi))
        object.__setattr__(self, "uwb_t", _f64(self.uwb_t))
        object.__setattr__(self, "uwb_anchor", _i64(self.uwb_anchor))
        object.__setattr__(self, "uwb_range", _f64(self.uwb_range))
        if not (len(self.t) == len(self.beacon) == len(self.rssi)):
            raise ValueError("t, beacon and rssi must have the same length")
        if not (len(self.uwb_t) == len(self.uwb_anchor) == len(self.uwb_range)):
            raise ValueError("uwb_t, uwb_anchor and uwb_range must have the same length")


@dataclass(frozen=True, eq=False)
class ReadingBatch:
    """Many windows at once, flattened: ``window`` says which window each reading belongs to."""

    t0: FloatArray
    window: IntArray
    t: FloatArray
    beacon: IntArray
    rssi: FloatArray
    uwb_window: IntArray
    uwb_t: FloatArray
    uwb_anchor: IntArray
    uwb_range: FloatArray

    @property
    def size(self) -> int:
        return len(self.t0)

    @classmethod
    def of(cls, windows: list[ReadingWindow]) -> ReadingBatch:
        def cat(arrays: list[FloatArray] | list[IntArray], dtype: type) -> npt.NDArray[np.generic]:
            return np.concatenate(arrays).astype(dtype) if arrays else np.empty(0, dtype=dtype)

        return cls(
            t0=_f64([w.t0 for w in windows]),
            window=_i64(np.repeat(np.arange(len(windows)), [len(w.t) for w in windows])),
            t=_f64(cat([w.t for w in windows], np.float64)),
            beacon=_i64(cat([w.beacon for w in windows], np.int64)),
            rssi=_f64(cat([w.rssi for w in windows], np.float64)),
            uwb_window=_i64(np.repeat(np.arange(len(windows)), [len(w.uwb_t) for w in windows])),
            uwb_t=_f64(cat([w.uwb_t for w in windows], np.float64)),
            uwb_anchor=_i64(cat([w.uwb_anchor for w in windows], np.int64)),
            uwb_range=_f64(cat([w.uwb_range for w in windows], np.float64)),
        )

    def __getitem__(self, i: int) -> ReadingWindow:
        sel = self.window == i
        usel = self.uwb_window == i
        return ReadingWindow(
            t0=float(self.t0[i]),
            t=self.t[sel],
            beacon=self.beacon[sel],
            rssi=self.rssi[sel],
            uwb_t=self.uwb_t[usel],
            uwb_anchor=self.uwb_anchor[usel],
            uwb_range=self.uwb_range[usel],
        )


@dataclass(frozen=True)
class Decision:
    """The answers for one window: *did this phone cross* and *which lane was it*.

    ``charged``: from the detector, the radio evidence says the phone went from one side of the
    gate line to the other (``direction`` "in": unpaid -> paid), with ``margin`` nats over every
    explanation that does not cross; after ``sensors.confirm``, it is the charge itself (a free
    lane-sensor passage in one of ``lane_candidates`` confirmed the crossing, ``lane_id`` and
    ``crossed_at`` are that passage's) or a refusal ``no_passage``. Otherwise ``reason`` says why not. ``confidence`` is the model's posterior for
    the crossing (over-confident: bins are treated as independent). From the detector,
    ``lane_id`` is the lane when UWB and the gate beacons resolve it with ``lane_margin`` nats to
    spare, else None; ``lane_candidates`` are the lanes the evidence does not rule out (best
    first): only a passage in one of them may confirm the crossing. For refusals the fields describe the best crossing hypothesis, for diagnostics only.
    """

    charged: bool
    lane_id: int | None
    direction: Direction | None
    crossed_at: float | None
    confidence: float
    margin: float
    reason: RefusalReason | None = None
    lane_margin: float = 0.0
    lane_candidates: tuple[int, ...] = ()
