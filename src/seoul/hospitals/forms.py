"""Forms of the hospital network. The daily report's field names are the CSV's columns
(``engine.tabular``), so a refusal from the engine lands on the field it concerns."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.phone import format_phone, is_mobile
from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import PLANNING_HORIZON, today
from seoul.hospitals.engine import tabular
from seoul.hospitals.engine.report import BED_KINDS, FORECAST_DAYS, Profession, Supply
from seoul.hospitals.labels import (
    BED_LABELS,
    FORECAST_LABEL,
    KIND_LABELS,
    KIND_SHORT,
    MOVEMENT_LABELS,
    NEED_LABELS,
    PROFESSION_LABELS,
    STAFF_FIELD_LABELS,
    SUPPLY_FIELD_LABELS,
    SUPPLY_LABELS,
)


def _fill(template: Any, **params: Any) -> str:
    return str(template) % {k: str(v) for k, v in params.items()}


format_lazy = lazy(_fill, str)


def _count(label: Any, required: bool = False) -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=tabular.MAX_COUNT, required=required)


class DailyReportForm(forms.Form):
    """One hospital's report for one day (the hospital comes from the page)."""

    day = BoundedDateField(label=_("Day"), initial=today)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in BED_KINDS:
            for f in tabular.BED_FIELDS:
                self.fields[f"{kind}_{f}"] = _count(format_lazy(BED_LABELS[f], kind=KIND_SHORT[kind]))
        for name, label in MOVEMENT_LABELS.items():
            self.fields[name] = _count(label)
        for p in Profession:
            self.fields[f"staff_{p}_on_duty"] = _count(
                format_lazy(STAFF_FIELD_LABELS["on_duty"], who=PROFESSION_LABELS[p])
            )
            self.fields[f"staff_{p}_short"] = _count(format_lazy(STAFF_FIELD_LABELS["short"], who=PROFESSION_LABELS[p]))
        for s in Supply:
            self.fields[f"supply_{s}_on_hand"] = _count(
                format_lazy(SUPPLY_FIELD_LABELS["on_hand"], what=SUPPLY_LABELS[s])
            )
            self.fields[f"supply_{s}_days"] = forms.FloatField(
                label=format_lazy(SUPPLY_FIELD_LABELS["days"], what=SUPPLY_LABELS[s]),
                min_value=0,
                max_value=tabular.MAX_DAYS_OF_SUPPLY,
                required=False,
            )
        for i in range(1, FORECAST_DAYS + 1):
            self.fields[f"forecast_{i}"] = _count(format_lazy(FORECAST_LABEL, n=i))

    def bed_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(KIND_LABELS[k], [self[f"{k}_{f}"] for f in tabular.BED_FIELDS]) for k in BED_KINDS]

    def staff_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(PROFESSION_LABELS[p], self[f"staff_{p}_on_duty"], self[f"staff_{p}_short"]) for p in Profession]

    def supply_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [(SUPPLY_LABELS[s], self[f"supply_{s}_on_hand"], self[f"supply_{s}_days"]) for s in Supply]

    def forecast_fields(self) -> list[forms.BoundField]:
        return [self[f"forecast_{i}"] for i in range(1, FORECAST_DAYS + 1)]

    def row(self) -> dict[str, str]:
        """The cleaned form as a flat row of text cells (``engine.tabular``)."""
        out = {}
        for name, value in self.cleaned_data.items():
            if value is None:
                out[name] = ""
            elif name == "day":
                out[name] = value.isoformat()
            else:
                out[name] = tabular.number_text(value) if isinstance(value, float) else str(value)
        return out


class ReportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("One row per hospital and day; the first row names the columns. Up to 2 MB."),
    )


# ---- patients and proposals --------------------------------------------------------------

TIER_HELP = _(
    "Korea's four-level triage: mild (community treatment centre), moderate, severe, critical (ICU with "
    "invasive ventilation or ECMO)."
)


class PatientForm(forms.Form):
    name = TextField(label=_("Name"), max_length=100)
    phone = TextField(label=_("Mobile phone"), max_length=30, required=False)
    birth_year = forms.IntegerField(label=_("Year of birth"), min_value=1900, max_value=2100, required=False)
    district = forms.TypedChoiceField(label=_("District where the patient is"), coerce=int, choices=())
    tier = forms.ChoiceField(label=_("Severity"), choices=(), widget=forms.RadioSelect, help_text=TIER_HELP)
    needs = forms.MultipleChoiceField(
        label=_("Special needs"),
        choices=[(n.value, label) for n, label in NEED_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    note = MultilineTextField(label=_("Note for the coordinator"), max_length=1000, required=False)

    def __init__(
        self, *args: Any, districts: list[tuple[int, str]], tiers: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("Choose a district")), *districts]  # type: ignore[attr-defined]
        self.fields["tier"].choices = tiers  # type: ignore[attr-defined]

    def clean_phone(self) -> str:
        value = str(self.cleaned_data.get("phone") or "")
        if value and not is_mobile(value):
            raise forms.ValidationError(_("Enter a mobile number such as 010-1234-5678."))
        return format_phone(value) if value else ""


class DecisionForm(forms.Form):
    """One choice per line of a proposal: as proposed, another hospital, or not now."""

    ACCEPT = "accept"
    SKIP = "skip"

    def __init__(self, *args: Any, lines: list[Any], hospitals: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            choices: list[tuple[str, Any]]
            if line.kind == "move":
                choices = [(self.ACCEPT, _("Move as proposed")), (self.SKIP, _("Not now"))]
            elif line.kind == "place":
                choices = [(self.ACCEPT, _("As proposed")), *hospitals, (self.SKIP, _("Not now"))]
            else:
                choices = [(self.SKIP, _("Keeps waiting")), *hospitals]
            self.fields[f"line_{line.pk}"] = forms.ChoiceField(
                label=line.patient.reference, choices=choices, initial=choices[0][0]
            )

    def decisions(self) -> dict[int, str | None]:
        out: dict[int, str | None] = {}
        for line in self.lines:
            value = self.cleaned_data.get(f"line_{line.pk}")
            out[line.pk] = None if value == self.SKIP else value
        return out

    def rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]


class ReasonTextForm(forms.Form):
    reason = TextField(label=_("Reason"), max_length=500)


# ---- sharing -----------------------------------------------------------------------------


class ResourceRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("What is needed"), choices=(), widget=forms.RadioSelect)
    item = TextField(
        label=_("Which"),
        max_length=40,
        help_text=_(
            "A profession (e.g. nurses), a supply (e.g. KF94 respirators) or a piece of equipment (e.g. ventilator)."
        ),
    )
    quantity = forms.IntegerField(label=_("How many"), min_value=1, max_value=10_000)
    start = BoundedDateField(label=_("From"), dates=PLANNING_HORIZON, required=False)
    end = BoundedDateField(label=_("Until"), dates=PLANNING_HORIZON, required=False)
    note = MultilineTextField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]


class OfferForm(forms.Form):
    quantity = forms.IntegerField(label=_("How many you can lend"), min_value=1, max_value=10_000)
    note = MultilineTextField(label=_("Note"), max_length=500, required=False)


# ---- the register ----------------------------------------------------------------------------


class HospitalForm(forms.Form):
    code = TextField(
        label=_("Code"), max_length=16, help_text=_("Short and unique, e.g. P-KUMC for a partner hospital.")
    )
    name_ko = TextField(label=_("Name in Korean"), max_length=100)
    name_en = TextField(label=_("Name in English"), max_length=150)
    kind = forms.ChoiceField(label=_("Kind"), choices=(), widget=forms.RadioSelect)
    district = forms.TypedChoiceField(label=_("District"), coerce=int, choices=())
    address = TextField(label=_("Address"), max_length=200, required=False)
    lat = forms.FloatField(label=_("Latitude"), min_value=37.0, max_value=38.0, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=126.5, max_value=127.5, required=False)
    licensed_beds = forms.IntegerField(label=_("Licensed beds"), min_value=0, max_value=10_000, required=False)
    capabilities = forms.MultipleChoiceField(
        label=_("Special needs it can meet"),
        choices=[(n.value, label) for n, label in NEED_LABELS.items()],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(
        self, *args: Any, districts: list[tuple[int, str]], kinds: list[tuple[str, Any]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("Choose a district")), *districts]  # type: ignore[attr-defined]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]
