"""Checks every service applies to what people and machines send: free text without control
characters, dates within a sane range, numbers within bounds. Used by forms
(``core.forms``), API schemas (``core.schemas``) and actions alike, so a rule is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from seoul.core.engine import text as text_rules
from seoul.core.engine.time import SEOUL


@deconstructible
class TextValidator:
    """Refuses control and text-direction characters (line breaks too unless ``multiline``)."""

    message = gettext_lazy("Remove the control characters from this text (%(where)s).")
    code = "control_characters"

    def __init__(self, *, multiline: bool = False) -> None:
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        found = text_rules.forbidden_characters(str(value), multiline=self.multiline)
        if found:
            raise ValidationError(self.message, code=self.code, params={"where": text_rules.describe(found)})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash(("TextValidator", self.multiline))


def check_text(
    value: str | None,
    field: str,
    *,
    max_length: int,
    min_length: int = 1,
    multiline: bool = False,
) -> str:
    """``value`` stripped, if it is allowed free text of the given length; else a ValidationError
    naming ``field``. Actions call this for text that did not come through a form."""
    cleaned = (value or "").strip()
    try:
        TextValidator(multiline=multiline)(cleaned)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    if len(cleaned) < min_length:
        if min_length == 1:
            raise ValidationError({field: _("This is required.")})
        raise ValidationError({field: _("At least %(n)d characters.") % {"n": min_length}})
    if len(cleaned) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return cleaned


def today() -> date:
    """Today in Seoul."""
    return timezone.localdate(timezone=SEOUL)


@dataclass(frozen=True)
class DateRange:
    """The dates a field may hold: from ``earliest`` up to ``latest()`` (a callable, so that
    "today" is today when the check runs)."""

    earliest: date
    latest: Callable[[], date] = today

    def contains(self, value: date) -> bool:
        return self.earliest <= value <= self.latest()

    def error(self) -> str:
        return _("Enter a date from %(earliest)s to %(latest)s.") % {
            "earliest": self.earliest.isoformat(),
            "latest": self.latest().isoformat(),
        }

    def check(self, value: date, field: str) -> date:
        if isinstance(value, datetime):
            value = value.astimezone(SEOUL).date() if value.tzinfo else value.date()
        if not self.contains(value):
            raise ValidationError({field: self.error()})
        return value


# The Post-Corona plan and the epidemic it answers: nothing it records predates 2020.
PANDEMIC_ERA = DateRange(date(2020, 1, 1))


def _ten_years_ahead() -> date:
    return today() + timedelta(days=3653)


# Deadlines and milestones: from the plan's start to ten years ahead.
PLANNING_HORIZON = DateRange(date(2020, 1, 1), _ten_years_ahead)


def check_number(value: float, field: str, *, lo: float, hi: float) -> float:
    """A finite number from ``lo`` to ``hi``."""
    if value != value or value in (float("inf"), float("-inf")) or not lo <= value <= hi:
        raise ValidationError({field: _("Enter a number from %(lo)s to %(hi)s.") % {"lo": f"{lo:g}", "hi": f"{hi:g}"}})
    return value
