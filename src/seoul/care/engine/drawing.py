"""The plan of a daycare centre drawn to scale as SVG (issue 17): rooms coloured by risk, doors,
washbasins, the routes and rooms of failed checks, a scale bar, a north arrow and a legend.

:func:`plan_svg` returns a standalone SVG document (a string) that serves both the web page
(inlined in the HTML) and the PDF (given to fpdf2's ``FPDF.image()``). It is plain Python (no
Django) and uses only what both can draw:

* elements ``svg``, ``title``, ``desc``, ``g``, ``rect``, ``polygon``, ``polyline``, ``line``,
  ``circle`` and ``text``, styled by presentation attributes (``fill``, ``stroke``,
  ``stroke-width``, ``stroke-dasharray``, ``font-size``, ``text-anchor``, ``transform``); no CSS
  (no ``<style>``, no classes), no ``<marker>`` (arrowheads are small polygons), no
  ``<pattern>`` (the hatching of a room without a value is drawn as clipped lines), no
  scripts, event handlers, links or external references: the SVG is safe under a strict
  Content-Security-Policy when inlined.
* Every text of the user (the facility's and rooms' names, the title) is XML-escaped, and
  characters XML cannot hold (control characters) are dropped.
* Elements carry ``data-*`` attributes saying what they are (``data-room`` on a room's polygon,
  ``data-kind="route"`` with ``data-check`` on a failed route, ``data-kind="marker"``, …) so the
  tests and a page's own code can find them; no ``id`` attributes, so two plans (before and
  after) can be inlined on one page.

**Orientation.** The facility's plan coordinates are metres with x to the east and y to the
north (``docs/care-facility.md``: "x east / y north is the usual reading"). The drawing keeps
that reading: +x is to the right, **+y is up** (SVG's y axis points down, so y is flipped), and
the arrow marked "N" points to +y. When a plan was drawn with another orientation the arrow
still shows +y, which is then not north.

**Fonts and the PDF.** The text's ``font-family`` is ``NanumGothic, 'Noto Sans KR', sans-serif``:
a browser uses the first it has. fpdf2 (2.8.9) draws SVG ``<text>`` as real PDF text and
resolves the family when it draws the SVG (in ``FPDF.image()``): it tries each name of the list
against the fonts added to the document (case-insensitively), then maps generic names
(``sans-serif`` → Helvetica, a core font without Hangul). So **before** ``image()`` the caller
must register a Korean font under one of those names, e.g.
``pdf.add_font("NanumGothic", fname="/usr/share/fonts/truetype/nanum/NanumGothic.ttf")``;
without it ``image()`` raises ``KeyError`` on the first Hangul character (Helvetica has no width
for it). fpdf2 logs a warning that it ignores ``<title>`` and ``<desc>`` (they are for screen
readers and browsers' tooltips); that is expected. The class 4 colour is YlGnBu's ``#225ea8``
(its 6/7-class step) instead of the 5-class ``#2c7fb8`` so that white labels on it reach a WCAG
contrast of 4.5. No text is
bold or italic (fpdf2 would look for a "B" style of the font), except the check numbers in the
markers, which are digits only and set in ``sans-serif`` bold.

**Colours.** The risk value of a room (any non-negative figure, e.g. expected infections a month)
picks one of five classes of the ColorBrewer **YlGnBu** sequential scheme (light = low, dark =
high; colour-blind safe, print friendly); a room without a value is light grey with a grey
hatching, an outdoor room without a value white with a dashed outline. The classes are given by
four thresholds (``bins``); by default :func:`default_bins` takes the 1-2-5 steps below the
largest value (largest 6.7 → 0.5, 1, 2, 5). Pass the same ``bins`` to plans that are compared.
Failed checks are marked in Okabe-Ito vermillion (``#D55E00``), which stands out from the blue
scale, and never by colour alone: a route is dashed with an arrowhead, a room has a numbered
marker the legend explains. Labels are black or white, whichever has the higher contrast with
the room's fill (WCAG relative luminance).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import LineString, Point

from .checks import CheckResult
from .facility import OUTSIDE, Door, Facility, Room

#: ColorBrewer YlGnBu, 5 classes (Cynthia Brewer, colorbrewer2.org): colour-blind safe.
RISK_COLOURS: tuple[str, ...] = ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8", "#253494")
#: Fill and hatching of an indoor room without a value; fill of an outdoor room without one.
NO_VALUE_FILL = "#eeeeee"
NO_VALUE_HATCH = "#bdbdbd"
OUTDOOR_FILL = "#ffffff"
#: Failed checks (Okabe & Ito's colour-blind-safe palette, vermillion).
WARNING = "#D55E00"
WALL = "#333333"
INK = "#1a1a1a"
FONT_FAMILY = "NanumGothic, 'Noto Sans KR', sans-serif"
#: The font of the check numbers (digits only: fpdf2 may use its core Helvetica).
MARKER_FONT = "sans-serif"

_TEXTS: dict[str, dict[str, str]] = {
    "ko": {
        "north": "N",
        "no_value": "값 없음",
        "outdoor": "옥외",
        "washbasin": "세면대",
        "one_way": "일방향 문",
        "door": "문·개구부",
        "route": "문제 동선",
        "failed": "기준 미충족 점검",
        "higher": "진할수록 높음",
        "plan": "평면도",
        "rooms": "실 {n}개",
        "highest": "가장 높은 실: {name} {value}",
        "none_failed": "모든 점검 통과",
        "scale": "축척 막대 {m} m, 위쪽이 북쪽",
    },
    "en": {
        "north": "N",
        "no_value": "no value",
        "outdoor": "outdoor",
        "washbasin": "washbasin",
        "one_way": "one-way door",
        "door": "door or opening",
        "route": "offending route",
        "failed": "Failed checks",
        "higher": "darker is higher",
        "plan": "Floor plan",
        "rooms": "{n} rooms",
        "highest": "highest: {name} {value}",
        "none_failed": "all checks passed",
        "scale": "scale bar {m} m, north is up",
    },
}

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def esc(text: str) -> str:
    """``text`` safe in XML content and in a double- or single-quoted attribute."""
    return html.escape(_INVALID_XML.sub("", str(text)), quote=True)


def _n(x: float) -> str:
    """A coordinate: two decimals, no trailing zeros."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _points(points: Iterable[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


# ---------------------------------------------------------------------------------------------
# Colour scale
# ---------------------------------------------------------------------------------------------


def default_bins(values: Iterable[float], steps: int = len(RISK_COLOURS)) -> tuple[float, ...]:
    """``steps - 1`` thresholds: the 1-2-5 numbers below the largest finite positive value,
    descending (largest 6.7 → 0.5, 1, 2, 5; largest 0.03 → 0.002, 0.005, 0.01, 0.02)."""
    finite = [v for v in values if math.isfinite(v) and v > 0]
    top = max(finite) if finite else 1.0
    exponent = math.floor(math.log10(top))
    candidates: list[float] = []
    e = exponent
    while len(candidates) < steps - 1:
        for mantissa in (5.0, 2.0, 1.0):
            value = float(f"{mantissa * 10.0**e:.12g}")
            if value <= top * (1 + 1e-12) and len(candidates) < steps - 1:
                candidates.append(value)
        e -= 1
    return tuple(sorted(candidates))


def risk_class(value: float, bins: Sequence[float]) -> int:
    """The class (0 … len(bins)) of ``value``: the number of thresholds it reaches."""
    return sum(1 for threshold in bins if value >= threshold)


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def label_colour(fill: str) -> str:
    """Black-ish or white, whichever contrasts more with ``fill``."""
    return INK if contrast(INK, fill) >= contrast("#ffffff", fill) else "#ffffff"


def format_value(value: float) -> str:
    """A risk value for a label: two significant figures, at most one decimal from 1 up."""
    if value == 0:
        return "0"
    if abs(value) >= 10:
        return f"{value:.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.2g}"


def _bin_label(low: float | None, high: float | None, ko: bool) -> str:
    if low is None and high is not None:
        return f"{high:g} 미만" if ko else f"below {high:g}"
    if high is None and low is not None:
        return f"{low:g} 이상" if ko else f"{low:g} or more"
    return f"{low:g}–{high:g}"


# ---------------------------------------------------------------------------------------------
# What the failed checks name
# ---------------------------------------------------------------------------------------------


def check_rooms(result: CheckResult) -> list[str]:
    """The rooms a failed check names, in order of first mention: ``failing_rooms``, the rooms
    of ``violations`` (ids or ``{"room": …}``) and of the ``violations`` of its ``pairs``."""
    evidence = result.evidence
    found: list[str] = []

    def add(value: Any) -> None:
        if isinstance(value, str) and value != OUTSIDE and value not in found:
            found.append(value)

    for room in evidence.get("failing_rooms") or ():
        add(room)
    for item in evidence.get("violations") or ():
        add(item.get("room") if isinstance(item, Mapping) else item)
    for pair in evidence.get("pairs") or ():
        if isinstance(pair, Mapping):
            for room in pair.get("violations") or ():
                add(room)
    return found


def check_routes(result: CheckResult) -> list[list[str]]:
    """The offending routes of a failed check: every ``offending_path`` (a list of room ids,
    ``"outside"`` included) anywhere in its evidence, each once."""
    routes: list[list[str]] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if key == "offending_path" and isinstance(item, list | tuple) and len(item) >= 2:
                    route = [str(node) for node in item]
                    if route not in routes:
                        routes.append(route)
                else:
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(result.evidence)
    return routes


# ---------------------------------------------------------------------------------------------
# Geometry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Model metres → SVG px: x right, y up (flipped)."""

    scale: float  # px per metre
    min_x: float
    max_y: float
    left: float
    top: float

    def __call__(self, point: tuple[float, float]) -> tuple[float, float]:
        x, y = point
        return (self.left + (x - self.min_x) * self.scale, self.top + (self.max_y - y) * self.scale)


def _text_width(text: str, size: float) -> float:
    """Estimated width (px) of ``text``: Hangul and CJK about 1 em, other characters 0.56 em."""
    return sum((1.0 if ord(ch) >= 0x1100 else 0.56) for ch in text) * size


def _wall_direction(facility: Facility, door: Door, point: tuple[float, float]) -> tuple[float, float]:
    """Unit vector along the wall a door is on: the nearest outline segment of one of its rooms."""
    best: tuple[float, tuple[float, float]] | None = None
    for room_id in door.rooms:
        if room_id == OUTSIDE or room_id not in facility.rooms_by_id:
            continue
        poly = facility.room(room_id).polygon
        for i, a in enumerate(poly):
            b = poly[(i + 1) % len(poly)]
            length = math.dist(a, b)
            if length <= 1e-9:
                continue
            distance = LineString([a, b]).distance(Point(point))
            if best is None or distance < best[0]:
                best = (distance, ((b[0] - a[0]) / length, (b[1] - a[1]) / length))
    return best[1] if best else (1.0, 0.0)


def _arrowhead(tip: tuple[float, float], direction: tuple[float, float], size: float) -> list[tuple[float, float]]:
    """A triangle (SVG px) with its tip at ``tip`` pointing along ``direction``."""
    dx, dy = direction
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    half = size * 0.5
    return [tip, (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]


def _hatch(room: Room, spacing_m: float) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Diagonal hatching lines (model metres) clipped to a room's outline."""
    shape = room.shape
    if not shape.is_valid or shape.is_empty:
        return []
    min_x, min_y, max_x, max_y = shape.bounds
    span = (max_x - min_x) + (max_y - min_y)
    segments: list[tuple[tuple[float, float], tuple[float, float]]] = []
    c = min_x - (max_y - min_y)
    while c <= max_x:
        line = LineString([(c, min_y), (c + span, min_y + span)])
        clipped = line.intersection(shape)
        parts = getattr(clipped, "geoms", [clipped])
        for part in parts:
            if isinstance(part, LineString) and not part.is_empty and part.length > 1e-6:
                coords = list(part.coords)
                segments.append(((coords[0][0], coords[0][1]), (coords[-1][0], coords[-1][1])))
        c += spacing_m * math.sqrt(2)
    return segments


def _door_between(facility: Facility, a: str, b: str) -> Door | None:
    """A door passable from ``a`` to ``b``, the one nearest the rooms' points."""
    doors = [d for d in facility.doors if (a, b) in d.directions()]
    if not doors:
        return None

    def cost(door: Door) -> float:
        point = facility.door_point(door)
        return sum(math.dist(facility.room_point(r), point) for r in (a, b) if r != OUTSIDE)

    return min(doors, key=cost)


def _route_points(facility: Facility, route: Sequence[str]) -> list[tuple[float, float]]:
    """A route's walk in model metres: room point → door → room point …; ``"outside"`` at its
    end is a point 1.5 m beyond the door, away from the room."""
    points: list[tuple[float, float]] = []
    for i, node in enumerate(route):
        if node != OUTSIDE and node in facility.rooms_by_id:
            points.append(facility.room_point(node))
        if i + 1 < len(route):
            nxt = route[i + 1]
            door = _door_between(facility, node, nxt)
            if door is None:
                continue
            dp = facility.door_point(door)
            if OUTSIDE in (node, nxt):
                inside = nxt if node == OUTSIDE else node
                if inside in facility.rooms_by_id:
                    ip = facility.room_point(inside)
                    dx, dy = dp[0] - ip[0], dp[1] - ip[1]
                    length = math.hypot(dx, dy) or 1.0
                    beyond = (dp[0] + dx / length * 1.5, dp[1] + dy / length * 1.5)
                    if node == OUTSIDE:
                        points.extend([beyond, dp])
                    else:
                        points.extend([dp, beyond])
                    continue
            points.append(dp)
    deduped: list[tuple[float, float]] = []
    for p in points:
        if not deduped or math.dist(deduped[-1], p) > 1e-9:
            deduped.append(p)
    return deduped


def _marker_anchor(room: Room) -> tuple[float, float]:
    """The model point where a room's first marker goes: near its top-left corner."""
    min_x, _min_y, _max_x, max_y = room.shape.bounds
    return (min_x, max_y)


def _nice_scale_bar(scale: float, target_px: float = 150.0) -> float:
    """A scale-bar length in metres (1, 2, 5, 10, 20, …) of about ``target_px``."""
    best = 1.0
    for metres in (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0):
        if metres * scale <= target_px:
            best = metres
    return best


# ---------------------------------------------------------------------------------------------
# The drawing
# ---------------------------------------------------------------------------------------------


def plan_svg(
    facility: Facility,
    *,
    risk: Mapping[str, float] | None,
    failed: Sequence[CheckResult] | None,
    lang: str = "ko",
    title: str = "",
    width_px: int = 900,
    risk_label: str = "",
    bins: Sequence[float] | None = None,
    value_format: Callable[[float], str] = format_value,
    max_height_px: int | None = None,
) -> str:
    """The facility's plan as a standalone SVG document (see the module docstring).

    ``risk``: a value per room id (rooms without one, or with a non-finite one, are drawn as
    "no value"); ``risk_label`` names it in the legend ("월 예상 감염 수"), translated by the
    caller. ``failed``: check results to mark (those that passed are ignored), numbered 1, 2, …
    in the given order. ``lang``: ``"ko"`` or ``"en"`` for the drawing's own words and the
    checks' titles. ``bins``: four ascending thresholds of the five colour classes (default
    :func:`default_bins` of the values). ``width_px``: the drawing's width; the plan's height
    follows its proportions, at most ``max_height_px`` (default 1.2 × width)."""
    ko = lang != "en"
    words = _TEXTS["ko" if ko else "en"]
    values = {room_id: float(v) for room_id, v in (risk or {}).items() if v is not None and math.isfinite(float(v))}
    thresholds = tuple(sorted(bins)) if bins is not None else default_bins(values.values())
    if len(thresholds) != len(RISK_COLOURS) - 1:
        raise ValueError(f"bins must have {len(RISK_COLOURS) - 1} thresholds (got {len(thresholds)})")
    checks = [c for c in (failed or ()) if not c.passed]
    rooms = [r for r in facility.rooms if len(r.polygon) >= 3]
    if not rooms:
        raise ValueError("the facility has no room to draw")

    width = float(max(width_px, 320))
    margin = 20.0
    font = 12.0 if width >= 600 else 10.0
    out: list[str] = []

    # ---- frame ----------------------------------------------------------------------------
    xs = [x for r in rooms for x, _ in r.polygon]
    ys = [y for r in rooms for _, y in r.polygon]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    # Room for exterior routes and doors beyond the outline.
    pad_m = 2.0
    min_x, max_x, min_y, max_y = min_x - pad_m, max_x + pad_m, min_y - pad_m, max_y + pad_m
    span_x, span_y = max(max_x - min_x, 1.0), max(max_y - min_y, 1.0)
    title_h = 34.0 if title else 8.0
    plan_w = width - 2 * margin
    limit_h = float(max_height_px) if max_height_px is not None else 1.2 * width
    scale = min(plan_w / span_x, limit_h / span_y)
    plan_h = span_y * scale
    left = margin + (plan_w - span_x * scale) / 2
    frame = _Frame(scale=scale, min_x=min_x, max_y=max_y, left=left, top=title_h)

    if title:
        out.append(
            f'<text x="{_n(margin)}" y="{_n(24)}" font-size="{_n(font + 6)}" fill="{INK}" '
            f'font-family="{esc(FONT_FAMILY)}" data-kind="title">{esc(title)}</text>'
        )

    # ---- rooms ----------------------------------------------------------------------------
    fills: dict[str, str] = {}
    out.append('<g data-kind="rooms">')
    for room in rooms:
        value = values.get(room.id)
        if value is not None:
            fill = RISK_COLOURS[risk_class(value, thresholds)]
        elif room.outdoor:
            fill = OUTDOOR_FILL
        else:
            fill = NO_VALUE_FILL
        fills[room.id] = fill
        dash = ' stroke-dasharray="6 4"' if room.outdoor else ""
        tooltip = room.name + (f": {value_format(value)}" if value is not None else "")
        out.append(
            f'<polygon points="{_points(frame(p) for p in room.polygon)}" fill="{fill}" stroke="{WALL}" '
            f'stroke-width="1.5" stroke-linejoin="miter"{dash} data-room="{esc(room.id)}"'
            + (f' data-value="{value!r}"' if value is not None else "")
            + f"><title>{esc(tooltip)}</title></polygon>"
        )
        if value is None and not room.outdoor:
            for a, b in _hatch(room, 0.6):
                (x1, y1), (x2, y2) = frame(a), frame(b)
                out.append(
                    f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{NO_VALUE_HATCH}" '
                    'stroke-width="0.6" data-kind="hatch"/>'
                )
    out.append("</g>")

    # ---- doors ----------------------------------------------------------------------------
    out.append('<g data-kind="doors">')
    for door in facility.doors:
        if any(r != OUTSIDE and r not in facility.rooms_by_id for r in door.rooms):
            continue
        point = facility.door_point(door)
        ux, uy = _wall_direction(facility, door, point)
        half = door.width_m / 2
        a = frame((point[0] - ux * half, point[1] - uy * half))
        b = frame((point[0] + ux * half, point[1] + uy * half))
        out.append(
            f'<line x1="{_n(a[0])}" y1="{_n(a[1])}" x2="{_n(b[0])}" y2="{_n(b[1])}" stroke="#ffffff" '
            f'stroke-width="4" data-kind="door" data-door="{esc(door.id)}"/>'
        )
        # Jambs: short ticks across the wall at both ends of the gap.
        nx_, ny_ = -uy, ux
        tick = 0.18
        for end in ((point[0] - ux * half, point[1] - uy * half), (point[0] + ux * half, point[1] + uy * half)):
            p1 = frame((end[0] - nx_ * tick, end[1] - ny_ * tick))
            p2 = frame((end[0] + nx_ * tick, end[1] + ny_ * tick))
            out.append(
                f'<line x1="{_n(p1[0])}" y1="{_n(p1[1])}" x2="{_n(p2[0])}" y2="{_n(p2[1])}" stroke="{WALL}" '
                'stroke-width="1.5"/>'
            )
        if door.one_way:
            # Arrow across the wall from rooms[0]'s side to rooms[1]'s side.
            src, dst = door.rooms
            ref = dst if src == OUTSIDE else src
            rp = facility.room_point(ref)
            side = (rp[0] - point[0]) * nx_ + (rp[1] - point[1]) * ny_
            sign = 1.0 if side > 0 else -1.0
            if src == OUTSIDE:  # from outside inwards: toward the room
                sign = -sign
            start = (point[0] + nx_ * 0.6 * sign, point[1] + ny_ * 0.6 * sign)
            end = (point[0] - nx_ * 0.6 * sign, point[1] - ny_ * 0.6 * sign)
            s, e = frame(start), frame(end)
            size = max(6.0, min(10.0, 0.35 * scale))
            head = _arrowhead(e, (e[0] - s[0], e[1] - s[1]), size)
            out.append(
                f'<line x1="{_n(s[0])}" y1="{_n(s[1])}" x2="{_n(e[0])}" y2="{_n(e[1])}" stroke="{INK}" stroke-width="1.5" data-kind="one-way"/>'
            )
            out.append(f'<polygon points="{_points(head)}" fill="{INK}" data-kind="one-way"/>')
    out.append("</g>")

    # ---- labels (laid out first: the routes' arrowheads stop at them) ------------------------
    label_parts: list[str] = []
    label_box: dict[str, tuple[bool, float, float]] = {}
    for room in rooms:
        parts, rotated, across, along = _room_label(
            facility, room, frame, font, fills[room.id], values.get(room.id), value_format, words
        )
        label_parts.extend(parts)
        label_box[room.id] = (rotated, across, along)
    late: list[str] = []

    # ---- failed checks: routes, outlines, markers -------------------------------------------
    marker_r = 8.0
    per_room: dict[str, list[int]] = {}
    out.append('<g data-kind="failed">')
    for number, result in enumerate(checks, start=1):
        for route in check_routes(result):
            pts = [frame(p) for p in _route_points(facility, route)]
            if len(pts) < 2:
                continue
            out.append(
                f'<polyline points="{_points(pts)}" fill="none" stroke="{WARNING}" stroke-width="2" '
                f'stroke-dasharray="7 4" stroke-linejoin="round" data-kind="route" data-check="{esc(result.id)}" '
                f'data-route="{esc(" ".join(route))}"/>'
            )
            late.append(_route_head(pts, label_box.get(route[-1])))
        for room_id in check_rooms(result):
            if room_id not in facility.rooms_by_id:
                continue
            per_room.setdefault(room_id, []).append(number)
    for room_id, numbers in per_room.items():
        room = facility.room(room_id)
        out.append(
            f'<polygon points="{_points(frame(p) for p in room.polygon)}" fill="none" stroke="{WARNING}" '
            f'stroke-width="3" stroke-linejoin="miter" data-kind="warning-outline" data-room="{esc(room_id)}"/>'
        )
        ax, ay = frame(_marker_anchor(room))
        for k, number in enumerate(numbers):
            mx, my = ax + marker_r + 3 + k * (2 * marker_r + 2), ay + marker_r + 3
            late.append(_marker(mx, my, number, marker_r, room_id))
    out.append("</g>")

    # ---- labels and washbasins --------------------------------------------------------------
    basins: dict[str, list[tuple[tuple[float, float] | None, int]]] = {}
    for basin in facility.washbasins:
        if basin.count > 0 and basin.room in facility.rooms_by_id:
            basins.setdefault(basin.room, []).append((basin.position, basin.count))
    out.append(f'<g data-kind="labels" font-family="{esc(FONT_FAMILY)}">')
    out.extend(label_parts)
    out.append("</g>")
    out.append('<g data-kind="washbasins">')
    for room_id, items in basins.items():
        room = facility.room(room_id)
        cx, cy = facility.room_point(room_id)
        for k, (position, count) in enumerate(items):
            if position is None:
                # Beside the label (below it, or right of a turned one), inside the room.
                bx, by = frame((cx, cy))
                rotated, across, _along = label_box.get(room_id, (False, font * 2.4, 0.0))
                if rotated:
                    bx += across / 2 + 9 + k * 14
                else:
                    by += across / 2 + 9 + k * 14
            else:
                bx, by = frame(position)
            out.append(_basin_symbol(bx, by, count, room.id))
    out.append("</g>")

    out.append('<g data-kind="failed-marks">')
    out.extend(late)
    out.append("</g>")

    # ---- scale bar and north arrow ------------------------------------------------------------
    y = title_h + plan_h + 14
    metres = _nice_scale_bar(scale)
    bar = metres * scale
    x0 = margin
    out.append(f'<g data-kind="scalebar" data-metres="{_n(metres)}" data-px="{_n(bar)}">')
    half_bar = bar / 2
    out.append(f'<rect x="{_n(x0)}" y="{_n(y)}" width="{_n(half_bar)}" height="6" fill="{INK}" stroke="{INK}"/>')
    out.append(
        f'<rect x="{_n(x0 + half_bar)}" y="{_n(y)}" width="{_n(half_bar)}" height="6" fill="#ffffff" stroke="{INK}"/>'
    )
    for tx, label in ((x0, "0"), (x0 + bar, f"{metres:g} m")):
        out.append(
            f'<text x="{_n(tx)}" y="{_n(y + 20)}" font-size="{_n(font - 1)}" text-anchor="middle" fill="{INK}" '
            f'font-family="{esc(FONT_FAMILY)}">{esc(label)}</text>'
        )
    out.append("</g>")
    nx0, ny0 = width - margin - 12, y - 2
    out.append('<g data-kind="north">')
    out.append(
        f'<polygon points="{_points([(nx0, ny0), (nx0 - 7, ny0 + 20), (nx0, ny0 + 15), (nx0 + 7, ny0 + 20)])}" '
        f'fill="{INK}"/>'
    )
    out.append(
        f'<text x="{_n(nx0)}" y="{_n(ny0 + 34)}" font-size="{_n(font)}" text-anchor="middle" fill="{INK}" '
        f'font-family="{esc(FONT_FAMILY)}">{esc(words["north"])}</text>'
    )
    out.append("</g>")

    # ---- legend ----------------------------------------------------------------------------------
    y += 50
    legend, y = _legend(
        checks, thresholds, risk_label, words, ko, margin, y, width, font, marker_r, has_values=bool(values)
    )
    out.extend(legend)
    height = y + margin

    # ---- document ------------------------------------------------------------------------------
    summary = _summary(facility, rooms, values, checks, words, ko, value_format, metres)
    doc_title = title or f"{facility.name} — {words['plan']}"
    doc_head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" role="img" lang="{"ko" if ko else "en"}" '
        f'font-family="{esc(FONT_FAMILY)}">'
        f"<title>{esc(doc_title)}</title><desc>{esc(summary)}</desc>"
        f'<rect x="0" y="0" width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>'
    )
    return doc_head + "\n" + "\n".join(out) + "\n</svg>\n"


def _room_label(
    facility: Facility,
    room: Room,
    frame: _Frame,
    font: float,
    fill: str,
    value: float | None,
    value_format: Callable[[float], str],
    words: Mapping[str, str],
) -> tuple[list[str], bool, float, float]:
    """The room's name and value at its point, on a backing of the room's fill (so routes and
    hatching under it do not hide it), smaller or turned when the room is narrow. Returns the
    elements, whether the label is turned, and its extent across and along its lines (px)."""
    colour = label_colour(fill)
    min_x, min_y, max_x, max_y = room.shape.bounds
    w_px = (max_x - min_x) * frame.scale
    h_px = (max_y - min_y) * frame.scale
    name = room.name or room.id
    if room.outdoor and value is None:
        name = f"{name} ({words['outdoor']})"
    second = value_format(value) if value is not None else ""
    cx, cy = frame(facility.room_point(room.id))
    need = max(_text_width(name, font), _text_width(second, font + 1))
    rotate = need > w_px - 6 and h_px > w_px * 1.3
    room_len = (h_px if rotate else w_px) - 6
    size = font
    if need > room_len > 0:
        size = max(7.0, font * room_len / need)
    value_size = size + 1
    lines: list[tuple[str, float, str]] = [(name, size, "name")]
    if second:
        lines.append((second, value_size, "value"))
    gap = 1.25
    total = sum(s for _, s, _ in lines) * gap
    along = max(_text_width(text, s) for text, s, _ in lines)
    transform = f' transform="rotate(-90 {_n(cx)} {_n(cy)})"' if rotate else ""
    out: list[str] = [
        f'<rect x="{_n(cx - along / 2 - 3)}" y="{_n(cy - total / 2 - 1)}" width="{_n(along + 6)}" '
        f'height="{_n(total + 2)}" rx="3" fill="{fill}" fill-opacity="0.85"{transform} data-kind="label-back"/>'
    ]
    baseline = cy - total / 2 + lines[0][1]
    for text, s, kind in lines:
        out.append(
            f'<text x="{_n(cx)}" y="{_n(baseline)}" font-size="{_n(s)}" text-anchor="middle" fill="{colour}"'
            f'{transform} data-kind="label-{kind}" data-room="{esc(room.id)}">{esc(text)}</text>'
        )
        baseline += s * gap
    return out, rotate, total, along


def _basin_symbol(x: float, y: float, count: int, room_id: str) -> str:
    """A washbasin: a white rounded square with a bowl; ``×n`` beside it for several."""
    parts = [
        f'<g data-kind="washbasin" data-room="{esc(room_id)}">',
        f'<rect x="{_n(x - 5)}" y="{_n(y - 5)}" width="10" height="10" rx="2" fill="#ffffff" stroke="{INK}" '
        'stroke-width="1"/>',
        f'<circle cx="{_n(x)}" cy="{_n(y + 0.5)}" r="3" fill="none" stroke="{INK}" stroke-width="1"/>',
    ]
    if count > 1:
        parts.append(
            f'<text x="{_n(x + 7)}" y="{_n(y + 4)}" font-size="9" fill="{INK}" font-family="{esc(FONT_FAMILY)}">'
            f"×{count}</text>"
        )
    parts.append("</g>")
    return "".join(parts)


def _route_head(pts: Sequence[tuple[float, float]], box: tuple[bool, float, float] | None) -> str:
    """The arrowhead of a route (SVG px), its tip where the last segment meets the label box of
    the room it ends in (the box: turned, extent across and along the lines, centred on the
    route's last point)."""
    tip, before = pts[-1], pts[-2]
    dx, dy = tip[0] - before[0], tip[1] - before[1]
    length = math.hypot(dx, dy) or 1.0
    if box is not None:
        rotated, across, along = box
        half_w, half_h = (across / 2 + 1, along / 2 + 3) if rotated else (along / 2 + 3, across / 2 + 1)
        back = min(half_w / abs(dx / length) if dx else math.inf, half_h / abs(dy / length) if dy else math.inf)
        back = min(back + 2, length * 0.8)
        tip = (tip[0] - dx / length * back, tip[1] - dy / length * back)
    head = _arrowhead(tip, (dx, dy), 10.0)
    return f'<polygon points="{_points(head)}" fill="{WARNING}" data-kind="route-head"/>'


def _marker(x: float, y: float, number: int, r: float, room_id: str = "") -> str:
    room = f' data-room="{esc(room_id)}"' if room_id else ""
    return (
        f'<g data-kind="marker" data-number="{number}"{room}>'
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(r)}" fill="{WARNING}" stroke="#ffffff" stroke-width="1.5"/>'
        f'<text x="{_n(x)}" y="{_n(y + r * 0.45)}" font-size="{_n(r * 1.3)}" font-weight="bold" '
        f'text-anchor="middle" fill="#ffffff" font-family="{MARKER_FONT}">{number}</text></g>'
    )


def _legend(
    checks: Sequence[CheckResult],
    thresholds: Sequence[float],
    risk_label: str,
    words: Mapping[str, str],
    ko: bool,
    margin: float,
    y: float,
    width: float,
    font: float,
    marker_r: float,
    *,
    has_values: bool,
) -> tuple[list[str], float]:
    out: list[str] = [f'<g data-kind="legend" font-family="{esc(FONT_FAMILY)}">']
    x = margin
    # Risk colours.
    if risk_label or has_values:
        label = risk_label or ""
        if label:
            out.append(
                f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(font)}" fill="{INK}" data-kind="risk-label">'
                f"{esc(label)} ({esc(words['higher'])})</text>"
            )
            y += 8
        bounds: list[tuple[float | None, float | None]] = []
        edges: list[float | None] = [None, *thresholds, None]
        for i in range(len(RISK_COLOURS)):
            bounds.append((edges[i], edges[i + 1]))
        sw = min(86.0, (width - 2 * margin) / (len(RISK_COLOURS) + 1.4))
        for i, colour in enumerate(RISK_COLOURS):
            bx = x + i * sw
            out.append(
                f'<rect x="{_n(bx)}" y="{_n(y)}" width="{_n(sw)}" height="16" fill="{colour}" stroke="{WALL}" '
                f'stroke-width="0.5" data-kind="risk-swatch" data-class="{i}"/>'
            )
            out.append(
                f'<text x="{_n(bx + sw / 2)}" y="{_n(y + 30)}" font-size="{_n(font - 1)}" text-anchor="middle" '
                f'fill="{INK}">{esc(_bin_label(*bounds[i], ko))}</text>'
            )
        bx = x + len(RISK_COLOURS) * sw + 0.4 * sw
        out.append(
            f'<rect x="{_n(bx)}" y="{_n(y)}" width="{_n(sw)}" height="16" fill="{NO_VALUE_FILL}" stroke="{WALL}" '
            'stroke-width="0.5"/>'
        )
        for k in range(4):
            hx = bx + 4 + k * sw / 4
            out.append(
                f'<line x1="{_n(hx)}" y1="{_n(y + 16)}" x2="{_n(min(hx + 16, bx + sw))}" '
                f'y2="{_n(y + 16 - (min(hx + 16, bx + sw) - hx))}" stroke="{NO_VALUE_HATCH}" stroke-width="0.6"/>'
            )
        out.append(
            f'<text x="{_n(bx + sw / 2)}" y="{_n(y + 30)}" font-size="{_n(font - 1)}" text-anchor="middle" '
            f'fill="{INK}">{esc(words["no_value"])}</text>'
        )
        y += 52
    # Symbols.
    sx = x
    out.append(_basin_symbol(sx + 5, y - 4, 1, ""))
    out.append(
        f'<text x="{_n(sx + 16)}" y="{_n(y)}" font-size="{_n(font - 1)}" fill="{INK}">{esc(words["washbasin"])}</text>'
    )
    sx += 26 + _text_width(words["washbasin"], font - 1) + 16
    out.append(
        f'<line x1="{_n(sx)}" y1="{_n(y - 4)}" x2="{_n(sx + 14)}" y2="{_n(y - 4)}" stroke="{INK}" stroke-width="1.5"/>'
    )
    out.append(f'<polygon points="{_points(_arrowhead((sx + 20, y - 4), (1, 0), 7))}" fill="{INK}"/>')
    out.append(
        f'<text x="{_n(sx + 26)}" y="{_n(y)}" font-size="{_n(font - 1)}" fill="{INK}">{esc(words["one_way"])}</text>'
    )
    sx += 36 + _text_width(words["one_way"], font - 1) + 16
    if checks:
        out.append(
            f'<line x1="{_n(sx)}" y1="{_n(y - 4)}" x2="{_n(sx + 26)}" y2="{_n(y - 4)}" stroke="{WARNING}" '
            'stroke-width="2" stroke-dasharray="7 4"/>'
        )
        out.append(f'<polygon points="{_points(_arrowhead((sx + 34, y - 4), (1, 0), 9))}" fill="{WARNING}"/>')
        out.append(
            f'<text x="{_n(sx + 40)}" y="{_n(y)}" font-size="{_n(font - 1)}" fill="{INK}">{esc(words["route"])}</text>'
        )
    y += 26
    # Failed checks.
    if checks:
        out.append(
            f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(font)}" fill="{INK}" data-kind="failed-heading">'
            f"{esc(words['failed'])}</text>"
        )
        y += 8 + marker_r
        for number, result in enumerate(checks, start=1):
            name = result.title_ko if ko and result.title_ko else result.title
            out.append(_marker(x + marker_r, y, number, marker_r))
            out.append(
                f'<text x="{_n(x + 2 * marker_r + 8)}" y="{_n(y + font * 0.4)}" font-size="{_n(font)}" fill="{INK}" '
                f'data-kind="legend-check" data-check="{esc(result.id)}" data-number="{number}">{esc(name)}</text>'
            )
            y += 2 * marker_r + 6
    out.append("</g>")
    return out, y


def _summary(
    facility: Facility,
    rooms: Sequence[Room],
    values: Mapping[str, float],
    checks: Sequence[CheckResult],
    words: Mapping[str, str],
    ko: bool,
    value_format: Callable[[float], str],
    scale_m: float,
) -> str:
    """The ``<desc>``: what the drawing shows, in words."""
    parts = [f"{facility.name}: {words['plan']}, {words['rooms'].format(n=len(rooms))}"]
    named = [(v, r) for r in rooms if (v := values.get(r.id)) is not None]
    if named:
        top_value, top_room = max(named, key=lambda item: item[0])
        parts.append(words["highest"].format(name=top_room.name or top_room.id, value=value_format(top_value)))
    if checks:
        titles = ", ".join(
            f"{i}. {(c.title_ko if ko and c.title_ko else c.title)}" for i, c in enumerate(checks, start=1)
        )
        parts.append(f"{words['failed']} {len(checks)}: {titles}")
    else:
        parts.append(words["none_failed"])
    parts.append(words["scale"].format(m=f"{scale_m:g}"))
    return ". ".join(parts) + "."


__all__ = [
    "FONT_FAMILY",
    "RISK_COLOURS",
    "WARNING",
    "check_rooms",
    "check_routes",
    "contrast",
    "default_bins",
    "format_value",
    "label_colour",
    "plan_svg",
    "risk_class",
]
