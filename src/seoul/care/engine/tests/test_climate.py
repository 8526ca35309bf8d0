"""Seoul's outdoor temperature profile."""

from __future__ import annotations

import math

import numpy as np
import pytest

from seoul.care.engine import airborne, climate
from seoul.care.engine.tests.caimira_reference import SEOUL_AB_KST


@pytest.mark.parametrize("month", range(1, 13))
def test_daily_cycle_reaches_the_normals(month: int) -> None:
    t_max, t_min = climate.SEOUL_NORMALS_1991_2020[month]
    fine = climate.daily_cycle_c(month, np.linspace(0, 24, 24 * 600, endpoint=False))
    assert fine.max() == pytest.approx(t_max, abs=1e-6)
    assert fine.min() == pytest.approx(t_min, abs=1e-6)
    assert fine.mean() == pytest.approx((t_max + t_min) / 2, abs=1e-3)
    # minimum at sunrise, maximum at 15:00
    assert float(climate.daily_cycle_c(month, np.array([climate.sunrise_hour(month)]))[0]) == pytest.approx(t_min)
    assert float(climate.daily_cycle_c(month, np.array([15.0]))[0]) == pytest.approx(t_max)


def test_sunrise_times() -> None:
    # Seoul: about 07:46 in mid-January, 05:10 in mid-June (KST).
    assert climate.sunrise_hour(1) == pytest.approx(7 + 46 / 60, abs=5 / 60)
    assert climate.sunrise_hour(6) == pytest.approx(5 + 10 / 60, abs=5 / 60)


def test_profile_is_caimira_shaped() -> None:
    profile = climate.outdoor_temperature(1)
    assert len(profile.values) == 240
    assert profile.times[0] == 0.0
    assert profile.times[-1] == 24.0
    hourly = climate.hourly_temperatures_c(1)
    # The step from 10:00 to 10:06 holds the value interpolated at 10:03.
    step = 100
    expected = hourly[10] + (hourly[11] - hourly[10]) * 0.05
    assert profile.values[step] == pytest.approx(expected + 273.15)
    # Periodic: the last step (23:54–24:00) interpolates between 23:00 and 00:00.
    assert profile.values[-1] == pytest.approx(hourly[23] + (hourly[0] - hourly[23]) * 0.95 + 273.15)


@pytest.mark.parametrize("month", [1, 7])
def test_close_to_caimiras_own_seoul_climatology(month: int) -> None:
    # CAiMIRA's calculator would use HadISD station 471110 (Seoul Air Base) for Seoul.
    ours = np.array(climate.hourly_temperatures_c(month))
    theirs = np.array(SEOUL_AB_KST[month])
    assert math.sqrt(float(((ours - theirs) ** 2).mean())) < 1.5
    assert abs(int(ours.argmin()) - int(theirs.argmin())) <= 2
    assert abs(int(ours.argmax()) - int(theirs.argmax())) <= 1
    # The window flow of a daycare window over the day, on both profiles, within 5 % (January;
    # in July the outside is warmer than 20 °C inside and both fall to the minimum difference).
    room = airborne.Room(150, 293.15)
    window = airborne.SlidingWindow(airborne.ALWAYS, climate.outdoor_temperature(month), 1.2, 0.2, 2)
    window_caimira = airborne.SlidingWindow(
        airborne.ALWAYS, climate.refine_hourly(tuple(c + 273.15 for c in theirs)), 1.2, 0.2, 2
    )
    hours = np.arange(9.0, 17.0, 0.05)
    ours_ach = airborne.air_exchange([window], room, hours).mean()
    theirs_ach = airborne.air_exchange([window_caimira], room, hours).mean()
    assert ours_ach == pytest.approx(theirs_ach, rel=0.05)


def test_in_seoul() -> None:
    assert climate.in_seoul(37.5665, 126.978)  # City Hall
    assert not climate.in_seoul(35.1796, 129.0756)  # Busan
    assert not climate.in_seoul(37.4563, 126.7052)  # Incheon


def test_bad_month() -> None:
    with pytest.raises(ValueError, match="month"):
        climate.hourly_temperatures_c(13)
