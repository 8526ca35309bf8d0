from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from seoul.core.forms import MultilineTextField, TextField
from seoul.guarantee.adapters.clients import BANKS
from seoul.guarantee.engine import documents as doc_rules
from seoul.guarantee.engine.catalogue import catalogue

PROVIDERS = [("kakao", _("Kakao")), ("naver", _("Naver")), ("pass", _("PASS")), ("toss", _("Toss"))]

DOCUMENT_KINDS = {
    "business_registration": _("Business registration certificate"),
    "vat_tax_base": _("VAT tax-base certificate"),
    "national_tax_payment": _("National tax payment certificate"),
    "local_tax_payment": _("Local tax payment certificate"),
    "credit_report": _("Credit report"),
}

# Fields of fetched documents (adapters: the public-data document service), as examiners read them.
DOCUMENT_FIELDS = {
    "document_no": _("Document number"),
    "issued_on": _("Issued on"),
    "brn": _("Business registration number"),
    "business_name": _("Business"),
    "representative": _("Representative"),
    "opened_on": _("Opened on"),
    "address": _("Address"),
    "industry": _("Industry"),
    "status": _("Business status"),
    "prior_closure": _("Closed a business before"),
    "sales_by_year": _("Sales by year"),
    "arrears": _("Tax arrears"),
    "score": _("Credit score"),
    "guarantee_balance": _("Guarantees outstanding"),
}
BUSINESS_STATUS = {"active": _("Operating"), "suspended": _("Suspended"), "closed": _("Closed")}
MONEY_FIELDS = frozenset({"guarantee_balance"})


# Screening reason codes (engine/screening.py) in words, for applicants and examiners.
REASON_LABELS = {
    "site_not_in_seoul": _("The business site is not in Seoul."),
    "business_closed": _("The business is closed."),
    "too_few_months_in_business": _("The business is too young for this guarantee."),
    "too_many_months_in_business": _("The business is too old for this guarantee."),
    "credit_score_below_minimum": _("The credit score is below 595."),
    "tax_arrears": _("There are unpaid taxes."),
    "excluded_industry": _("The industry is not covered by this guarantee."),
    "no_prior_closure": _("This guarantee is for businesses restarting after a closure."),
    "guarantee_balance_at_maximum": _("The existing guarantees already reach the maximum."),
    "amount_below_minimum": _("The amount is below this guarantee's minimum."),
    "amount_above_limit": _("The amount is above the limit."),
    "credit_score_unknown": _("No credit report."),
    "sales_unknown": _("No sales figures."),
    "documents_uploaded": _("Documents were uploaded, not fetched."),
    "risk_above_threshold": _("Risk above the auto-approval threshold."),
    "amount_above_auto_limit": _("Amount above the auto-approval limit."),
}


class SignInForm(forms.Form):
    provider = forms.ChoiceField(label=_("Sign in with"), choices=PROVIDERS, widget=forms.RadioSelect)
    name = TextField(label=_("Your name"), max_length=50)
    phone = TextField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("The request goes to the app on this phone."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


def question_form(field: str, initial: object = None, data: object = None) -> forms.Form:
    """The form of one question page."""
    cat = catalogue()
    fields: dict[str, forms.Field] = {
        "brn": TextField(
            label=_("What is your business registration number?"),
            help_text=_("10 digits, on your business registration certificate, e.g. 123-45-67890."),
            max_length=14,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        ),
        "product": forms.ChoiceField(
            label=_("Which guarantee do you need?"),
            choices=[(p.code, p.name_ko) for p in cat.products.values()],
            widget=forms.RadioSelect,
        ),
        "amount": TextField(
            label=_("How much do you want to borrow?"),
            help_text=_("In 10,000 won (만 원), e.g. 1000 for 10,000,000 won."),
            max_length=8,
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
    form = forms.Form(data=data, initial={"value": initial})  # type: ignore[arg-type]
    form.fields["value"] = fields[field]
    return form


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Which document is this?"), choices=[(k, DOCUMENT_KINDS[k]) for k in doc_rules.REQUIRED]
    )
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 1 MB)"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject")), ("request_more", _("Ask for more information"))],
        widget=forms.RadioSelect,
    )
    comment = MultilineTextField(
        label=_("Comment (kept with the decision and shown to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
    amount = forms.IntegerField(
        label=_("Approve a lower amount"),
        help_text=_("In 10,000 won (만 원). Leave empty to approve the amount asked for."),
        required=False,
        min_value=1,
        max_value=1_000_000,  # 만 원: 100억 원, far above any product's ceiling
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
