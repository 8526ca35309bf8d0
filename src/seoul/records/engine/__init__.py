"""The records service's plain-Python parts (no Django): preflight, OCR, Korean search."""
