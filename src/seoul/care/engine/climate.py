"""Seoul's outdoor temperature by month and hour of the day, for the window flows.

**Figures.** The Korea Meteorological Administration's (KMA, 기상청) climatological normals
1991–2020 for Seoul (ASOS station 108, Songwol-dong, Jongno-gu; 37.571 °N, 126.966 °E), monthly
mean of the daily maximum and of the daily minimum temperature (°C):

======  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====
month    Jan    Feb    Mar    Apr    May    Jun    Jul    Aug    Sep    Oct    Nov    Dec
======  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====
max      2.1    5.1   11.0   17.9   23.6   27.6   29.0   30.0   26.2   20.2   11.9    4.2
min     −5.5   −3.2    1.9    8.0   13.5   18.7   22.3   22.9   17.7   10.6    3.5   −3.4
======  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====  =====

Where they come from: the KMA normals as transcribed (source given there: KMA) in the
``{{climate chart}}`` of the English Wikipedia article "Seoul", read from a mirror of that
article's wikitext (the KMA's own portal could not be reached from the development machine).
That chart's period is 1991–2020: its precipitation column (July 414.4 mm, August 348.2 mm) is
the 1991–2020 normal, not the 1981–2010 one (394.7 and 364.2 mm in table 1 of Korean J. Nat.
Conserv. 16(1), "Seoul Meteorological Station, 1981–2010"), and its temperatures are that
table's 1981–2010 ones moved by −0.2 to +0.6 °C (mostly +0.3 to +0.5; e.g. January 1.5 / −5.9
then, August 29.6 / 22.4), in line with the annual mean going from 12.5 °C to 12.8 °C
(Wikipedia "Climate of Seoul"). Someone with the KMA's published table (data.kma.go.kr, 평년값)
should check the twenty-four figures against it.

**Daily cycle.** Each month's day is a two-part cosine (the shape of the "WAVE" model of
Reicosky et al. 1989, Agric. For. Meteorol. 46:193): the minimum at sunrise, the maximum at
15:00 KST, a half cosine rising between them and a half cosine falling from the maximum to the
next sunrise. Its daily mean is (max + min)/2. Sunrise is computed for the 15th of the month at
station 108 with the NOAA "General Solar Position Calculations" (Spencer 1971 series for the
declination and the equation of time, 90.833° zenith for refraction and the solar disc), in
KST (UTC+9, no daylight saving). A maximum at 15:00 KST matches the hourly climatology CAiMIRA
ships for the nearest station (HadISD 471110, Seoul Air Base), whose warmest hour is 06 UTC
= 15 KST in every month. Using mean daily extremes as the cycle's extremes makes the cycle a
little wider than a mean hourly profile (days do not all peak at the same hour).

**Representation (as CAiMIRA's calculator).** CAiMIRA takes a station's mean temperature for each
hour of the month (24 values, from HadISD), shifts it to local time and refines it to 240 steps
of 6 minutes, each step holding the value linearly interpolated (periodically, over 24 h) at its
midpoint; the window flow is constant on each step. Here the 24 hourly values are those of the
cycle above at 00:00, 01:00, … 23:00 KST, refined the same way (:func:`outdoor_temperature`), so
the window flows are computed on the same time grid as CAiMIRA's.
"""

from __future__ import annotations

import math

import numpy as np

from .airborne import FloatArray, PiecewiseConstant

#: KMA normals 1991–2020, station 108 (Seoul): month → (mean daily maximum, mean daily minimum), °C.
SEOUL_NORMALS_1991_2020: dict[int, tuple[float, float]] = {
    1: (2.1, -5.5),
    2: (5.1, -3.2),
    3: (11.0, 1.9),
    4: (17.9, 8.0),
    5: (23.6, 13.5),
    6: (27.6, 18.7),
    7: (29.0, 22.3),
    8: (30.0, 22.9),
    9: (26.2, 17.7),
    10: (20.2, 10.6),
    11: (11.9, 3.5),
    12: (4.2, -3.4),
}

#: ASOS station 108 (Seoul).
STATION_LATITUDE = 37.5714
STATION_LONGITUDE = 126.9658
#: KST is UTC+9 (the 135° E meridian); Korea keeps no daylight saving time.
UTC_OFFSET_HOURS = 9.0
#: Local time (h) of the daily maximum.
MAX_TEMPERATURE_HOUR = 15.0
#: Seoul's administrative area, roughly (lat, lon bounds): where these temperatures apply.
SEOUL_BOUNDS = ((37.41, 37.72), (126.73, 127.27))
#: Steps per hour of the refined profile (CAiMIRA: 24 × 10 points, 6-minute steps).
STEPS_PER_HOUR = 10

_MID_MONTH_DAY_OF_YEAR = (15, 46, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349)


def in_seoul(latitude: float, longitude: float) -> bool:
    (lat_low, lat_high), (lon_low, lon_high) = SEOUL_BOUNDS
    return lat_low <= latitude <= lat_high and lon_low <= longitude <= lon_high


def sunrise_hour(month: int) -> float:
    """Local (KST) time of sunrise at station 108 on the 15th of ``month``, in hours."""
    day = _MID_MONTH_DAY_OF_YEAR[month - 1]
    gamma = 2.0 * math.pi / 365.0 * (day - 1)
    declination = (
        0.006918
        - 0.399912 * math.cos(gamma)
        + 0.070257 * math.sin(gamma)
        - 0.006758 * math.cos(2 * gamma)
        + 0.000907 * math.sin(2 * gamma)
        - 0.002697 * math.cos(3 * gamma)
        + 0.00148 * math.sin(3 * gamma)
    )
    equation_of_time_min = 229.18 * (
        0.000075
        + 0.001868 * math.cos(gamma)
        - 0.032077 * math.sin(gamma)
        - 0.014615 * math.cos(2 * gamma)
        - 0.040849 * math.sin(2 * gamma)
    )
    latitude = math.radians(STATION_LATITUDE)
    cos_hour_angle = math.cos(math.radians(90.833)) / (math.cos(latitude) * math.cos(declination)) - math.tan(
        latitude
    ) * math.tan(declination)
    hour_angle_deg = math.degrees(math.acos(cos_hour_angle))
    solar_noon_min = 720.0 - 4.0 * STATION_LONGITUDE - equation_of_time_min + UTC_OFFSET_HOURS * 60.0
    return (solar_noon_min - 4.0 * hour_angle_deg) / 60.0


def daily_cycle_c(month: int, hours: FloatArray) -> FloatArray:
    """Temperature (°C) at local ``hours`` (any real, taken modulo 24) of a mean day of ``month``."""
    t_max, t_min = SEOUL_NORMALS_1991_2020[month]
    rise, peak = sunrise_hour(month), MAX_TEMPERATURE_HOUR
    h = np.mod(np.asarray(hours, dtype=np.float64) - rise, 24.0)  # hours since sunrise
    warming = peak - rise
    amplitude = t_max - t_min
    rising = t_min + amplitude * (1.0 - np.cos(math.pi * h / warming)) / 2.0
    falling = t_max - amplitude * (1.0 - np.cos(math.pi * (h - warming) / (24.0 - warming))) / 2.0
    return np.asarray(np.where(h <= warming, rising, falling), dtype=np.float64)


def hourly_temperatures_c(month: int) -> tuple[float, ...]:
    """The 24 values at 00:00, 01:00, … 23:00 KST (°C)."""
    if month not in SEOUL_NORMALS_1991_2020:
        raise ValueError(f"month must be 1–12, not {month!r}")
    return tuple(float(v) for v in daily_cycle_c(month, np.arange(24.0)))


def refine_hourly(hourly_k: tuple[float, ...], steps_per_hour: int = STEPS_PER_HOUR) -> PiecewiseConstant:
    """24 values on the hour → steps of 1/``steps_per_hour`` h holding the value interpolated
    (periodically) at each step's midpoint: CAiMIRA's calculator's representation."""
    boundaries = np.linspace(0.0, 24.0, 24 * steps_per_hour + 1)
    middles = boundaries[:-1] + 0.5 / steps_per_hour
    values = np.interp(middles, np.arange(24.0), np.asarray(hourly_k, dtype=np.float64), period=24.0)
    return PiecewiseConstant(tuple(float(t) for t in boundaries), tuple(float(v) for v in values))


def outdoor_temperature(month: int) -> PiecewiseConstant:
    """Seoul's outdoor temperature (K) through a mean day of ``month``, local time, 6-minute steps."""
    return refine_hourly(tuple(c + 273.15 for c in hourly_temperatures_c(month)))
