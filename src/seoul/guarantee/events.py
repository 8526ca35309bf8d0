from django.db import models
from django.utils.translation import gettext_lazy as _


class GuaranteeEvent(models.TextChoices):
    SIGNED_IN = "guarantee.signed_in", _("Signed in by simple authentication")
    DRAFT_STARTED = "guarantee.draft.started", _("Guarantee application started")
    DRAFT_SAVED = "guarantee.draft.saved", _("Guarantee application answer saved")
    DOCUMENTS_FETCHED = "guarantee.documents.fetched", _("Documents fetched with consent")
    DOCUMENTS_FAILED = "guarantee.documents.failed", _("Document fetch failed")
    DOCUMENT_UPLOADED = "guarantee.document.uploaded", _("Document uploaded")
    TRANSITION = "guarantee.transition", _("Guarantee application state changed")
    REVIEWED = "guarantee.reviewed", _("Examiner decision recorded")
    CERTIFICATE_ISSUED = "guarantee.certificate.issued", _("Guarantee certificate issued")
    CERTIFICATE_SENT = "guarantee.certificate.sent", _("Guarantee certificate sent to the bank")
    WEBHOOK = "guarantee.webhook", _("Bank webhook received")
    LOAN_RECORDED = "guarantee.loan.recorded", _("Loan execution recorded")
    NOTIFIED = "guarantee.notified", _("Applicant notified")
    FILE_VIEWED = "guarantee.file.viewed", _("Guarantee file viewed")
    FILE_SEARCHED = "guarantee.file.searched", _("Guarantee files searched by business number")
