from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from seoul.care.models import Facility
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
