"""What the overseas-sales service's states mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "application.state": {"submitted": "info", "selected": "success", "not_selected": "danger", "withdrawn": "neutral"},
    "listing.state": {"draft": "warning", "ready": "info", "live": "success"},
    "subsidyclaim.state": {"submitted": "info", "paid": "success", "refused": "danger"},
}
