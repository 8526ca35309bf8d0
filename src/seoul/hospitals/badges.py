"""What the network's statuses mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "capacityreport.status": {"accepted": "success", "superseded": "neutral", "refused": "danger"},
    "patient.tier": {"mild": "neutral", "moderate": "info", "severe": "warning", "critical": "danger"},
    "patient.status": {
        "waiting": "alert",
        "offered": "info",
        "admitted": "success",
        "discharged": "neutral",
        "cancelled": "neutral",
    },
    "proposalline.decision": {"pending": "neutral", "accepted": "success", "changed": "info", "skipped": "neutral"},
    "transfer.status": {"offered": "info", "done": "success", "declined": "danger"},
    "resourcerequest.status": {"open": "warning", "covered": "success", "cancelled": "neutral"},
    "loan.status": {
        "offered": "info",
        "declined": "danger",
        "on_loan": "warning",
        "returned": "success",
        "consumed": "neutral",
    },
}
