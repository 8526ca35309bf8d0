"""Metro names in the page's language: stations, lines, gates, fare sections and rider categories
(``{% load metro %}``; ``{{ name|station }}``). Pages show these words, never codes."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language, gettext

from seoul.metro.engine import data
from seoul.metro.models import Rider

register = template.Library()


def _lang() -> str:
    return get_language() or "ko"


@register.filter
def station(name: str | None) -> str:
    """A station name (Korean, as stored) in the page's language; "not recorded" in words when
    there is none (a journey with no entry tap), never a bare "?" a rider cannot read."""
    return data.station_name(name, _lang()) if name else gettext("station not recorded")


@register.filter
def stop(name: str | None) -> str:
    """A station as a place one gets on or off, as Korean riders read it: 사당역, 서울역 (a name that
    already ends in 역 is not given a second one); in English the name alone."""
    words = station(name)
    if name and _lang().startswith("ko") and not words.endswith("역"):
        return words + "역"
    return words


@register.filter
def line(code: str) -> str:
    """A line code in words: ``2`` → 2호선 / Line 2."""
    return data.line_name(str(code), _lang())


@register.filter
def gate(gate: Any) -> str:
    """A gate array as people read it: its station and line (서울역 1호선 / Seoul Station, Line 1)."""
    if gate is None:
        return gettext("station not recorded")
    return gettext("%(station)s, %(line)s") % {"station": station(gate.station), "line": line(gate.line)}


@register.filter
def fare_section(code: str) -> str:
    """A separately charged section in words (GANGNAM-JEONGJA → 강남–정자 / Gangnam–Jeongja)."""
    ends = data.zone_stations().get(code)
    if ends is None:
        return code
    return f"{station(ends[0])}–{station(ends[1])}"


@register.filter
def category(code: str) -> str:
    """A rider category code in words (senior → 만 65세 이상 / 65 and over)."""
    try:
        return str(Rider.Category(code).label)
    except ValueError:
        return code
