"""What the plan's statuses mean, for the status badges (``core/badges.py``)."""

PROJECT_STATUS = {
    "planned": "neutral",
    "in_progress": "info",
    "delayed": "warning",
    "done": "success",
    "cancelled": "danger",
}

KINDS = {"project.status": PROJECT_STATUS, "progressreport.status": PROJECT_STATUS}
