"""Forms of the Electronic Document Center."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import check_text
from seoul.records.actions.registration import ARCHIVE_ERA
from seoul.records.engine.rules import EXEMPTIONS
from seoul.records.models import DISCLOSURE_CHOICES, RETENTION_CHOICES, DocumentType

EXEMPTION_CHOICES = [
    (1, _("1. Secret or closed under another law")),
    (2, _("2. National security, defence, unification or diplomacy")),
    (3, _("3. People's lives, bodies or property, or public safety")),
    (4, _("4. Trials, crime prevention and investigation, or corrections")),
    (5, _("5. Audits, supervision, contracts, decisions in progress or research")),
    (6, _("6. Personal information of a named person")),
    (7, _("7. Business secrets of a company")),
    (8, _("8. Speculation or unfair advantage to a particular person")),
]
assert [n for n, _label in EXEMPTION_CHOICES] == list(EXEMPTIONS)  # noqa: S101 (the law's eight, in order)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """One or more files from a single file input."""

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        items = data if isinstance(data, list | tuple) else [data]
        return [single(item, initial) for item in items if item] or [single(None, initial)]


class UploadForm(forms.Form):
    department = forms.ChoiceField(label=_("Processing department"), choices=())
    scans = FilesField(
        label=_("Scanned files"),
        widget=MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff"}),
        help_text=_("PDF, JPEG, PNG or TIFF; several at once. Each file becomes one record."),
    )
    device = TextField(label=_("Scanner"), max_length=100, required=False)

    def __init__(self, *args: Any, departments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = departments  # type: ignore[attr-defined]
        if len(departments) == 1:
            self.fields["department"].initial = departments[0][0]


class RegistrationForm(forms.Form):
    title = TextField(label=_("Title"), max_length=200)
    produced_on = BoundedDateField(label=_("Date produced"), dates=ARCHIVE_ERA)
    doc_type = forms.ModelChoiceField(
        label=_("Type of record"), queryset=DocumentType.objects.all(), required=False, empty_label=_("Not chosen")
    )
    completed_year = forms.IntegerField(
        label=_("Year the work was completed"),
        min_value=1900,
        max_value=2100,
        help_text=_("The retention period counts from 1 January of the following year."),
    )
    retention = forms.ChoiceField(label=_("Retention period"), choices=RETENTION_CHOICES)
    disclosure = forms.ChoiceField(label=_("Disclosure"), choices=DISCLOSURE_CHOICES, widget=forms.RadioSelect)
    exemptions = forms.TypedMultipleChoiceField(
        label=_("Grounds for not disclosing (Official Information Disclosure Act, Article 9(1))"),
        choices=EXEMPTION_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Required when the record is partly open or closed."),
    )


class CorrectionForm(RegistrationForm):
    reason = MultilineTextField(label=_("Reason for the correction"), max_length=500)

    def clean_reason(self) -> str:
        return check_text(self.cleaned_data.get("reason"), "reason", max_length=500, min_length=5, multiline=True)


class SearchForm(forms.Form):
    q = TextField(label=_("Search words"), max_length=200)
    department = forms.ChoiceField(label=pgettext_lazy("records", "Department"), choices=(), required=False)
    doc_type = forms.ChoiceField(label=_("Type of record"), choices=(), required=False)
    year_from = forms.IntegerField(label=_("From year"), min_value=1900, max_value=2100, required=False)
    year_to = forms.IntegerField(label=_("To year"), min_value=1900, max_value=2100, required=False)
    retention = forms.ChoiceField(
        label=_("Retention period"), choices=[("", _("Any")), *RETENTION_CHOICES], required=False
    )
    disclosure = forms.ChoiceField(label=_("Disclosure"), choices=[("", _("Any")), *DISCLOSURE_CHOICES], required=False)

    def __init__(
        self, *args: Any, departments: list[tuple[str, str]], kinds: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("Any")), *departments]  # type: ignore[attr-defined]
        self.fields["doc_type"].choices = [("", _("Any")), *kinds]  # type: ignore[attr-defined]


class MeetingForm(forms.Form):
    meeting_on = BoundedDateField(label=_("Date of the committee's meeting"))
    minutes = TextField(label=_("Reference of the minutes"), max_length=100)
    members = TextField(label=_("Committee members present"), max_length=300)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("The committee's decision"),
        choices=[
            ("destroy", _("Destroy")),
            ("keep", _("Keep longer")),
            ("reclassify", _("Re-classify")),
        ],
        widget=forms.RadioSelect,
    )
    new_retention = forms.ChoiceField(
        label=_("New retention period"), choices=[("", _("Not chosen")), *RETENTION_CHOICES], required=False
    )
    reason = MultilineTextField(
        label=_("The committee's reason"),
        max_length=300,
        required=False,
        help_text=_("Required for keeping longer or re-classifying."),
    )


class ShareForm(forms.Form):
    """A view-only link to a registered record for another institution's staff."""

    institution = forms.ChoiceField(label=_("Institution"))
    days = forms.IntegerField(
        label=_("Works for (days)"), min_value=1, max_value=settings.SEOUL_RECORDS_SHARE_MAX_DAYS, initial=7
    )
    reason = TextField(label=_("Why it is shared"), max_length=300, min_length=5)

    def __init__(self, *args: Any, institutions: list[tuple[int, str]], longest: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [("", "—"), *institutions]  # type: ignore[attr-defined]
        days = self.fields["days"]
        assert isinstance(days, forms.IntegerField)  # noqa: S101 (declared above)
        days.max_value = longest
        days.validators.append(MaxValueValidator(longest))
        days.widget.attrs["max"] = longest
        days.help_text = _("From 1 to %(n)s days; you can withdraw the link before then.") % {"n": longest}


class CodeForm(forms.Form):
    """The six digits an authenticator app shows now."""

    code = TextField(
        label=_("Code from your authenticator app"),
        max_length=12,
        validators=[RegexValidator(r"^ *\d{6} *$", message=_("Enter the six digits your authenticator app shows."))],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}),
    )


class RequestForm(forms.Form):
    """A citizen's request for information (정보공개 청구)."""

    department = forms.ChoiceField(label=_("Department that holds the information"))
    content = MultilineTextField(
        label=_("Information you ask for"),
        max_length=4000,
        min_length=10,
        help_text=_("Say as precisely as you can what you want: the subject, the period, the kind of document."),
    )
    purpose = TextField(label=_("What you will use it for"), max_length=300, required=False)

    def __init__(self, *args: Any, departments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "—"), *departments]  # type: ignore[attr-defined]


class ExtendForm(forms.Form):
    reason = MultilineTextField(
        label=_("Why the decision needs ten more days"),
        max_length=1000,
        min_length=5,
        help_text=_("The requester is told this."),
    )


class RequestDecisionForm(forms.Form):
    DECISIONS = [
        ("full", _("Disclose in full")),
        ("partial", _("Disclose in part (remove the exempt parts)")),
        ("refused", _("Do not disclose")),
        ("not_held", _("The information is not held")),
    ]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    registration_number = TextField(
        label=_("Registration number of the record"),
        max_length=32,
        required=False,
        help_text=_("The record that holds the information (not needed when it is not held)."),
    )
    exemptions = forms.TypedMultipleChoiceField(
        label=_("Grounds for not disclosing (Official Information Disclosure Act, Article 9(1))"),
        choices=EXEMPTION_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Required for a partial disclosure or a refusal."),
    )
    words = MultilineTextField(
        label=_("Words to remove from the pages"),
        max_length=2000,
        required=False,
        help_text=_("One per line, e.g. a person's name or phone number: every place they appear is painted out."),
    )
    boxes = MultilineTextField(
        label=_("Areas to remove"),
        max_length=4000,
        required=False,
        help_text=_(
            "One per line: the page, then left, top, width and height in per cent of the page, e.g. 1: 10 20 30 5."
        ),
    )

    explanation = MultilineTextField(
        label=_("What the requester is told"),
        max_length=2000,
        min_length=5,
        help_text=_(
            "For a refusal, the reason and how to appeal (objection within 30 days, administrative appeal or suit)."
        ),
    )
