"""What the metro's statuses mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "journey.status": {
        "complete": "success",
        "in_progress": "info",
        "incomplete_no_exit": "warning",
        "incomplete_no_entry": "warning",
    },
    "dispute.status": {"open": "neutral", "refunded": "success", "rejected": "danger"},
    "workorder.status": {"open": "neutral", "acknowledged": "info", "inspecting": "info", "closed": "success"},
    "workorder.severity": {"high": "alert", "medium": "warning", "low": "neutral"},
    "workorder.finding": {"real_fault": "alert", "false_alarm": "neutral", "planned": "info"},
}
