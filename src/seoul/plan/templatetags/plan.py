"""Template filters of the plan pages: text in the page's language, marked when it is not.

``{{ project|local:"description" }}`` shows ``description_en`` on English pages when there is
one, else the Korean text; ``{{ kpi.name|typed }}`` shows text as someone typed it. Korean text
on an English page (a name or note typed only in Korean) is marked ``lang="ko"`` so that screen
readers read it in Korean (WCAG 3.1.2, language of parts).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from seoul.plan import words

register = template.Library()


@register.filter
def typed(text: Any) -> SafeString | str:
    """Text as someone typed it; marked as Korean on an English page when it is."""
    value = "" if text is None else str(text)
    if words.english() and words.HANGUL.search(value):
        return format_html('<span lang="ko">{}</span>', value)
    return value


@register.filter
def local(obj: Any, field: str) -> SafeString | str:
    """``<field>_en`` on English pages when set, else the Korean ``<field>_ko`` or ``<field>``."""
    if words.english():
        english = getattr(obj, f"{field}_en", "")
        if english:
            return str(english)
    korean = getattr(obj, f"{field}_ko", None)
    return typed(korean if korean is not None else getattr(obj, field, ""))


@register.filter
def unit(value: str) -> str:
    return words.unit(value)
