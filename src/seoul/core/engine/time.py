"""Seoul's time zone, defined once for the whole platform (settings, engines, pages).

Korea has kept UTC+9 without daylight saving since 1988; the zone is still looked up from the
IANA database rather than fixed as an offset, so historical instants stay right.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SEOUL_TZ_NAME = "Asia/Seoul"
SEOUL = ZoneInfo(SEOUL_TZ_NAME)


def local_midnight(day: date) -> datetime:
    """00:00 Seoul time of ``day`` as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=SEOUL)


def seoul_date(at: datetime) -> date:
    """The Seoul calendar date of an aware instant."""
    if at.tzinfo is None:
        raise ValueError("an aware datetime is needed to find its Seoul date")
    return at.astimezone(SEOUL).date()
