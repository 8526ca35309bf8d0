from __future__ import annotations

from datetime import date, datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL
from seoul.core.forms import BoundedDateTimeField, MultilineTextField, TextField
from seoul.core.validation import DateRange, today
from seoul.metro.models import Rider

# Fares can be looked up from the first integrated tariff in force to a year ahead.
FARE_DATES = DateRange(date(2015, 6, 27), lambda: today() + timedelta(days=366))


class FareForm(forms.Form):
    origin = TextField(
        label=_("From station"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "stations", "autocomplete": "off"}),
    )
    destination = TextField(
        label=_("To station"), max_length=40, widget=forms.TextInput(attrs={"list": "stations", "autocomplete": "off"})
    )
    card = forms.ChoiceField(label=_("Rider"), choices=Rider.Category.choices, initial="adult")
    payment = forms.ChoiceField(
        label=_("Payment"),
        choices=[("card", _("Transport card")), ("cash", _("Single-journey ticket"))],
        initial="card",
    )
    at = BoundedDateTimeField(label=_("Boarding time"), required=False, dates=FARE_DATES)
    sinbundang = forms.BooleanField(label=_("The journey uses the Sinbundang line"), required=False)

    def boarding(self) -> datetime:
        at: datetime | None = self.cleaned_data.get("at")
        if at is None:
            return timezone.now()
        return at if at.tzinfo else at.replace(tzinfo=SEOUL)


class DisputeForm(forms.Form):
    reason = MultilineTextField(
        label=_("What went wrong?"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ResolveForm(forms.Form):
    refund = forms.IntegerField(label=_("Refund (won)"), min_value=0, max_value=1_000_000)
    resolution = MultilineTextField(
        label=_("Decision and reason"), min_length=5, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
