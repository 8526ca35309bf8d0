"""What the guarantee service refuses, with the words a person reads (``core.errors``).

Actions raise ``GuaranteeError.X.error(field)`` (a ValidationError: the request cannot be done
as it is) or ``GuaranteeError.X.denied()`` (a PermissionDenied: this person may not do it);
pages show them on the form through ``core.flow``, the API as 422/403.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from seoul.core.errors import ErrorCode


class GuaranteeError(ErrorCode):
    # who may act
    NOT_YOURS = "guarantee.not_yours", _("This is not your application.")
    EXAMINERS_ONLY = "guarantee.examiners_only", _("Only examiners of the guarantee service can decide on files.")
    OTHER_INSTITUTION = "guarantee.other_institution", _("This file belongs to another institution.")
    SIMPLE_AUTH_REQUIRED = (
        "guarantee.simple_auth_required",
        _("Confirm who you are with simple authentication first: the business's representative is checked against it."),
    )
    NOT_REPRESENTATIVE = (
        "guarantee.not_representative",
        _(
            "You are not the representative named on the business registration of this number, so you cannot "
            "apply for this business online. Check the number; if it is right, only the representative can apply."
        ),
    )
    NOT_CHIEF_EXECUTIVE = (
        "guarantee.not_chief_executive",
        _(
            "The company's corporate registration does not name you as a representative director (대표이사), so "
            "you cannot apply for this company online. Only a representative director can apply; if you became one "
            "recently, apply once the registration shows it."
        ),
    )
    TOO_MANY_CHECKS = (
        "guarantee.too_many_checks",
        _(
            "You have tried too many business registration numbers that are not yours today. Try again tomorrow, "
            "or call the foundation."
        ),
    )
    BUSINESS_HAS_YOUR_APPLICATION = (
        "guarantee.business_has_your_application",
        _(
            "You already have an application in progress for this business (%(ref)s). Continue that one, or "
            "withdraw it before starting again."
        ),
    )
    BUSINESS_HAS_APPLICATION = (
        "guarantee.business_has_application",
        _(
            "This business already has an application in progress, made by another of its representatives. "
            "A business can have one application at a time."
        ),
    )
    # the answers
    NOT_EDITABLE = "guarantee.not_editable", _("This application can no longer be changed.")
    WRONG_STATE = "guarantee.wrong_state", _("This cannot be done at the application's current stage.")
    ALREADY_SUBMITTED = "guarantee.already_submitted", _("This application was already submitted.")
    UNKNOWN_QUESTION = "guarantee.unknown_question", _("There is no such question.")
    BRN_FORMAT = "guarantee.brn_format", _("Enter the 10-digit business registration number, e.g. 123-45-67890.")
    BRN_CHECK_DIGIT = (
        "guarantee.brn_check_digit",
        _("This business registration number is not valid: check it for a typing error."),
    )
    BRN_FIRST = "guarantee.brn_first", _("Answer the business registration number first.")
    PRODUCT_REQUIRED = "guarantee.product_required", _("Choose a guarantee.")
    PRODUCT_NOT_FOR_BUSINESS = (
        "guarantee.product_not_for_business",
        _("This guarantee is not available for your business. Choose one of those offered."),
    )
    AMOUNT_FORMAT = (
        "guarantee.amount_format",
        _("Enter the amount in units of 10,000 won as a whole number, e.g. 1000."),
    )
    AMOUNT_RANGE = "guarantee.amount_range", _("This guarantee lends from %(lo)s to %(hi)s.")
    AMOUNT_ABOVE_LIMIT = (
        "guarantee.amount_above_limit",
        _("Your documents allow at most %(limit)s with this guarantee. Enter that or less."),
    )
    BANK_REQUIRED = "guarantee.bank_required", _("Choose a bank.")
    PHONE_MOBILE = "guarantee.phone_mobile", _("Enter a mobile number, e.g. 010-1234-5678.")
    EMAIL_INVALID = "guarantee.email_invalid", _("Enter an e-mail address like name@example.com, or leave it empty.")
    # documents
    CONSENT_REQUIRED = "guarantee.consent_required", _("Tick the box to give your consent.")
    BUSINESS_FIRST = "guarantee.business_first", _("Confirm your business first: its registration is fetched first.")
    DOCS_TIMEOUT = (
        "guarantee.documents_timeout",
        _("The document service did not answer in time. Try again, or upload the documents."),
    )
    DOCS_UNAVAILABLE = (
        "guarantee.documents_unavailable",
        _("The document service is busy. Try again in a few minutes, or upload the documents."),
    )
    DOCS_CERTIFICATE_EXPIRED = (
        "guarantee.documents_certificate_expired",
        _("Your authentication certificate has expired. Renew it with your provider and try again."),
    )
    DOCS_REFUSED = (
        "guarantee.documents_refused",
        _("The document service refused the request. Upload the documents instead."),
    )
    DOCS_CONSENT_EXPIRED = (
        "guarantee.documents_consent_expired",
        _("Your consent has expired. Give it again to fetch the documents."),
    )
    REGISTRATION_UNREADABLE = (
        "guarantee.registration_unreadable",
        _("The business registration certificate could not be read. Try again later."),
    )
    CORPORATE_REGISTRATION_UNREADABLE = (
        "guarantee.corporate_registration_unreadable",
        _("The company's corporate registration could not be read. Try again later."),
    )
    UPLOAD_KIND = "guarantee.upload_kind", _("Choose which document this is.")
    UPLOAD_TOO_LARGE = (
        "guarantee.upload_too_large",
        _("The file is larger than 1 MB. Scan it at a lower resolution and upload it again."),
    )
    UPLOAD_EMPTY = "guarantee.upload_empty", _("The file is empty.")
    UPLOAD_NOT_PDF_OR_IMAGE = (
        "guarantee.upload_not_pdf_or_image",
        _("The file must be a PDF, JPEG or PNG. This file is something else, whatever its name says."),
    )
    UPLOAD_NAME_MISMATCH = (
        "guarantee.upload_name_mismatch",
        _("The file's name does not match what it contains. Upload the original file."),
    )
    # sending
    INCOMPLETE = "guarantee.incomplete", _("Some answers or documents are missing or must change: see the list.")
    CANNOT_WITHDRAW = "guarantee.cannot_withdraw", _("This application can no longer be withdrawn.")
    POOL_USED_UP = (
        "guarantee.pool_used_up",
        _("The budget of this guarantee is used up: %(pool)s has %(remaining)s left, this guarantee needs %(needed)s."),
    )
    # examiners
    COMMENT_REQUIRED = (
        "guarantee.comment_required",
        _("Write a comment of at least 5 characters: it is kept with the decision and shown to the applicant."),
    )
    DECISION_REQUIRED = "guarantee.decision_required", _("Choose a decision.")
    NOT_REFERRED = "guarantee.not_referred", _("This file is not waiting for a decision.")
    SECOND_APPROVAL_NEEDS_APPROVER = (
        "guarantee.second_approval_needs_approver",
        _("The second approval needs an approver."),
    )
    SAME_APPROVER = "guarantee.same_approver", _("The second approval must come from a different approver.")
    LOWER_ONLY_ON_APPROVAL = "guarantee.lower_only_on_approval", _("Only an approval can set a lower amount.")
    LOWER_AT_MOST = "guarantee.lower_at_most", _("Approve at most %(amount)s.")
    LOWER_AT_LEAST = "guarantee.lower_at_least", _("This guarantee starts at %(amount)s.")
    # agreement and bank
    NOT_APPROVED = "guarantee.not_approved", _("The agreement can be signed only once the application is approved.")
    AGREE_REQUIRED = "guarantee.agree_required", _("Tick the box to confirm you agree to the terms.")
    NO_CERTIFICATE = "guarantee.no_certificate", _("There is no guarantee certificate to send yet.")
    BAD_SIGNATURE = "guarantee.bad_signature", _("The webhook's signature is not valid.")
    # the guarantee fee
    NOTHING_TO_PAY = "guarantee.nothing_to_pay", _("There is no guarantee fee to pay for this application.")
    ALREADY_PAID = "guarantee.already_paid", _("The guarantee fee has already been paid.")
    FEE_NOT_PAID = (
        "guarantee.fee_not_paid",
        _("The guarantee certificate is issued once the guarantee fee is paid."),
    )
    UNKNOWN_PAYMENT = (
        "guarantee.unknown_payment",
        _("This payment is not one of the guarantee service's: nothing was changed."),
    )
    PAYMENTS_TIMEOUT = (
        "guarantee.payments_timeout",
        _("The payment service did not answer in time. Nothing was charged. Try again in a few minutes."),
    )
    PAYMENTS_UNAVAILABLE = (
        "guarantee.payments_unavailable",
        _("The payment service is not answering. Nothing was charged. Try again in a few minutes."),
    )
    PAYMENT_RESULT_UNREADABLE = (
        "guarantee.payment_result_unreadable",
        _(
            "We could not read the payment service's answer. If you paid, the payment will show here "
            "within a few minutes; you will not be charged twice."
        ),
    )
    MALFORMED_PAYMENT_EVENT = (
        "guarantee.malformed_payment_event",
        _("The webhook is not a payment event this service understands."),
    )
    MALFORMED_WEBHOOK = "guarantee.malformed_webhook", _("The webhook is not a bank event this service understands.")
    # default, subrogation and the foundation's claim
    APPROVERS_ONLY = (
        "guarantee.approvers_only",
        _("Only approvers of the guarantee service can decide on a subrogation or write a claim off."),
    )
    NOT_TO_REVIEW = "guarantee.not_to_review", _("This default has already been decided.")
    NOT_SENT = "guarantee.subrogation_not_sent", _("There is no approved payment waiting to be sent to the bank.")
    CLAIM_CLOSED = "guarantee.claim_closed", _("This claim is closed: it was recovered in full or written off.")
    PLAN_MONTHS = "guarantee.plan_months", _("Give a number of monthly instalments from 1 to %(most)s.")
    PLAN_START = "guarantee.plan_start", _("The first instalment falls due within a year from today.")
    RECOVERY_REFUSED = "guarantee.recovery_refused", _("This recovery cannot be recorded: %(reason)s.")
    WRITE_OFF_REFUSED = "guarantee.write_off_refused", _("The claim cannot be written off: %(reason)s.")
    CLAIM_NOTHING_TO_PAY = (
        "guarantee.claim_nothing_to_pay",
        _("There is nothing to pay online on this claim now: it has no repayment plan, or it is paid or closed."),
    )
    # extension at term
    NOT_RENEWABLE = "guarantee.not_renewable", _("This loan's guarantee cannot be extended online.")
    RENEWAL_WITH_BANK = (
        "guarantee.renewal_with_bank",
        _("The extension of this guarantee has been sent to the bank and is waiting for its confirmation."),
    )
    RENEWAL_NOT_NOW = (
        "guarantee.renewal_not_now",
        _(
            "This loan's guarantee cannot be extended now. An extension can be asked for from the day shown on "
            "your application's page until the loan's term, while the loan is being repaid normally and "
            "extensions are left."
        ),
    )
    # simple authentication
    AUTH_REFUSED = (
        "guarantee.auth_refused",
        _("The authentication provider did not accept the request. Check your name and mobile number."),
    )
    AUTH_UNAVAILABLE = "guarantee.auth_unavailable", _("The authentication provider is not answering. Try again.")
    AUTH_PENDING = "guarantee.auth_pending", _("You have not approved the request in your app yet.")
    AUTH_DECLINED = "guarantee.auth_declined", _("The request was declined in your app. Start again.")
    AUTH_EXPIRED = "guarantee.auth_expired", _("The sign-in request has expired. Start again.")
    AUTH_INCOMPLETE = "guarantee.auth_incomplete", _("The sign-in was not completed. Start again.")
    PROVIDER_REQUIRED = "guarantee.provider_required", _("Choose the app you sign in with.")
