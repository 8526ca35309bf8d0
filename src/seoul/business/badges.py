"""What the business service's states mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "programmeapplication.state": {
        "applied": "info",
        "selected": "success",
        "not_selected": "danger",
        "completed": "success",
        "dropped": "warning",
        "withdrawn": "neutral",
    },
}
