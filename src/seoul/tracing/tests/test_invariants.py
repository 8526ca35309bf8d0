"""Invariants of the derived dates, over many inputs (no database: unsaved records)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.core.engine.time import SEOUL
from seoul.tracing.engine.discovery import infectious_window
from seoul.tracing.models import Case, Contact, Outbreak

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=200, deadline=None)
@given(
    onset=st.none() | days, test=days, before=st.integers(0, 14), isolated_after_h=st.none() | st.integers(1, 24 * 30)
)
def test_case_window_is_the_engines_and_starts_at_seoul_midnight(
    onset: date | None, test: date, before: int, isolated_after_h: int | None
) -> None:
    anchor = onset or test
    start = datetime.combine(anchor - timedelta(days=before), time(0), tzinfo=SEOUL)
    isolated = start + timedelta(hours=isolated_after_h) if isolated_after_h else None
    case = Case(outbreak=Outbreak(infectious_days_before=before), onset_on=onset, test_on=test, isolated_at=isolated)
    window = case.window()
    assert window == infectious_window(onset, test, isolated, days_before=before)
    assert window.start == start  # onset wins over the test date; exactly 00:00 Seoul time
    assert window.end > window.start
    if isolated is not None:
        assert window.end == isolated  # the window closes at isolation


@settings(max_examples=200, deadline=None)
@given(last=days, monitoring=st.integers(1, 60), offset=st.integers(-3, 65))
def test_quarantine_runs_the_monitoring_period_after_the_last_exposure(
    last: date, monitoring: int, offset: int
) -> None:
    contact = Contact(outbreak=Outbreak(monitoring_days=monitoring), last_exposure_on=last)
    assert contact.quarantine_start == last
    assert (contact.quarantine_end - contact.quarantine_start).days == monitoring
    day = last + timedelta(days=offset)
    assert contact.monitored_on(day) == (1 <= offset <= monitoring)
