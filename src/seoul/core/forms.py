"""Form fields every service uses for what people type: free text that refuses control
characters, and dates and times within a sane range (``core.validation``).

``tests`` walk every form of every app and fail on a plain ``CharField``: use these instead.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise

from seoul.core import districts
from seoul.core.engine.time import SEOUL
from seoul.core.validation import PANDEMIC_ERA, DateRange, TextValidator


class TextField(forms.CharField):
    """One line of free text: no control characters, no line breaks."""

    multiline = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(TextValidator(multiline=self.multiline))


class MultilineTextField(TextField):
    """Free text over several lines (notes, descriptions): line breaks and tabs allowed."""

    multiline = True
    widget = forms.Textarea


class BoundedDateField(forms.DateField):
    """A date within ``dates`` (by default 2020-01-01 to today, Seoul time); the browser's date
    picker gets the same bounds."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, *, dates: DateRange = PANDEMIC_ERA, **kwargs: Any) -> None:
        self.dates = dates
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        return {**attrs, "min": self.dates.earliest.isoformat(), "max": self.dates.latest().isoformat()}

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not self.dates.contains(value):
            raise ValidationError(self.dates.error(), code="date_range")


class BoundedDateTimeField(forms.DateTimeField):
    """A date and time (Seoul time when none is given) whose date lies within ``dates``."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, *, dates: DateRange = PANDEMIC_ERA, **kwargs: Any) -> None:
        self.dates = dates
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        return {
            **attrs,
            "min": f"{self.dates.earliest.isoformat()}T00:00",
            "max": f"{self.dates.latest().isoformat()}T23:59",
        }

    def validate(self, value: datetime | None) -> None:
        super().validate(value)
        if value is not None:
            day = value.astimezone(SEOUL).date() if value.tzinfo else value.date()
            if not self.dates.contains(day):
                raise ValidationError(self.dates.error(), code="date_range")


class DistrictField(forms.TypedChoiceField):
    """One of Seoul's 25 districts. An optional one starts at ``blank`` (None), never at a
    district nobody chose."""

    def __init__(self, *, blank: str | Promise | None = None, **kwargs: Any) -> None:
        if blank is None:
            choices: Any = districts.choices
        else:
            choices = partial(_districts_or_blank, blank)
            kwargs |= {"required": False, "empty_value": None}
        super().__init__(coerce=int, choices=choices, **kwargs)


def _districts_or_blank(blank: str | Promise) -> list[tuple[int | str, str]]:
    return [("", str(blank)), *districts.choices()]
