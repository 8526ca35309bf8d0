"""Adapters of the records service to outside services (ADR 14): the timestamp authority
that stamps signed archive copies (``tsa.py``), with its local stand-in."""
