"""What the network's statuses mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "capacityreport.status": {"accepted": "success", "superseded": "neutral", "refused": "danger"},
}
