"""Transactional state of the overseas-sales service (docs/overseas-sales.md).

A :class:`Round` is loaded from ``reference/programme.json``. A business applies once per round
(:class:`Application`, one per business registration number — encrypted at rest, found by blind
index) with its products and target marketplaces and countries; every change of state is kept
(:class:`Transition`). Once selected, each product × marketplace gets a :class:`Listing` whose
field values are checked against the marketplace's fields; every save is kept as a
:class:`ListingRevision`. Export documents (:class:`ExportDocument`) and shipping receipts
(:class:`SubsidyClaim`) are files checked by their first bytes. A receipt is claimed once: the
same carrier and tracking number, or the same file, is refused (database constraints too).
Monthly sales arrive as :class:`SalesUpload` files whose good lines become :class:`SalesLine`
rows; a later line for the same month, marketplace and country replaces the earlier one, which
is kept with who replaced it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from seoul.core.crypto import EncryptedTextField, blind_index
from seoul.core.models import Institution
from seoul.core.roles import Role, Service

BRN_PURPOSE = "overseas.brn"


def is_officer(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Service.OVERSEAS, Role.OPERATOR))


class Round(models.Model):
    code = models.CharField(max_length=20, unique=True)
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="overseas_rounds")
    name_ko = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120)
    summary_ko = models.TextField()
    summary_en = models.TextField()
    intake_opens = models.DateField()
    intake_closes = models.DateField()
    runs_until = models.DateField()
    places = models.PositiveIntegerField()
    subsidy_budget_won = models.BigIntegerField()
    #: The round's selection criteria and subsidy terms as the reference gave them.
    definition = models.JSONField()
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-intake_opens", "code"]

    def __str__(self) -> str:
        return self.code

    def taking_applications(self, today: date) -> bool:
        return self.intake_opens <= today <= self.intake_closes

    @property
    def subsidy(self) -> dict[str, Any]:
        return dict(self.definition.get("subsidy", {}))

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list(self.definition.get("selection", []))


class ApplicationQuerySet(models.QuerySet[Any]):
    def visible_to(self, user: Any) -> ApplicationQuerySet:
        """A citizen's own applications; every application for the programme's officers."""
        if user is None or not user.is_authenticated:
            return self.none()
        if is_officer(user):
            return self
        return self.filter(applicant=user)

    def own(self, user: Any) -> ApplicationQuerySet:
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(applicant=user)


class Application(models.Model):
    class States(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for selection")
        SELECTED = "selected", _("Selected")
        NOT_SELECTED = "not_selected", _("Not selected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    reference = models.CharField(max_length=20, unique=True)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="overseas_applications"
    )
    business_name = models.CharField(max_length=100)
    brn = EncryptedTextField()
    brn_index = models.CharField(max_length=64, db_index=True)
    marketplaces = models.JSONField(default=list)
    countries = models.JSONField(default=list)
    plan = models.TextField(blank=True)
    state = models.CharField(max_length=15, choices=States.choices, default=States.SUBMITTED, db_index=True)
    assessed = models.JSONField(default=dict, blank=True)
    score = models.PositiveIntegerField(null=True, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    applied_at = models.DateTimeField(auto_now_add=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "brn_index"], name="overseas_one_application_per_round")
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.brn_index = blind_index(self.brn, purpose=BRN_PURPOSE) if self.brn else ""
        super().save(*args, **kwargs)


class Transition(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=15, blank=True)
    to_state = models.CharField(max_length=15)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.application}: {self.from_state} → {self.to_state}"

    @property
    def state_label(self) -> str:
        return str(dict(Application.States.choices).get(self.to_state, self.to_state))


class Product(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(max_length=100)
    description = models.TextField()
    category = models.CharField(max_length=20)
    price_won = models.PositiveIntegerField()
    weight_g = models.PositiveIntegerField()
    length_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    width_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    hs_code = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "pk"]

    def __str__(self) -> str:
        return self.name


class ListingQuerySet(models.QuerySet["Listing"]):
    def visible_to(self, user: Any) -> ListingQuerySet:
        return self.filter(product__application__in=Application.objects.visible_to(user))


class Listing(models.Model):
    class States(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        READY = "ready", _("Ready for review")
        LIVE = "live", _("Live on the marketplace")

    class TranslatedBy(models.TextChoices):
        BUSINESS = "business", _("The business")
        TRANSLATOR = "translator", _("The programme's contracted translator")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="listings")
    marketplace = models.CharField(max_length=40)
    values = models.JSONField(default=dict)
    #: The problems of ``values`` at the last save (``engine.problems.Problem.to_dict``).
    problems = models.JSONField(default=list)
    language = models.CharField(max_length=5)
    translated_by = models.CharField(max_length=10, choices=TranslatedBy.choices, blank=True)
    state = models.CharField(max_length=10, choices=States.choices, default=States.DRAFT, db_index=True)
    marketplace_listing_id = models.CharField(max_length=40, blank=True)
    live_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["product", "marketplace"]
        constraints = [models.UniqueConstraint(fields=["product", "marketplace"], name="overseas_one_listing")]

    def __str__(self) -> str:
        return f"{self.product} @ {self.marketplace}"


class ListingRevision(models.Model):
    """Every save and every change of state of a listing, as it was."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="revisions")
    values = models.JSONField()
    problems = models.JSONField()
    translated_by = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=10)
    note = models.CharField(max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["listing", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.listing} {self.at:%Y-%m-%d %H:%M}"

    @property
    def state_label(self) -> str:
        return str(dict(Listing.States.choices).get(self.state, self.state))


class ExportDocument(models.Model):
    class Kinds(models.TextChoices):
        COMMERCIAL_INVOICE = "commercial_invoice", _("Commercial invoice")
        PACKING_LIST = "packing_list", _("Packing list")
        CERTIFICATE_OF_ORIGIN = "certificate_of_origin", _("Certificate of origin (where applicable)")

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=30, choices=Kinds.choices)
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["listing", "kind", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.listing} {self.kind}"


class SubsidyClaimQuerySet(models.QuerySet["SubsidyClaim"]):
    def visible_to(self, user: Any) -> SubsidyClaimQuerySet:
        return self.filter(application__in=Application.objects.visible_to(user))


class SubsidyClaim(models.Model):
    class States(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for the officer")
        PAID = "paid", _("Approved and paid")
        REFUSED = "refused", pgettext_lazy("claim", "Refused")  # 거절, as the officer's button says

    reference = models.CharField(max_length=20, unique=True)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="claims")
    carrier = models.CharField(max_length=40)
    tracking_number = models.CharField(max_length=40)
    ship_date = models.DateField()
    destination = models.CharField(max_length=2)
    cost_won = models.PositiveIntegerField()
    file_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    state = models.CharField(max_length=10, choices=States.choices, default=States.SUBMITTED, db_index=True)
    calculation = models.JSONField(null=True, blank=True)
    paid_won = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=500, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = SubsidyClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_number"], name="overseas_one_claim_per_shipment"),
            models.UniqueConstraint(fields=["sha256"], name="overseas_one_claim_per_receipt_file"),
        ]

    def __str__(self) -> str:
        return self.reference


class SalesUpload(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="sales_uploads")
    file_name = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    lines_read = models.PositiveIntegerField(default=0)
    lines_accepted = models.PositiveIntegerField(default=0)
    lines_replaced = models.PositiveIntegerField(default=0)
    #: Every refused line's problems (``engine.problems.Problem.to_dict``) and the rates used.
    problems = models.JSONField(default=list)
    rates = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.file_name}"


class SalesLine(models.Model):
    upload = models.ForeignKey(SalesUpload, on_delete=models.CASCADE, related_name="lines")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="sales_lines")
    line = models.PositiveIntegerField()
    month = models.CharField(max_length=7)
    marketplace = models.CharField(max_length=40)
    country = models.CharField(max_length=2)
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField()
    units = models.PositiveIntegerField()
    gross = models.DecimalField(max_digits=14, decimal_places=2)
    returns = models.DecimalField(max_digits=14, decimal_places=2)
    rate = models.DecimalField(max_digits=12, decimal_places=4)
    gross_won = models.BigIntegerField()
    returns_won = models.BigIntegerField()
    net_won = models.BigIntegerField()
    #: The later line that replaced this one (history kept; only current lines count).
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    current = models.BooleanField(default=True, db_index=True)

    class Meta:
        ordering = ["month", "marketplace", "country", "pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.month} {self.marketplace} {self.country}"
