"""Forms of the contact-tracing pages. Free text through ``core.forms.TextField`` (no control
characters), dates within ``PANDEMIC_ERA``. Forms that share a page take a prefix there
(``timeline-``, ``contact-``, ``candidate-12-``...), so every field id on a page is unique."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seoul.core.forms import BoundedDateField, BoundedDateTimeField, DistrictField, MultilineTextField, TextField
from seoul.tracing.engine.linelist import FIELDS as LINE_LIST_FIELDS
from seoul.tracing.engine.linelist import Kind
from seoul.tracing.engine.monitoring import TEMPERATURE_RANGE_C, AlertRules
from seoul.tracing.models import (
    SYMPTOM_CHOICES,
    Case,
    Contact,
    Exposure,
    FollowUp,
    LabResult,
    Language,
    LineListImport,
    Setting,
    Source,
)


class TimelineForm(forms.Form):
    start = BoundedDateTimeField(label=_("From"))
    end = BoundedDateTimeField(label=_("Until"))
    place = TextField(label=_("Place"), max_length=200)
    district = DistrictField(label=_("District of the place"), blank=_("Outside Seoul or not known"))
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    found_by = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.INTERVIEW)
    note = MultilineTextField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LanguageSelect(forms.Select):
    """Each language named in itself, marked with its ``lang`` (so a screen reader says
    "English" in English on a Korean page)."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if option["value"]:
            option["attrs"]["lang"] = option["value"]
        return option


class LanguageField(forms.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            label=_("Language for texts"),
            widget=LanguageSelect,
            choices=Language.choices,
            initial=Language.KOREAN,
            required=False,
            help_text=_("The language the person reads: their texts and self-report page use it."),
            **kwargs,
        )


class ContactForm(forms.Form):
    name = TextField(label=_("Name"), max_length=100)
    phone = TextField(label=_("Mobile phone"), max_length=30)
    district = DistrictField(label=_("District of residence"))
    language = LanguageField()
    on = BoundedDateField(label=_("Date of exposure"))
    place = TextField(label=_("Place"), max_length=200)
    setting = forms.ChoiceField(label=_("Setting"), choices=Setting.choices)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=0, max_value=24 * 60 * 14)
    proximity = forms.ChoiceField(label=_("Proximity"), choices=Exposure.Proximity.choices, initial="unknown")
    mask = forms.ChoiceField(label=_("Masks"), choices=Exposure.Mask.choices, initial="unknown")
    certainty = forms.ChoiceField(label=_("Certainty"), choices=Exposure.Certainty.choices, initial="probable")


class TemperatureField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        low, high = TEMPERATURE_RANGE_C
        super().__init__(
            min_value=Decimal(str(low)),
            max_value=Decimal(str(high)),
            max_digits=3,
            decimal_places=1,
            required=False,
            widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
            **kwargs,
        )


class SymptomsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=SYMPTOM_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, **kwargs)


class FollowUpForm(forms.Form):
    day = BoundedDateField(label=_("Day"), initial=timezone.localdate)
    status = forms.ChoiceField(label=_("Result"), choices=FollowUp.Status.choices, widget=forms.RadioSelect)
    symptom_list = SymptomsField(label=_("Symptoms"))
    temperature = TemperatureField(label=_("Temperature (°C)"), help_text=_("If measured today."))
    symptoms = TextField(
        label=_("Other symptoms"),
        required=False,
        max_length=500,
        help_text=_("Symptoms not on the list, in the person's words."),
    )


class AlertRulesForm(forms.Form):
    """An outbreak's alert rules (``engine/monitoring.AlertRules``)."""

    fever_at_c = forms.DecimalField(
        label=_("Fever from (°C)"), min_value=Decimal("36.0"), max_value=Decimal("40.0"), decimal_places=1
    )
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms that alert the tracer"),
        choices=SYMPTOM_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_flags = forms.BooleanField(label=_("Other symptoms described in words alert too"), required=False)
    escalate_after_days = forms.IntegerField(
        label=_("Call list after (days without a report)"), min_value=1, max_value=14
    )
    lost_after_days = forms.IntegerField(
        label=_("Lost to follow-up after (days without a report)"),
        min_value=0,
        max_value=30,
        help_text=_("0: never closed automatically."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        escalate, lost = data.get("escalate_after_days"), data.get("lost_after_days")
        if escalate is not None and lost and lost <= escalate:
            self.add_error("lost_after_days", _("Give more days than for the call list, or 0."))
        return data

    def rules(self) -> AlertRules:
        d = self.cleaned_data
        return AlertRules(
            fever_at_c=float(d["fever_at_c"]),
            symptoms=frozenset(d["symptoms"]),
            other_flags=d["other_flags"],
            escalate_after_days=d["escalate_after_days"],
            lost_after_days=d["lost_after_days"],
        )


class ClassifyForm(forms.Form):
    classification = forms.ChoiceField(label=_("Classification"), choices=Case.Classification.choices)
    on = BoundedDateField(label=_("From"), initial=timezone.localdate, help_text=_("For a confirmation: its date."))
    basis = TextField(
        label=_("Basis"),
        min_length=5,
        max_length=300,
        help_text=_("What the classification rests on: symptoms and link, a test, a review."),
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
    district = DistrictField(label=_("District of residence"), blank=_("Not known yet"))
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
    symptom_list = SymptomsField(label=_("Which symptoms?"))
    temperature = TemperatureField(
        label=_("Your temperature (°C)"), help_text=_("If you have a thermometer: for example 36.8.")
    )
    symptoms = TextField(
        label=_("Other symptoms"),
        required=False,
        max_length=500,
        help_text=_("Anything not on the list, in your own words."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("feeling") == "symptoms" and not (data.get("symptom_list") or (data.get("symptoms") or "").strip()):
            self.add_error("symptom_list", _("Tick the symptoms you have, or describe them below."))
        return data

    def report(self) -> dict[str, Any]:
        """What to record: the symptoms only when the person said they have some; the
        temperature always (a fever is a symptom even when the person feels well)."""
        d = self.cleaned_data
        unwell = d["feeling"] == "symptoms"
        return {
            "symptom_list": d["symptom_list"] if unwell else [],
            "symptoms": d["symptoms"] if unwell else "",
            "temperature": d["temperature"],
        }


class CaseForm(forms.Form):
    outbreak = forms.TypedChoiceField(label=_("Outbreak"), coerce=int)
    name = TextField(label=_("Name"), max_length=100)
    phone = TextField(label=_("Mobile phone"), max_length=30)
    district = DistrictField(label=_("District of residence"))
    language = LanguageField()
    classification = forms.TypedChoiceField(
        label=_("Classification"),
        choices=[c for c in Case.Classification.choices if c[0] != Case.Classification.NOT_A_CASE],
        initial=Case.Classification.CONFIRMED,
        required=False,
        empty_value=Case.Classification.CONFIRMED,
    )
    confirmed_on = BoundedDateField(
        label=_("Confirmed on"),
        required=False,
        initial=timezone.localdate,
        help_text=_("For a confirmed case; empty for a suspected or probable one."),
    )
    basis = TextField(
        label=_("Basis of the classification"),
        required=False,
        max_length=300,
        help_text=_("For a suspected or probable case: the symptoms and the link to a case."),
    )
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


class VaccinationForm(forms.Form):
    """Whether the case's vaccination was complete, for the release rules that depend on it."""

    CHOICES = [("", _("Not known")), ("yes", _("Vaccination complete")), ("no", _("Vaccination not complete"))]
    vaccination_complete = forms.TypedChoiceField(
        label=_("Vaccination"),
        choices=CHOICES,
        required=False,
        coerce=lambda v: v == "yes",
        empty_value=None,
        help_text=_(
            "Complete: the second dose 14 to 90 days before, or a third dose (the definition of January 2022)."
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


class LineListUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file lists"), choices=LineListImport.Kind.choices)
    outbreak = forms.TypedChoiceField(
        label=_("Outbreak"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("For a list of cases: the outbreak they belong to."),
    )
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_(
            "The first row names the columns. Up to 2 MB here; larger files with seoul tracing import-linelist."
        ),
    )

    def __init__(self, *args: Any, outbreaks: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outbreak"].choices = [("", "—"), *outbreaks]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == LineListImport.Kind.CASES and not data.get("outbreak"):
            self.add_error("outbreak", _("Choose the outbreak the cases belong to."))
        return data


FIELD_LABELS = {
    "row": _("The row"),
    "file": _("The file"),
    "outbreak": _("Outbreak"),
    "case": _("Case (C-12)"),
    "contact": _("Contact (K-34)"),
    "name": _("Name"),
    "phone": _("Mobile phone"),
    "district": _("District of residence"),
    "language": _("Language for texts"),
    "confirmed_on": _("Confirmed on"),
    "onset_on": _("Symptom onset"),
    "test_on": _("Test date"),
    "on": _("Date of exposure"),
    "place": _("Place"),
    "setting": _("Setting"),
    "duration_minutes": _("Duration (minutes)"),
    "proximity": _("Proximity"),
    "day": _("Day"),
    "status": _("Result"),
    "temperature": _("Temperature (°C)"),
    "symptom_list": _("Symptoms"),
    "symptoms": _("Other symptoms"),
}


class LineListMappingForm(forms.Form):
    """Which column of the file holds each field (suggested from the headers, confirmed by
    the person importing)."""

    def __init__(self, *args: Any, kind: str, headers: list[str], suggested: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.headers = headers
        columns = [("", _("— not in the file —")), *[(h, h) for h in headers if h]]
        for spec in LINE_LIST_FIELDS[cast("Kind", kind)]:
            self.fields[spec.name] = forms.ChoiceField(
                label=FIELD_LABELS[spec.name],
                choices=columns,
                required=spec.required,
                initial=suggested.get(spec.name, ""),
                error_messages={"required": _("Needed: choose the column that holds it.")},
            )

    def mapping(self) -> dict[str, str]:
        return {name: header for name, header in self.cleaned_data.items() if header}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        used: dict[str, str] = {}
        for name, header in data.items():
            if header and header in used:
                self.add_error(
                    name, _("This column is already used for “%(field)s”.") % {"field": self.fields[used[header]].label}
                )
            elif header:
                used[header] = name
        return data


class LongTailForm(forms.Form):
    threshold = forms.FloatField(
        label=_("Score threshold"),
        min_value=0.01,
        max_value=1_000_000,
        help_text=_("Candidates scoring this or more go to the tracers; everyone below gets the text."),
    )
    notice = TextField(
        label=_("Words of the public notice (optional)"),
        required=False,
        max_length=80,
        help_text=_("Only what a public notice already said, e.g. “visitors of clubs in Itaewon, 24 April–6 May”."),
    )


class TransferForm(forms.Form):
    to_district = DistrictField(label=_("To the district"))
    reason = TextField(
        label=_("Reason"),
        min_length=5,
        max_length=300,
        help_text=_("Why the other district should take it over (the person moved, is cared for there…)."),
    )


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept: our district takes it over")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = TextField(label=_("Note"), required=False, max_length=300, help_text=_("Needed when refusing."))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and len((data.get("note") or "").strip()) < 5:
            self.add_error("note", _("Say why, in at least 5 characters."))
        return data


class PersonPairForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("keep_first", _("The same person: keep the first record")),
            ("keep_second", _("The same person: keep the second record")),
            ("different", _("Different people")),
        ],
        widget=forms.RadioSelect,
    )
    note = TextField(label=_("What you checked"), min_length=5, max_length=300)


class HospitalBedForm(forms.Form):
    """The case needs hospital care: at which severity, with which special needs."""

    tier = forms.ChoiceField(
        label=_("Severity"),
        choices=[
            ("mild", _("Mild: a community treatment centre")),
            ("moderate", _("Moderate")),
            ("severe", _("Severe")),
            ("critical", _("Critical: intensive care with a ventilator or ECMO")),
        ],
        widget=forms.RadioSelect,
    )
    needs = forms.MultipleChoiceField(
        label=_("Special needs"),
        choices=[
            ("dialysis", _("Dialysis")),
            ("pregnancy", _("Pregnancy")),
            ("child", _("Paediatric care")),
            ("psychiatric", _("Psychiatric care")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
