from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core.forms import BoundedDateField, MultilineTextField, TextField
from seoul.core.validation import DateRange, today
from seoul.overseas import labels
from seoul.overseas.engine import reference as ref
from seoul.overseas.models import Application, ExportDocument, Listing, SubsidyClaim

MAX_UPLOAD = 2 * 1024 * 1024


class ProductForm(forms.Form):
    name = TextField(label=_("Product name"), max_length=100)
    description = MultilineTextField(label=_("What the product is"), max_length=2000)
    category = forms.ChoiceField(label=_("Kind of product"), choices=labels.CATEGORIES)
    price_won = forms.IntegerField(label=_("Price in Korea (won)"), min_value=1, max_value=100_000_000)
    weight_g = forms.IntegerField(label=_("Weight packed (g)"), min_value=1, max_value=30_000)
    hs_code = TextField(
        label=_("HS code"),
        max_length=16,
        required=False,
        help_text=_("6 digits (like 3304.99) or the 10 digits of the Korean HSK. You can add it later."),
    )
    length_cm = forms.DecimalField(
        label=_("Length (cm)"), min_value=0.1, max_value=150, decimal_places=1, required=False
    )
    width_cm = forms.DecimalField(label=_("Width (cm)"), min_value=0.1, max_value=150, decimal_places=1, required=False)
    height_cm = forms.DecimalField(
        label=_("Height (cm)"), min_value=0.1, max_value=150, decimal_places=1, required=False
    )


class ApplyForm(ProductForm):
    business_name = TextField(label=_("Business name"), max_length=100)
    brn = TextField(
        label=_("Business registration number"), max_length=14, help_text=_("10 digits, like 123-45-67890.")
    )
    marketplaces = forms.MultipleChoiceField(
        label=_("Marketplaces you want to sell on"), widget=forms.CheckboxSelectMultiple
    )
    countries = forms.MultipleChoiceField(label=_("Countries you want to sell to"), widget=forms.CheckboxSelectMultiple)
    plan = MultilineTextField(
        label=_("Your sales plan"),
        max_length=2000,
        required=False,
        help_text=_("A few sentences for the officer: who will buy, at what price, how you will ship."),
    )
    confirm = forms.BooleanField(
        label=_("The details above are true, and I represent this business"),
        error_messages={"required": _("Tick the box to send your application.")},
    )

    field_order = [
        "business_name",
        "brn",
        "marketplaces",
        "countries",
        "plan",
        "name",
        "description",
        "category",
        "price_won",
        "weight_g",
        "hs_code",
        "length_cm",
        "width_cm",
        "height_cm",
        "confirm",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        p = ref.programme()
        self.fields["marketplaces"].choices = [  # type: ignore[attr-defined]
            (m.code, f"{labels.loc(m)} ({', '.join(labels.country(c) for c in m.countries)})") for m in p.marketplaces
        ]
        self.fields["countries"].choices = [(c, labels.country(c)) for c in p.countries]  # type: ignore[attr-defined]


class _Draft:
    """A field the marketplace may require but a draft may leave empty: marked required on the
    page, never refused by the form (the engine names what is missing, on the field)."""

    def validate(self, value: Any) -> None:
        if value in self.empty_values:  # type: ignore[attr-defined]
            return
        super().validate(value)  # type: ignore[misc]


class DraftText(_Draft, TextField):
    pass


class DraftMultiline(_Draft, MultilineTextField):
    pass


class DraftChoice(_Draft, forms.ChoiceField):
    pass


def listing_form_class(marketplace: ref.Marketplace) -> type[forms.Form]:
    """A form of the marketplace's fields, marked required as the marketplace says. Values are
    taken as typed (a draft may leave any empty): the engine checks them and the page shows each
    problem on its field."""
    fields: dict[str, forms.Field] = {}
    for f in marketplace.fields:
        label = labels.loc(f)
        hint = []
        if f.max_length:
            hint.append(str(_("at most %(n)s characters") % {"n": f.max_length}))
        if f.max_items:
            hint.append(str(_("at most %(n)s lines") % {"n": f.max_items}))
        help_text = "; ".join(hint)
        if f.type == "choice":
            fields[f.code] = DraftChoice(
                label=label,
                required=f.required,
                choices=[("", _("Choose")), *[(c, c) for c in f.choices]],
                help_text=help_text,
            )
        elif f.type in ("longtext", "lines"):
            fields[f.code] = DraftMultiline(label=label, required=f.required, max_length=20_000, help_text=help_text)
        else:
            fields[f.code] = DraftText(label=label, required=f.required, max_length=20_000, help_text=help_text)
    fields["translated_by"] = forms.ChoiceField(
        label=_("Who wrote the text in the marketplace's language?"),
        choices=Listing.TranslatedBy.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say who wrote the text in the marketplace's language.")},
    )
    return type("ListingForm", (forms.Form,), fields)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Which document"), choices=ExportDocument.Kinds.choices, widget=forms.RadioSelect)
    file = forms.FileField(label=_("The file (PDF, PNG or JPEG, up to 2 MB)"))


def _claim_days() -> DateRange:
    from datetime import timedelta

    days = int(ref.programme().subsidy.claim_days)
    return DateRange(today() - timedelta(days=days))


class ClaimForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), widget=forms.RadioSelect)
    tracking_number = TextField(label=_("Tracking number"), max_length=40)
    ship_date = BoundedDateField(label=_("Shipped on"))
    destination = forms.ChoiceField(label=_("Shipped to"))
    cost_won = forms.IntegerField(label=_("Shipping cost on the receipt (won)"), min_value=1, max_value=100_000_000)
    receipt = forms.FileField(label=_("The receipt (PDF, PNG or JPEG, up to 2 MB)"))

    def __init__(self, *args: Any, countries: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        p = ref.programme()
        self.fields["carrier"].choices = [(c.code, labels.loc(c)) for c in p.subsidy.carriers]  # type: ignore[attr-defined]
        self.fields["destination"].choices = [("", _("Choose")), *[(c, labels.country(c)) for c in countries]]  # type: ignore[attr-defined]
        field = self.fields["ship_date"]
        assert isinstance(field, BoundedDateField)  # noqa: S101
        field.dates = _claim_days()
        field.widget.attrs.update(field.widget_attrs(field.widget))


class SalesForm(forms.Form):
    file = forms.FileField(
        label=_("Sales file (CSV)"),
        help_text=_("Columns: month, marketplace, country, currency, orders, units, gross_sales, returns."),
    )


class ScoreForm(forms.Form):
    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[f"assessed_{c['code']}"] = forms.IntegerField(
                label=labels.loc(_Named(c)),
                min_value=0,
                max_value=int(c["weight"]),
                help_text=_("0 to %(weight)s points: %(guide)s")
                % {"weight": c["weight"], "guide": labels.loc(_Named(c), "guide")},
            )

    def assessed(self) -> dict[str, int]:
        return {k.removeprefix("assessed_"): int(v) for k, v in self.cleaned_data.items() if v is not None}


class _Named:
    def __init__(self, d: dict[str, Any]) -> None:
        self.__dict__.update(d)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("select", _("Select the business")), ("not_select", _("Do not select"))],
        widget=forms.RadioSelect,
    )
    reason = TextField(
        label=_("Reason the business reads"),
        max_length=500,
        required=False,
        help_text=_("Required when not selecting."),
    )


class ReturnListingForm(forms.Form):
    reason = TextField(label=_("What the business must change"), max_length=500)


class LiveForm(forms.Form):
    listing_id = TextField(label=_("The marketplace's listing id"), max_length=40)


class ClaimDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve and pay")), ("refuse", _("Refuse"))],
        widget=forms.RadioSelect,
    )
    reason = TextField(
        label=_("Reason the business reads"), max_length=500, required=False, help_text=_("Required when refusing.")
    )


class WorklistFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Applications"), required=False, choices=[("", _("Every state")), *Application.States.choices]
    )
    order = forms.ChoiceField(
        label=_("Sort applications by"),
        required=False,
        choices=[
            ("score", _("Score, highest first")),
            ("applied", _("Applied, oldest first")),
            ("name", _("Business name")),
        ],
    )
    marketplace = forms.ChoiceField(label=_("Listings on"), required=False)
    claims = forms.ChoiceField(
        label=_("Claims"),
        required=False,
        choices=[
            ("submitted", pgettext_lazy("claims", "Waiting")),
            ("", _("Every claim")),
            *SubsidyClaim.States.choices[1:],
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["marketplace"].choices = [  # type: ignore[attr-defined]
            ("", _("Every marketplace")),
            *[(m.code, labels.loc(m)) for m in ref.programme().marketplaces],
        ]
