"""What the audit log records of the overseas-sales service, and why its officers open a
business's file (the reason asked before personal data, ADR 12)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class OverseasEvent(models.TextChoices):
    APPLIED = "overseas.application.applied", _("Applied for the overseas sales programme")
    WITHDRAWN = "overseas.application.withdrawn", _("Overseas sales application withdrawn")
    SCORED = "overseas.application.scored", _("Overseas sales application scored")
    SELECTED = "overseas.application.selected", _("Selected for the overseas sales programme")
    NOT_SELECTED = "overseas.application.not_selected", _("Not selected for the overseas sales programme")
    APPLICATION_VIEWED = "overseas.application.viewed", _("Overseas sales applicant's file opened")
    PRODUCT_ADDED = "overseas.product.added", _("Product added to an overseas sales application")
    LISTING_SAVED = "overseas.listing.saved", _("Marketplace listing saved")
    LISTING_READY = "overseas.listing.ready", _("Marketplace listing sent for review")
    LISTING_RETURNED = "overseas.listing.returned", _("Marketplace listing returned to the business")
    LISTING_LIVE = "overseas.listing.live", _("Marketplace listing recorded as live")
    DOCUMENT_UPLOADED = "overseas.document.uploaded", _("Export document uploaded")
    FILE_DOWNLOADED = "overseas.file.downloaded", _("Overseas sales file downloaded")
    CLAIM_SUBMITTED = "overseas.claim.submitted", _("Shipping subsidy claimed")
    CLAIM_REFUSED_DUPLICATE = "overseas.claim.duplicate", _("Shipping subsidy claim refused: receipt already claimed")
    CLAIM_PAID = "overseas.claim.paid", _("Shipping subsidy claim approved and paid")
    CLAIM_REFUSED = "overseas.claim.refused", _("Shipping subsidy claim refused by the officer")
    SALES_UPLOADED = "overseas.sales.uploaded", _("Monthly export sales uploaded")


class OverseasPurpose(Purpose):
    SELECTION = "overseas.selection", _("Scoring and selecting the programme's applicants")
    DELIVERY = "overseas.delivery", _("Preparing listings, checking claims and sales with a selected business")
    INQUIRY = "overseas.inquiry", _("Answering the business's own question or complaint")
