"""The network a patient is placed in: hospitals as sites with a region and capabilities, and
the travel model between a patient and a hospital.

Travel (docs/hospitals.md): road distance is taken as the great-circle distance times
a circuity factor of 1.3, driven at 30 km/h (an ambulance in Seoul's traffic), plus nothing for
loading and handover, which is the same for every choice. Both numbers are planning assumptions,
not measurements, and are the only place they are written down.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088
CIRCUITY = 1.3  # road km per great-circle km in a dense city
SPEED_KMH = 30.0  # ambulance average in city traffic


class Need(StrEnum):
    """Special needs a bed must meet; a hospital offers the ones in its capabilities."""

    DIALYSIS = "dialysis"
    PREGNANCY = "pregnancy"
    CHILD = "child"
    PSYCHIATRIC = "psychiatric"


@dataclass(frozen=True)
class Site:
    """A hospital as the placement engine sees it."""

    code: str
    lat: float
    lon: float
    region: str
    capabilities: frozenset[Need] = frozenset()

    def can_treat(self, needs: frozenset[Need]) -> bool:
        return needs <= self.capabilities


def road_km(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Road distance (km) between points, broadcast like NumPy: great circle × circuity."""
    p1, p2 = np.radians(np.asarray(lat1, dtype=np.float64)), np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    great_circle = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    return np.asarray(great_circle * CIRCUITY, dtype=np.float64)


def minutes(km: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Driving minutes for a road distance."""
    return np.asarray(np.asarray(km, dtype=np.float64) / SPEED_KMH * 60.0, dtype=np.float64)
