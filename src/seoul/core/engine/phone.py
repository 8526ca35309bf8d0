"""Korean telephone numbers: digits for storage, hyphenated groups for people to read.

Groups follow the national numbering plan as numbers are written in Korea: Seoul's area code
02 (02-123-4567, 02-1234-5678), other area codes, mobile (010-1234-5678) and internet phones
(070-…) with three digits, and eight-digit nationwide numbers (1588-1234).
"""

from __future__ import annotations


def digits(value: str) -> str:
    """Only the digits of ``value`` (spaces, hyphens, dots and brackets dropped)."""
    return "".join(c for c in value if c.isascii() and c.isdigit())


def is_mobile(value: str) -> bool:
    """A Korean mobile number: 010 with 8 more digits, or the older 011/016–019 with 7 or 8."""
    d = digits(value)
    if d.startswith("010"):
        return len(d) == 11
    return d[:3] in {"011", "016", "017", "018", "019"} and len(d) in (10, 11)


def format_phone(value: str) -> str:
    """``01012345678`` → ``010-1234-5678``; a number that fits no known shape is returned as given."""
    d = digits(value)
    if len(d) == 8 and d[0] == "1":  # nationwide numbers such as 1588-1234
        return f"{d[:4]}-{d[4:]}"
    if d.startswith("02") and len(d) in (9, 10):
        return f"02-{d[2:-4]}-{d[-4:]}"
    if d.startswith("0") and not d.startswith("02") and len(d) in (10, 11):
        return f"{d[:3]}-{d[3:-4]}-{d[-4:]}"
    return value


def masked(value: str) -> str:
    """The number with its middle group hidden (010-****-5678), for lists that need no more."""
    shown = format_phone(value)
    parts = shown.split("-")
    if len(parts) != 3:
        return shown
    return f"{parts[0]}-{'*' * len(parts[1])}-{parts[2]}"
