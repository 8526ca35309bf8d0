"""The plan's words in the page's language: names of visions and institutions, units.

Reference data carries Korean and English names (``name_ko``/``name_en``); the units of the
announced projects are Korean counters (명, 개소, ...), given in English on English pages. A
unit someone typed that is not a known counter is shown as typed.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")

# Korean counters used by the plan's projects and KPIs, in English.
UNITS = {
    "명": _("people"),
    "개소": _("sites"),
    "개": _("items"),
    "회": _("sessions"),
    "강좌": _("courses"),
    "편": _("pieces"),
    "대": _("units"),
    "건": _("cases"),
}


def english() -> bool:
    return (get_language() or "ko").startswith("en")


def name_of(obj: Any) -> str:
    """``name_en`` on English pages when there is one, else ``name_ko``."""
    english_name = str(getattr(obj, "name_en", "") or "")
    return english_name if english_name and english() else str(obj.name_ko)


def vision_label(vision: Any) -> str:
    return f"{vision.symbol} {name_of(vision)}"


def unit(value: str) -> str:
    """A unit in the page's language (a known Korean counter in English on English pages)."""
    value = (value or "").strip()
    if english() and value in UNITS:
        return str(UNITS[value])
    return value
