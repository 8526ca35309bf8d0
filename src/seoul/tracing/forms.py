"""Forms of the contact-tracing pages. Free text through ``core.forms.TextField`` (no control
characters), dates within ``PANDEMIC_ERA``. Forms that share a page take a prefix there
(``timeline-``, ``contact-``, ``candidate-12-``...), so every field id on a page is unique."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core import districts
from seoul.core.forms import BoundedDateField, BoundedDateTimeField, MultilineTextField, TextField
from seoul.tracing.models import Case, Contact, Exposure, FollowUp, LabResult, Setting, Source


class DistrictField(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, choices=districts.choices, **kwargs)


class TimelineForm(forms.Form):
    start = BoundedDateTimeField(label=_("From"))
    end = BoundedDateTimeField(label=_("Until"))
    place = TextField(label=_("Place"), max_length=200)
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    found_by = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.INTERVIEW)
    note = MultilineTextField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(forms.Form):
    name = TextField(label=_("Name"), max_length=100)
    phone = TextField(label=_("Mobile phone"), max_length=30)
    district = DistrictField(label=_("District of residence"))
    on = BoundedDateField(label=_("Date of exposure"))
    place = TextField(label=_("Place"), max_length=200)
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=0, max_value=24 * 60 * 14)
    proximity = forms.ChoiceField(label=_("Proximity"), choices=Exposure.Proximity.choices, initial="unknown")
    mask = forms.ChoiceField(label=_("Masks"), choices=Exposure.Mask.choices, initial="unknown")
    certainty = forms.ChoiceField(label=_("Certainty"), choices=Exposure.Certainty.choices, initial="probable")


class FollowUpForm(forms.Form):
    day = BoundedDateField(label=_("Day"), initial=timezone.localdate)
    status = forms.ChoiceField(label=_("Result"), choices=FollowUp.Status.choices, widget=forms.RadioSelect)
    symptoms = TextField(
        label=_("Symptoms"), required=False, max_length=500, help_text=_("Needed when seen with symptoms.")
    )


class ConvertForm(forms.Form):
    confirmed_on = BoundedDateField(label=_("Confirmed on"), initial=timezone.localdate)
    onset_on = BoundedDateField(label=_("Symptom onset"), required=False)
    test_on = BoundedDateField(label=_("Test date"), required=False)


class FlagForm(forms.Form):
    note = TextField(label=_("What was done"), min_length=5, max_length=300)


class CandidateForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm as a contact")), ("dismiss", _("Dismiss"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether to confirm this person as a contact or dismiss them.")},
    )
    reason = TextField(
        label=_("Reason"),
        min_length=5,
        max_length=500,
        error_messages={
            "required": _("Give the reason for your decision in at least 5 characters."),
            "min_length": _("Give the reason for your decision in at least 5 characters."),
        },
    )
    name = TextField(label=_("Name"), max_length=100, required=False)
    phone = TextField(label=_("Mobile phone"), max_length=30, required=False)
    district = DistrictField(label=_("District of residence"), required=False, empty_value=None)
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices, initial=Setting.OTHER)
    proximity = forms.ChoiceField(label=_("Proximity"), choices=Exposure.Proximity.choices, initial="unknown")


class ReassignForm(forms.Form):
    tracer = forms.TypedChoiceField(label=_("Tracer"), coerce=int)
    reason = TextField(label=_("Reason"), min_length=5, max_length=300)

    def __init__(self, *args: Any, tracers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tracer"].choices = tracers  # type: ignore[attr-defined]


class SelfReportForm(forms.Form):
    code = TextField(
        label=_("Code from the text message"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    feeling = forms.ChoiceField(
        label=_("How are you today?"),
        choices=[("well", _("I feel well")), ("symptoms", _("I have symptoms"))],
        widget=forms.RadioSelect,
    )
    symptoms = TextField(
        label=_("Which symptoms?"),
        required=False,
        max_length=500,
        help_text=_("For example fever, cough, sore throat, loss of taste or smell."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("feeling") == "symptoms" and not (data.get("symptoms") or "").strip():
            self.add_error("symptoms", _("Tell us which symptoms you have."))
        return data


class CaseForm(forms.Form):
    outbreak = forms.TypedChoiceField(label=_("Outbreak"), coerce=int)
    name = TextField(label=_("Name"), max_length=100)
    phone = TextField(label=_("Mobile phone"), max_length=30)
    district = DistrictField(label=_("District of residence"))
    confirmed_on = BoundedDateField(label=_("Confirmed on"), initial=timezone.localdate)
    onset_on = BoundedDateField(
        label=_("Symptom onset"), required=False, help_text=_("Leave empty when there were no symptoms.")
    )
    test_on = BoundedDateField(label=_("Test date"), required=False)
    presence_id = TextField(
        label=_("Movement-data id"),
        max_length=64,
        required=False,
        help_text=_("The pseudonymous id the movement data knows the person by, to search it for contacts."),
    )

    def __init__(self, *args: Any, outbreaks: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outbreak"].choices = outbreaks  # type: ignore[attr-defined]


class OutbreakForm(forms.Form):
    name = TextField(label=_("Name in Korean"), min_length=3, max_length=200)
    name_en = TextField(label=_("Name in English"), min_length=3, max_length=200)
    district = forms.TypedChoiceField(label=_("District"), coerce=int)
    monitoring_days = forms.IntegerField(label=_("Monitoring period (days)"), min_value=1, max_value=60, initial=14)
    infectious_days_before = forms.IntegerField(
        label=_("Infectious from (days before onset or test)"), min_value=0, max_value=14, initial=2
    )

    def __init__(self, *args: Any, districts: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = districts  # type: ignore[attr-defined]


class IsolationForm(forms.Form):
    isolated_at = BoundedDateTimeField(label=_("Isolated at"))


class CloseContactForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Close the monitoring as"),
        choices=[(s.value, s.label) for s in (Contact.Status.COMPLETED, Contact.Status.LOST)],
        widget=forms.RadioSelect,
    )
    reason = TextField(
        label=_("Reason"),
        required=False,
        max_length=200,
        help_text=_("Needed when lost to follow-up: what was tried (calls, texts, a visit)."),
    )


class LabResultForm(forms.Form):
    test = forms.ChoiceField(label=_("Test"), choices=LabResult.Test.choices, initial=LabResult.Test.PCR)
    specimen = forms.ChoiceField(
        label=_("Specimen"), choices=LabResult.Specimen.choices, initial=LabResult.Specimen.NASOPHARYNGEAL
    )
    lab = TextField(label=_("Laboratory"), max_length=100)
    result = forms.ChoiceField(label=_("Result"), choices=LabResult.Result.choices, widget=forms.RadioSelect)
    collected_at = BoundedDateTimeField(label=_("Specimen taken at"))
    resulted_at = BoundedDateTimeField(label=_("Result reported at"))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Case.Outcome.choices, widget=forms.RadioSelect)
    outcome_on = BoundedDateField(label=_("Date of the outcome"))


class FeverEndForm(forms.Form):
    afebrile_since = BoundedDateTimeField(
        label=_("Without fever since"),
        required=False,
        help_text=_(
            "No fever without antipyretics and symptoms improving since then. Leave empty if the fever came back."
        ),
    )


class TracerProfileForm(forms.Form):
    user = forms.TypedChoiceField(label=_("Staff member"), coerce=int)
    district = DistrictField(label=_("District"))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = staff  # type: ignore[attr-defined]


class InvestigatorForm(forms.Form):
    """Someone to add to (or remove from) an outbreak's investigators, among ``staff``."""

    user = forms.TypedChoiceField(label=_("Investigator"), coerce=int)

    def __init__(self, *args: Any, staff: list[tuple[int, str]], label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = staff  # type: ignore[attr-defined]
        if label:
            self.fields["user"].label = label


class ReviewForm(forms.Form):
    note = TextField(label=_("What was done"), min_length=5, max_length=300)
