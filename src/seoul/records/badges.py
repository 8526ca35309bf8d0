"""What the records' statuses mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "record.status": {
        "received": "neutral",
        "processing": "info",
        "ready": "alert",
        "registered": "success",
        "refused": "danger",
        "destroyed": "neutral",
    },
    "record.disclosure": {"open": "success", "partial": "warning", "closed": "danger"},
    "step.outcome": {"done": "success", "partial": "warning", "failed": "danger"},
    "disposalreview.status": {"open": "alert", "decided": "info", "done": "success"},
    "disclosurerequest.decision": {
        "pending": "neutral",
        "full": "success",
        "partial": "warning",
        "refused": "danger",
        "not_held": "neutral",
    },
}
