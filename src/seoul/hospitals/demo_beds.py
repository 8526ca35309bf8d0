"""The demo's beds per hospital and tier (no Django, so the benchmarks can read it too).

Demo figures, not the hospitals' real allocations (nobody published them per tier), scaled to
each hospital's licensed beds where the register has them: (critical, severe, moderate, mild,
isolation rooms)."""

from __future__ import annotations

BEDS: dict[str, tuple[int, int, int, int, int]] = {
    "SMC": (12, 36, 180, 0, 24),
    "SMC-GN": (0, 6, 54, 0, 6),
    "BRM": (18, 48, 90, 0, 30),
    "DB": (0, 4, 81, 0, 4),
    "SN": (6, 20, 120, 0, 12),
    "BB": (0, 4, 40, 0, 2),
    "SB": (4, 16, 120, 40, 10),
    "EP": (0, 2, 11, 0, 11),
    "CH": (2, 6, 20, 0, 4),
    "RC": (4, 12, 60, 0, 8),
}
