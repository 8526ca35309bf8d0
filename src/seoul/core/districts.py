"""Districts for pages and forms: the names in the page's language (data in ``core.engine.districts``)."""

from __future__ import annotations

from django.utils.translation import get_language

from seoul.core.engine.districts import District, all_districts, by_name, district

__all__ = ["District", "all_districts", "by_name", "choices", "district", "label"]


def label(d: District) -> str:
    """The district's name in the current page language."""
    return d.name(get_language() or "ko")


def choices() -> list[tuple[int, str]]:
    """(index, name) pairs for forms, in the current language."""
    return [(d.index, label(d)) for d in all_districts()]
