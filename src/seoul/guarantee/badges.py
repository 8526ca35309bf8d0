"""What the guarantee's states mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "application.state": {
        "draft": "neutral",
        "submitted": "info",
        "screening": "info",
        "referred": "info",
        "more_info_requested": "warning",
        "approved": "success",
        "rejected": "danger",
        "agreement_signed": "warning",  # the applicant has the fee to pay
        "certificate_issued": "info",
        "loan_executed": "success",
        "bank_declined": "danger",
        "withdrawn": "neutral",
    },
    "review.decision": {"approve": "success", "reject": "danger", "request_more": "warning"},
    "payment.status": {
        "pending": "neutral",
        "paid": "success",
        "declined": "danger",
        "failed": "danger",
        "waived": "success",
    },
    "certificate.bank_status": {"pending": "neutral", "sent": "info", "accepted": "success", "rejected": "danger"},
    "loan.status": {
        "active": "info",
        "arrears": "warning",
        "defaulted": "danger",
        "subrogated": "danger",
        "closed": "success",
    },
    "subrogation.status": {"to_review": "warning", "approved": "info", "paid": "success", "refused": "neutral"},
    "claim.status": {"open": "warning", "recovered": "success", "written_off": "neutral"},
    "renewal.status": {"refused": "danger", "sent": "info", "extended": "success", "lapsed": "neutral"},
}
