from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from seoul.core.engine.money import format_krw

register = template.Library()


@register.filter
def loc(obj: Any, field: str) -> str:
    """The English value of ``<field>_en`` when the page is in English and one exists, else Korean."""
    if (get_language() or "ko").startswith("en"):
        value = getattr(obj, f"{field}_en", "")
        if value:
            return str(value)
    return str(getattr(obj, f"{field}_ko", ""))


@register.filter
def krw(value: int | None) -> str:
    # A missing context value arrives as "": show a dash rather than failing the page.
    try:
        amount = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    return format_krw(amount, lang=(get_language() or "ko")[:2])


@register.filter
def pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)


@register.filter
def event_label(code: str) -> str:
    from seoul.core.audit import event_label as label

    return str(label(code))
