"""What contact tracing's statuses mean, for the status badges (``core/badges.py``)."""

KINDS = {
    "case.status": {"investigating": "info", "isolated": "neutral", "released": "success"},
    "contact.status": {"monitoring": "info", "became_case": "alert", "completed": "success", "lost": "warning"},
    "followup.status": {
        "seen_well": "success",
        "seen_symptoms": "alert",
        "missed": "warning",
        "not_attempted": "neutral",
    },
    "candidate.status": {"pending": "neutral", "confirmed": "success", "dismissed": "danger"},
    "labresult.result": {"positive": "alert", "negative": "success", "inconclusive": "warning"},
}
