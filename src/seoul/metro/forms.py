from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL
from seoul.core.forms import BoundedDateField, BoundedDateTimeField, MultilineTextField, TextField
from seoul.core.validation import DateRange, today
from seoul.metro.engine import data
from seoul.metro.engine.network import UnknownStation
from seoul.metro.errors import MetroError
from seoul.metro.models import Dispute, Rider
from seoul.metro.reports import MAX_DAYS, ReportFilters
from seoul.metro.schemas import FARE_DATES
from seoul.metro.selectors import DisputeFilters


def _station(value: str) -> str:
    """The station's name in the data from what a person typed (Korean or English, any spacing
    or case, with or without 역/Station); unknown names get suggestions in the page's language."""
    try:
        return data.network().resolve(value)
    except UnknownStation as exc:
        lang = get_language() or "ko"
        names = ", ".join(data.station_name(s, lang) for s in exc.suggestions)
        raise MetroError.UNKNOWN_STATION.error(names=names) from None


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

    def clean_origin(self) -> str:
        return _station(self.cleaned_data["origin"])

    def clean_destination(self) -> str:
        return _station(self.cleaned_data["destination"])

    def clean(self) -> dict[str, Any]:
        """Questions the tariff data cannot answer are refused here, in the page's language, rather
        than by the fare engine's own (English) refusal: a Sinbundang-line journey before the
        first Sinbundang surcharge table. (Every pair of stations is connected in the shipped
        network: test_pages checks it.)"""
        cleaned: dict[str, Any] = super().clean() or {}
        origin, destination = cleaned.get("origin"), cleaned.get("destination")
        if not origin or not destination:
            return cleaned
        net = data.network()
        tables = data.tariffs().surcharges
        uses_sbd = cleaned.get("sinbundang") or any(net.only_on_separately_charged(s) for s in (origin, destination))
        if uses_sbd and tables and "at" not in self.errors:
            first = min(t.effective_from for t in tables)
            if self.boarding().astimezone(SEOUL).date() < first:
                self.add_error("at", MetroError.NO_SURCHARGE_TABLE.error(day=first.isoformat()))
        return cleaned

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
    refund = forms.IntegerField(
        label=_("Refund (won)"),
        min_value=0,
        max_value=1_000_000,
        help_text=_("0 rejects the dispute: the rider then reads your decision and reason."),
    )
    resolution = MultilineTextField(
        label=_("Decision and reason"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The rider reads this on their journeys page: write it in plain words."),
    )


class DisputeFilterForm(forms.Form):
    """The dispute worklist's filters and order (GET; an empty form shows open disputes, oldest first)."""

    SORTS = [
        ("oldest", _("Oldest first")),
        ("newest", _("Newest first")),
        ("charge", _("Largest charge first")),
        ("station", _("Entry station")),
    ]
    AGES = [
        ("", _("Any age")),
        ("1", _("Older than a day")),
        ("7", _("Older than a week")),
        ("30", _("Older than 30 days")),
    ]

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Dispute.Status.choices], initial="open"
    )
    age = forms.ChoiceField(label=_("Age"), required=False, choices=AGES)
    min_charge = forms.IntegerField(label=_("Charged at least (won)"), required=False, min_value=0, max_value=1_000_000)
    station = TextField(label=_("Station"), required=False, max_length=40)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def clean_station(self) -> str | None:
        value = self.cleaned_data.get("station")
        return _station(value) if value else None

    def filters(self) -> DisputeFilters:
        """What to show: the valid filters (an invalid one is left out and shown as an error)."""
        if not self.is_bound:
            return DisputeFilters()
        self.is_valid()
        d: dict[str, Any] = getattr(self, "cleaned_data", {})
        age = d.get("age")
        return DisputeFilters(
            status=d.get("status", Dispute.Status.OPEN) if "status" in self.data else Dispute.Status.OPEN,
            older_than_days=int(age) if age else None,
            min_charge=d.get("min_charge"),
            station=d.get("station"),
            sort=d.get("sort") or "oldest",
        )


# Reports read from the day the platform's ledger could first hold money to today.
REPORT_DATES = DateRange(date(2024, 1, 1), today)


class ReportFilterForm(forms.Form):
    """The operator reports' period (Seoul-local days, at most ``MAX_DAYS``) and line (GET;
    an empty form shows the last 7 days, every line)."""

    start = BoundedDateField(label=_("From"), required=False, dates=REPORT_DATES)
    end = BoundedDateField(label=_("To"), required=False, dates=REPORT_DATES)
    line = forms.ChoiceField(label=_("Line"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # the default period, shown in the fields
            self.initial = {"start": today() - timedelta(days=6), "end": today(), **self.initial}
        names = data.line_names((get_language() or "ko").startswith("en"))
        field = self.fields["line"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("All lines")), *sorted(names.items(), key=lambda kv: _line_order(kv[0]))]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", MetroError.REPORT_PERIOD.error(days=MAX_DAYS))
            elif (end - start).days + 1 > MAX_DAYS:
                self.add_error("start", MetroError.REPORT_PERIOD.error(days=MAX_DAYS))
        return cleaned

    def filters(self) -> ReportFilters:
        """What to show: the valid filters (an invalid one falls back to its default)."""
        end = today()
        d: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            d = getattr(self, "cleaned_data", {})
            if self.errors:  # a wrong period shows the default one, with the error
                d = {"line": d.get("line", "")}
        end = d.get("end") or (d["start"] + timedelta(days=6) if d.get("start") else end)
        end = min(end, today())
        start = d.get("start") or end - timedelta(days=6)
        return ReportFilters(start=start, end=max(start, end), line=d.get("line") or "")


def _line_order(code: str) -> tuple[int, str]:
    return (0, code.zfill(3)) if code.isdigit() else (1, code)
