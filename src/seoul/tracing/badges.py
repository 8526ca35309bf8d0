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
    "case.classification": {
        "suspected": "warning",
        "probable": "warning",
        "confirmed": "alert",
        "not_a_case": "success",
    },
    "classificationchange.classification": {
        "suspected": "warning",
        "probable": "warning",
        "confirmed": "alert",
        "not_a_case": "success",
    },
    "transfer.status": {"pending": "info", "accepted": "success", "refused": "warning"},
    "masstextrecipient.status": {
        "pending": "neutral",
        "sending": "info",
        "sent": "success",
        "failed": "danger",
        "opted_out": "neutral",
    },
    "labresult.result": {"positive": "alert", "negative": "success", "inconclusive": "warning"},
}
