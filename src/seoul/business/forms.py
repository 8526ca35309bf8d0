from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.business.labels import CONSENT_TEXT
from seoul.business.models import ProgrammeApplication
from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import PANDEMIC_ERA


class ProfileForm(forms.Form):
    """Which business, and the consent (one question: may we build the profile)."""

    brn = forms.ChoiceField(label=pgettext_lazy("profile", "Your business"), widget=forms.RadioSelect)
    consent = forms.BooleanField(label=_("I agree"), required=False, help_text=CONSENT_TEXT)

    def __init__(self, *args: Any, businesses: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["brn"].choices = businesses  # type: ignore[attr-defined]
        if len(businesses) == 1:
            self.fields["brn"].initial = businesses[0][0]


class ApplyForm(forms.Form):
    note = MultilineTextField(
        label=_("What you hope the programme will help with"),
        max_length=1000,
        required=False,
        help_text=_("A few sentences for the programme officer; the rest comes from your profile."),
    )
    confirm = forms.BooleanField(
        label=_("Send my profile's facts shown above with this application"),
        required=True,
        error_messages={"required": _("Tick the box to send your application.")},
    )


class ScoreForm(forms.Form):
    """The officer's points for each assessed criterion of the programme (0…its weight)."""

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], names: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[f"assessed_{c['code']}"] = forms.DecimalField(
                label=names[c["code"]],
                min_value=0,
                max_value=int(c["weight"]),
                decimal_places=1,
                help_text=_("0 to %(weight)s points") % {"weight": c["weight"]},
            )

    def assessed(self) -> dict[str, float]:
        return {k.removeprefix("assessed_"): float(v) for k, v in self.cleaned_data.items() if v is not None}


class CompletionForm(forms.Form):
    completed = forms.TypedChoiceField(
        label=_("Did the business complete the programme?"),
        choices=[("yes", _("Yes, completed")), ("no", _("No, did not complete"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    on = BoundedDateField(label=_("On which day"), dates=PANDEMIC_ERA)
    reason = TextField(label=_("Why not (if not completed)"), max_length=300, required=False)


class ApplicantFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("Every state")), *ProgrammeApplication.States.choices]
    )
