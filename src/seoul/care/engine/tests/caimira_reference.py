"""Reference data of CAiMIRA's test suite (release 4.17.8), for the comparison tests.

The outdoor temperatures the reference scenarios use: CAiMIRA's mean hourly temperatures per
month (°C, hours 0–23 as CAiMIRA indexes them), read from the HadISD-derived file it ships,
``caimira/calculator/models/data/global_weather_set.json`` (wheel caimira-4.17.8):

* ``GENEVA``: station 067000-99999 GENEVA COINTRIN, the nearest to (46.204391, 6.143158),
  CAiMIRA's ``data.GenevaTemperatures``.
* ``ALMATY_DEC``: station 368700-99999 ALMATY, the nearest to (43.667, 79.400), which
  ``caimira/tests/test_monte_carlo_full_models.py`` calls "Toronto" (its longitude lacks the
  minus sign); December, for the ``classroom_mc`` scenario.
"""

from __future__ import annotations

import numpy as np

from seoul.care.engine.airborne import PiecewiseConstant

GENEVA: dict[str, tuple[float, ...]] = {
    "Jan": (
        1.3,
        1.1,
        1.0,
        1.0,
        0.8,
        0.8,
        0.9,
        0.9,
        1.1,
        1.8,
        2.6,
        3.3,
        3.8,
        4.2,
        4.4,
        4.4,
        3.9,
        3.2,
        2.8,
        2.4,
        2.1,
        1.9,
        1.6,
        1.4,
    ),
    "Feb": (
        1.6,
        1.3,
        1.1,
        1.0,
        0.8,
        0.7,
        0.9,
        0.8,
        1.5,
        2.8,
        3.8,
        4.7,
        5.4,
        6.0,
        6.3,
        6.4,
        6.0,
        5.1,
        4.3,
        3.6,
        3.1,
        2.8,
        2.3,
        1.9,
    ),
    "Jun": (
        15.4,
        14.7,
        14.3,
        14.1,
        13.6,
        14.1,
        15.7,
        17.0,
        18.2,
        19.2,
        20.2,
        21.2,
        22.0,
        22.6,
        22.9,
        23.0,
        22.7,
        22.2,
        21.5,
        20.0,
        18.6,
        17.7,
        16.8,
        16.0,
    ),
    "Jul": (
        17.4,
        16.8,
        16.3,
        16.1,
        15.5,
        15.8,
        17.5,
        18.9,
        20.2,
        21.3,
        22.4,
        23.4,
        24.4,
        24.9,
        25.3,
        25.5,
        25.2,
        24.7,
        23.9,
        22.3,
        20.8,
        19.8,
        18.8,
        18.0,
    ),
}

ALMATY_DEC: tuple[float, ...] = (
    -4.5,
    -6.6,
    -6.8,
    -4.4,
    -5.2,
    -3.5,
    -0.7,
    -2.0,
    -1.4,
    0.3,
    -1.2,
    -2.4,
    -2.0,
    -4.3,
    -4.7,
    -2.9,
    -5.2,
    -5.6,
    -3.7,
    -6.2,
    -6.4,
    -4.3,
    -6.5,
    -6.5,
)

#: CAiMIRA's hourly climatology for Seoul in its calculator: the station nearest to Seoul with
#: data, 471110-99999 SEOUL AB (Seongnam), here turned from UTC to KST (index = hour KST).
SEOUL_AB_KST: dict[int, tuple[float, ...]] = {
    1: (
        -3.4,
        -3.7,
        -4.1,
        -4.4,
        -4.7,
        -5.0,
        -5.4,
        -5.4,
        -5.6,
        -4.4,
        -2.4,
        -1.1,
        0.1,
        1.0,
        1.8,
        1.9,
        1.7,
        1.3,
        0.2,
        -0.8,
        -1.5,
        -2.2,
        -2.8,
        -3.1,
    ),
    7: (
        23.7,
        23.4,
        23.2,
        23.0,
        22.7,
        22.7,
        22.6,
        23.2,
        24.2,
        25.1,
        26.0,
        26.8,
        27.4,
        28.0,
        28.5,
        28.8,
        28.7,
        28.4,
        27.8,
        26.9,
        25.9,
        25.2,
        24.6,
        24.1,
    ),
}


def hourly(celsius: tuple[float, ...]) -> PiecewiseConstant:
    """CAiMIRA's ``*Temperatures_hourly``: hour h holds the value of hour h (in K)."""
    return PiecewiseConstant(tuple(float(h) for h in range(25)), tuple(c + 273.15 for c in celsius))


def refined(celsius: tuple[float, ...], factor: int = 10) -> PiecewiseConstant:
    """CAiMIRA's ``PiecewiseConstant.refine(10)`` of the hourly profile (``data.GenevaTemperatures``):
    steps of 6 minutes holding the value interpolated linearly at the step's start, the 24:00
    knot repeating 23:00."""
    knots = np.asarray((*celsius, celsius[-1]), dtype=np.float64) + 273.15
    times = np.linspace(0.0, 24.0, 24 * factor + 1)
    values = np.interp(times, np.arange(25.0), knots)[:-1]
    return PiecewiseConstant(tuple(float(t) for t in times), tuple(float(v) for v in values))
