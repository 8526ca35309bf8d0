"""What the fund's states mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "application.state": {
        "submitted": "info",
        "screening": "info",
        "committee": "warning",
        "screened_out": "danger",
        "invest": "success",
        "declined": "danger",
    },
    "tranche.state": {
        "planned": "neutral",
        "evidenced": "warning",
        "verified": "info",
        "paid": "success",
    },
}
