"""Forms of the guarantee pages. Each only shapes what was typed; the actions decide (and
re-check) everything else, and their refusals land on these forms' fields by name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from seoul.core.engine.phone import is_mobile
from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import PLANNING_HORIZON
from seoul.guarantee.adapters.clients import BANKS
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.errors import GuaranteeError
from seoul.guarantee.labels import (
    BUSINESS_CONSENT_TEXT,
    DOCUMENT_KINDS,
    DOCUMENTS_CONSENT_TEXT,
    PROVIDERS,
    RENEWAL_CONSENT_TEXT,
    business_consent_text,
    documents_consent_text,
    renewal_consent_text,
)


class SignInForm(forms.Form):
    provider = forms.ChoiceField(label=_("Sign in with"), choices=PROVIDERS, widget=forms.RadioSelect)
    name = TextField(label=_("Your name"), max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = TextField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The request goes to the app on this phone."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data["phone"])
        if not is_mobile(phone):
            raise GuaranteeError.PHONE_MOBILE.error()
        return phone


def question_form(
    field: str, *, initial: object = None, data: object = None, products: list[tuple[str, str]] | None = None
) -> forms.Form:
    """The form of one question page: one field, named after the question (so that the
    action's refusal of that answer lands on it). ``products``: the guarantees offered."""
    fields: dict[str, forms.Field] = {
        "brn": TextField(
            label=_("What is your business registration number?"),
            help_text=_("10 digits, on your business registration certificate, e.g. 123-45-67890."),
            max_length=14,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        ),
        "product": forms.ChoiceField(
            label=_("Which guarantee do you need?"), choices=products or [], widget=forms.RadioSelect
        ),
        "amount": TextField(
            label=_("How much do you want to borrow?"),
            help_text=_("In units of 10,000 won, e.g. 1000 for 10,000,000 won."),
            max_length=10,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        ),
        "bank": forms.ChoiceField(
            label=_("Which partner bank should pay out the loan?"),
            choices=list(BANKS.items()),
            widget=forms.RadioSelect,
        ),
        "phone": TextField(
            label=_("Which mobile number should we send updates to?"),
            max_length=20,
            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        ),
        "email": TextField(
            label=_("E-mail address for updates"),
            required=False,
            max_length=200,
            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        ),
    }
    form = forms.Form(data=data, initial={field: initial})  # type: ignore[arg-type]
    form.fields[field] = fields[field]
    return form


CONSENT_REQUIRED = {"required": GuaranteeError.CONSENT_REQUIRED.label}


class BusinessConsentForm(forms.Form):
    """``company``: the business is a company (법인), whose corporate registration is fetched too;
    the box says so, as the action records it."""

    consent = forms.BooleanField(label=BUSINESS_CONSENT_TEXT, error_messages=CONSENT_REQUIRED)

    def __init__(self, *args: Any, company: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = business_consent_text(company=company)


class DocumentsConsentForm(forms.Form):
    """``company``: a company's shareholder register and financial statements are fetched too."""

    consent = forms.BooleanField(label=DOCUMENTS_CONSENT_TEXT, error_messages=CONSENT_REQUIRED)

    def __init__(self, *args: Any, company: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = documents_consent_text(company=company)


class RenewalForm(forms.Form):
    """``company``: the corporate registration and financial statements are fetched too."""

    consent = forms.BooleanField(label=RENEWAL_CONSENT_TEXT, error_messages=CONSENT_REQUIRED)

    def __init__(self, *args: Any, company: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = renewal_consent_text(company=company)


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Which document is this?"), choices=[(k, DOCUMENT_KINDS[k]) for k in doc_rules.UPLOADABLE]
    )
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 1 MB)"))


class SendForm(forms.Form):
    """ "Accept and send": nothing to fill in; the action checks the whole application."""


class AgreementForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the terms and agree to them."),
        error_messages={"required": GuaranteeError.AGREE_REQUIRED.label},
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("request_more", _("Ask for more information"))],
        widget=forms.RadioSelect,
    )
    comment = MultilineTextField(
        label=_("Reason for the applicant"),
        help_text=_(
            "Kept with the decision and shown to the applicant as it is written: say in plain words why, "
            "or what they must send."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=2000,
    )
    amount = forms.IntegerField(
        label=_("Approve a lower amount"),
        help_text=_("In units of 10,000 won. Leave empty to approve the amount asked for."),
        required=False,
        min_value=1,
        max_value=1_000_000,  # 100억 원 in units of 10,000 won: far above any product's ceiling
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class SubrogationForm(forms.Form):
    """An approver's decision on a defaulted loan."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Pay the bank the guaranteed share")), ("refuse", _("Refuse: the bank bears the loss"))],
        widget=forms.RadioSelect,
    )
    note = MultilineTextField(
        label=_("Reason"),
        help_text=_("Kept with the decision: what was checked, or why the guarantee does not pay."),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=5,
        max_length=500,
    )


class RecoveryPlanForm(forms.Form):
    months = forms.IntegerField(
        label=_("Monthly instalments"),
        help_text=_("From 1 to 60, as agreed with the business."),
        min_value=1,
        max_value=60,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    first_due = BoundedDateField(
        label=_("First instalment due"), help_text=_("Within a year from today."), dates=PLANNING_HORIZON
    )
    note = MultilineTextField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class RecoveryForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Amount received"),
        help_text=_("In won."),
        min_value=1,
        max_value=10**12,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    on = BoundedDateField(label=_("Received on"))
    note = MultilineTextField(label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class WriteOffForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the claim is written off"),
        choices=[
            ("limitation", _("The five-year limitation period has run")),
            ("bankruptcy_discharge", _("Discharged in bankruptcy")),
            ("no_assets", _("No assets found after an investigation")),
            ("deceased_no_estate", _("The debtor died without an estate")),
        ],
        widget=forms.RadioSelect,
    )
    note = MultilineTextField(
        label=_("What supports it"),
        help_text=_("The court's decision, the investigation report or the dates checked."),
        min_length=5,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
