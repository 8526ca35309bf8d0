"""Smart-train maintenance: anomaly detection on train and track sensor streams, and its yardstick (NAB)."""
