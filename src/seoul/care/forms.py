from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from seoul.care import selectors
from seoul.care.models import Facility
from seoul.core import districts
from seoul.core.forms import DistrictField, TextField

MODEL_ACCEPT = ".json,.ifc"


class FacilityForm(forms.Form):
    name = TextField(label=_("Facility name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of facility"), choices=Facility.Kind.choices, initial=Facility.Kind.DAYCARE)
    district = DistrictField(label=_("District"))
    model = forms.FileField(
        label=_("Model of the facility"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": MODEL_ACCEPT}),
        help_text=_("A .json file in the platform's format, or an .ifc BIM model with its spaces, doors and windows."),
    )
    example = forms.BooleanField(
        label=_("No model yet: start from the example centre (40 children) and change it here"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("model") and not data.get("example"):
            self.add_error("model", _("Choose a model file, or start from the example centre."))
        if data.get("model") and data.get("example"):
            self.add_error("example", _("Either upload a model or start from the example, not both."))
        return data


class VersionForm(forms.Form):
    model = forms.FileField(
        label=_("New model"),
        widget=forms.ClearableFileInput(attrs={"accept": MODEL_ACCEPT}),
        help_text=_("The whole facility again (.json or .ifc): it becomes the next version; earlier ones are kept."),
    )
    note = TextField(label=_("What changed"), max_length=300, required=False)


class MonthForm(forms.Form):
    month = forms.TypedChoiceField(
        label=_("Month (outdoor temperature and window airing)"),
        coerce=int,
        choices=[(m, MONTHS[m]) for m in range(1, 13)],
        initial=1,
    )


COST_LABELS = {
    "air_cleaner_won": _("Air cleaner, one unit (won)"),
    "air_cleaner_cadr_m3h": _("Air cleaner's clean-air rate (m³/h)"),
    "air_cleaner_filters_won_per_year": _("Air cleaner filters a year (won)"),
    "erv_won": _("Energy-recovery ventilator for one room, installed (won)"),
    "erv_m3h": _("Ventilator's outdoor air (m³/h)"),
    "erv_running_won_per_month": _("Ventilator running cost a month (won)"),
    "ventilation_rebalance_won": _("Rebalancing a room's ventilation (won)"),
    "washbasin_won": _("Washbasin, installed (won)"),
    "exterior_door_won": _("New exterior door (won)"),
    "sick_room_move_won": _("Moving the sick room (won)"),
    "window_airing_won": _("Airing by the windows on a schedule (won)"),
    "extra_teacher_won_per_month": _("One more teacher a month (won)"),
    "horizon_months": _("Months of running cost counted in the ranking"),
}


class UnitCostsForm(forms.Form):
    """Every unit cost of the ranking, with what it covers as the hint (in the page's language)."""

    note = TextField(label=_("Why these costs (a quotation, a price survey…)"), max_length=200)

    def __init__(self, *args: Any, current: Any, korean: bool, **kwargs: Any) -> None:
        import dataclasses

        from seoul.care.engine.interventions import COST_BASIS, COST_BASIS_KO

        super().__init__(*args, **kwargs)
        basis = COST_BASIS_KO if korean else COST_BASIS
        for f in dataclasses.fields(current):
            value = getattr(current, f.name)
            whole = f.name == "horizon_months"
            positive = f.name in ("air_cleaner_cadr_m3h", "erv_m3h")
            field: forms.Field = (
                forms.IntegerField(min_value=1 if whole else 0, max_value=120)
                if whole
                else forms.FloatField(min_value=1 if positive else 0, max_value=1e10)
            )
            field.label = COST_LABELS.get(f.name, f.name)
            field.help_text = basis.get(f.name, "")
            field.initial = value
            self.fields[f.name] = field
        self.order_fields([*(f.name for f in dataclasses.fields(current)), "note"])

    def costs(self) -> dict[str, float]:
        return {k: v for k, v in self.cleaned_data.items() if k != "note"}


def _check_choices() -> list[tuple[str, Any]]:
    """The design checks by their titles in the page's language."""
    korean = (get_language() or "ko").startswith("ko")
    titles = selectors.check_titles()
    return [
        ("", _("None (failed checks and infections)")),
        *((k, ko if korean else en) for k, (en, ko) in titles.items()),
    ]


class FacilityFilterForm(forms.Form):
    district = DistrictField(label=_("District"), blank=_("Every district"))
    failing = forms.BooleanField(label=_("Only centres failing a check"), required=False)
    check = forms.ChoiceField(
        label=_("Compare one check"),
        choices=_check_choices,
        required=False,
        help_text=_("Each centre's result and key figure for this check, worst first."),
    )


class DistrictOfficerForm(forms.Form):
    """The districts a district childcare officer works on (all at once)."""

    user = forms.TypedChoiceField(label=_("Staff member"), coerce=int)
    districts = forms.TypedMultipleChoiceField(
        label=_("Districts they work on"),
        coerce=int,
        choices=districts.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They will see only these districts' centres. None: they are no longer a district officer."),
    )

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs["prefix"] = "officer"
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Choose a person")), *staff]  # type: ignore[attr-defined]


class DirectorForm(forms.Form):
    """A daycare director and a centre they direct (or no longer direct)."""

    user = forms.TypedChoiceField(label=_("Staff member"), coerce=int)
    facility = forms.TypedChoiceField(label=_("Centre"), coerce=int)
    directs = forms.TypedChoiceField(
        label=_("Director of this centre"),
        choices=[("yes", _("Yes: they see this centre")), ("no", _("No longer"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )

    def __init__(self, *args: Any, staff: list[tuple[int, str]], centres: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs["prefix"] = "director"
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", _("Choose a person")), *staff]  # type: ignore[attr-defined]
        self.fields["facility"].choices = [("", _("Choose a centre")), *centres]  # type: ignore[attr-defined]
