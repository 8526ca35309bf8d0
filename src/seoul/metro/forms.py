from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.time import SEOUL
from seoul.core.forms import BoundedDateField, BoundedDateTimeField, MultilineTextField, TextField
from seoul.core.validation import DateRange, today
from seoul.metro.engine import data
from seoul.metro.engine.network import UnknownStation
from seoul.metro.errors import MetroError
from seoul.metro.models import Asset, Dispute, Rider, WorkOrder
from seoul.metro.reports import MAX_DAYS, ReportFilters
from seoul.metro.schemas import FARE_DATES
from seoul.metro.selectors import DisputeFilters, OrderFilters


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


# --- rider sign-up and account (docs/metro-riders.md) -------------------------------------------


class PhoneForm(forms.Form):
    phone = TextField(
        label=_("What is your mobile number?"),
        max_length=20,
        help_text=_("We text a 6-digit code to it. Your number is how you sign in; we never show it to gate staff."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "class": "width-20"}),
    )


class CodeForm(forms.Form):
    code = TextField(
        label=_("Enter the code we texted you"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "class": "width-10", "spellcheck": "false"}
        ),
    )


class DetailsForm(forms.Form):
    password = TextField(
        label=_("Choose a password"),
        strip=False,
        max_length=128,
        help_text=_("At least 10 characters; not a common password. You sign in with your mobile number and it."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    birth_date = BoundedDateField(
        dates=DateRange(date(1900, 1, 1)),
        label=_("Date of birth"),
        help_text=_("For your fare: children (6–12) and youths (13–18) pay less. You must be 14 or older to sign up."),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
    )
    payment_mode = forms.ChoiceField(
        label=_("How do you want to pay?"),
        widget=forms.RadioSelect,
        choices=[
            ("prepaid", _("Prepaid: top up a balance from your card; each journey is taken from it at once.")),
            ("postpaid", _("Postpaid: your card is charged once a day for the previous day's journeys.")),
        ],
        initial="postpaid",
    )
    accept_terms = forms.BooleanField(
        label=_("I agree to the terms of service of Seoul Metro tagless payment"),
        required=False,
    )
    location_consent = forms.BooleanField(
        label=_("I agree that Seoul Metro uses my phone's location at stations for tagless gates (optional)"),
        required=False,
        help_text=_(
            "Gates near you read your phone's signal so you can walk through without tapping. Only the "
            "stations and times of your passages are kept. Without it you tap a card at the gate. You can "
            "withdraw it at any time on 'My account'."
        ),
    )

    def clean_accept_terms(self) -> bool:
        if not self.cleaned_data.get("accept_terms"):
            raise MetroError.TERMS_REQUIRED.error()
        return True


class TopUpForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount to add (won)"),
        min_value=1_000,
        max_value=500_000,
        help_text=_("In steps of 1,000 won; a balance holds at most 500,000 won."),
        widget=forms.NumberInput(attrs={"step": 1000, "class": "width-10", "inputmode": "numeric"}),
    )
    nonce = TextField(widget=forms.HiddenInput, max_length=40)


class ReplaceDeviceForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What happened to this phone?"),
        widget=forms.RadioSelect,
        choices=[("lost", _("It was lost or stolen")), ("replaced", _("I have a new phone"))],
    )
    label = TextField(label=_("Name of the new phone"), required=False, max_length=60)


class CorrectionForm(forms.Form):
    station = TextField(
        label=_("Station"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "stations", "autocomplete": "off"}),
    )
    at = BoundedDateTimeField(label=_("About what time?"), dates=DateRange(date(2020, 1, 1)))

    def clean_station(self) -> str:
        return _station(self.cleaned_data["station"])

    def clean_at(self) -> datetime:
        at: datetime = self.cleaned_data["at"]
        return at if at.tzinfo else at.replace(tzinfo=SEOUL)


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


# --- smart train maintenance (docs/metro-maintenance.md) ----------------------------------------


class WorkOrderFilterForm(forms.Form):
    """The maintenance worklist's filters and order (GET; an empty form shows the orders not yet
    closed, the soonest due first)."""

    STATUSES = [("active", _("Not closed")), *WorkOrder.Status.choices, ("", _("All"))]
    SORTS = [
        ("due", _("Soonest due first")),
        ("severity", _("Most severe first")),
        ("newest", _("Newest first")),
        ("asset", _("Asset")),
    ]

    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES, initial="active")
    severity = forms.ChoiceField(
        label=pgettext_lazy("maintenance", "Severity"),
        required=False,
        choices=[("", _("Any")), *WorkOrder.Severity.choices],
    )
    kind = forms.ChoiceField(label=_("Alert"), required=False, choices=[("", _("Any")), *WorkOrder.Kind.choices])
    line = forms.ChoiceField(label=_("Line"), required=False, choices=[])
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = data.line_names(english=(get_language() or "ko").startswith("en"))
        lines = sorted(set(Asset.objects.values_list("line", flat=True)), key=lambda c: (len(c), c))
        line_field: Any = self.fields["line"]
        line_field.choices = [("", _("Any")), *((code, names.get(code, code)) for code in lines)]

    def filters(self) -> OrderFilters:
        """What to show: the valid filters (an invalid one is left out and shown as an error)."""
        if not self.is_bound:
            return OrderFilters()
        self.is_valid()
        d: dict[str, Any] = getattr(self, "cleaned_data", {})
        return OrderFilters(
            status=d.get("status", "active") if "status" in self.data else "active",
            severity=d.get("severity") or "",
            kind=d.get("kind") or "",
            line=d.get("line") or "",
            sort=d.get("sort") or "due",
        )


class FindingForm(forms.Form):
    finding = forms.ChoiceField(
        label=_("What did the inspection find?"), choices=WorkOrder.Finding.choices, widget=forms.RadioSelect
    )
    note = MultilineTextField(
        label=_("What was found and done"),
        min_length=5,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A false alarm makes this asset's sensors slower to alert; say what you checked."),
    )


class SensorDeviceForm(forms.Form):
    name = TextField(
        label=_("Device name"),
        max_length=60,
        help_text=_("As the fleet file and the unit's label name it, e.g. 2-51-CAR1-UNIT"),
    )


class DeviceStopForm(forms.Form):
    reason = TextField(
        label=_("Why stop its token?"),
        min_length=5,
        max_length=200,
        help_text=_("Lost, stolen or replaced: the reason is kept with the audit record."),
    )


# --- per-car congestion (docs/metro-congestion.md) ----------------------------------------------


class CongestionForm(forms.Form):
    """A platform: the station, then where the train goes (offered as choices once the station
    is known) and, at a transfer station, the line."""

    station = TextField(
        label=_("Station"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "stations", "autocomplete": "off"}),
    )
    direction = TextField(label=_("Where the train goes"), max_length=40, required=False)
    line = TextField(label=_("Line"), max_length=4, required=False)

    def clean_station(self) -> str:
        return _station(self.cleaned_data["station"])
