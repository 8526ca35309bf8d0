from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class GuaranteeEvent(models.TextChoices):
    SIGNED_IN = "guarantee.signed_in", _("Signed in by simple authentication")
    DRAFT_STARTED = "guarantee.draft.started", _("Guarantee application started")
    DRAFT_SAVED = "guarantee.draft.saved", _("Guarantee application answer saved")
    BUSINESS_CONFIRMED = "guarantee.business.confirmed", _("Applicant confirmed as the business's representative")
    NOT_REPRESENTATIVE = (
        "guarantee.business.not_representative",
        _("Applicant is not the business's representative: application stopped"),
    )
    BUSINESS_HAS_APPLICATION = "guarantee.business.has_application", _("Second application for a business refused")
    DOCUMENTS_FETCHED = "guarantee.documents.fetched", _("Documents fetched with consent")
    DOCUMENTS_FAILED = "guarantee.documents.failed", _("Document fetch failed")
    DOCUMENT_UPLOADED = "guarantee.document.uploaded", _("Document uploaded")
    TRANSITION = "guarantee.transition", _("Guarantee application state changed")
    REVIEWED = "guarantee.reviewed", _("Examiner decision recorded")
    CERTIFICATE_ISSUED = "guarantee.certificate.issued", _("Guarantee certificate issued")
    CERTIFICATE_SENT = "guarantee.certificate.sent", _("Guarantee certificate sent to the bank")
    WEBHOOK = "guarantee.webhook", _("Bank webhook received")
    FEE_RECORDED = "guarantee.fee.recorded", _("Guarantee fee to pay recorded (or waived)")
    FEE_ORDERED = "guarantee.fee.ordered", _("Guarantee fee payment started at the payment service")
    FEE_RETRIED = "guarantee.fee.retried", _("Guarantee fee payment tried again after a decline")
    FEE_WEBHOOK = "guarantee.fee.webhook", _("Payment service webhook received")
    FEE_RETURNED = "guarantee.fee.returned", _("Applicant back from the payment service")
    LOAN_RECORDED = "guarantee.loan.recorded", _("Loan execution recorded")
    LOAN_EVENT = "guarantee.loan.event", _("Bank report on a loan's repayment applied (or refused)")
    SUBROGATION_DECIDED = "guarantee.subrogation.decided", _("Default reviewed: subrogation approved or refused")
    SUBROGATION_SENT = "guarantee.subrogation.sent", _("Subrogation payment sent to the bank")
    RENEWAL_ASSESSED = "guarantee.renewal.assessed", _("Extension at term re-screened: extended or refused")
    RENEWAL_SENT = "guarantee.renewal.sent", _("Extension of the guarantee sent to the bank")
    RENEWAL_LAPSED = "guarantee.renewal.lapsed", _("Extension lapsed: the loan ended before the bank extended it")
    CLAIM_PLAN = "guarantee.claim.plan", _("Recovery plan agreed for a claim")
    CLAIM_PAYMENT_ORDERED = (
        "guarantee.claim.payment_ordered",
        _("Online payment on a claim started at the payment service"),
    )
    CLAIM_PAYMENT_WEBHOOK = (
        "guarantee.claim.payment_webhook",
        _("Payment service webhook about a claim payment received"),
    )
    CLAIM_PAYMENT_RETURNED = "guarantee.claim.payment_returned", _("Business back from paying its claim online")
    CLAIM_RECOVERED = "guarantee.claim.recovered", _("Recovery on a claim recorded")
    CLAIM_WRITTEN_OFF = "guarantee.claim.written_off", _("Claim written off")
    REPORT_DOWNLOADED = "guarantee.report.downloaded", _("Guarantee book by product and year downloaded")
    POOL_COMMITTED = "guarantee.pool.committed", _("Guarantee committed to its budget pool")
    POOL_RELEASED = "guarantee.pool.released", _("Guarantee released from its budget pool")
    NOTIFIED = "guarantee.notified", _("Applicant notified")
    NOTIFICATION_FAILED = "guarantee.notification.failed", _("Notification not sent (will be retried)")
    FILE_VIEWED = "guarantee.file.viewed", _("Guarantee file viewed")
    FILE_SEARCHED = "guarantee.file.searched", _("Guarantee files searched by business number")


class GuaranteePurpose(Purpose):
    """Why staff of this service open a person's data (asked before the page shows it)."""

    EXAMINATION = "guarantee.examination", _("Examining the guarantee application")
    APPLICANT_REQUEST = "guarantee.applicant_request", _("Answering the applicant's question or complaint")
    AFTERCARE = "guarantee.aftercare", _("Managing the guarantee after approval")
    LEGAL = "guarantee.legal", _("A request under the law (a court or an investigative body)")
