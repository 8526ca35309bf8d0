"""Vega-Lite specifications of the plan's charts (drawn in the browser by vendored vega-embed,
``core/static/seoul/charts.js``), in the page's language.

What a reader of a phone (390 px) and of a desktop needs from them:

- vision names in full, wrapped onto short lines (``labelExpr`` splits them), each vision's
  band tall enough for its lines, so that no label overlaps another or is cut to "…";
- legends only for what is drawn, in the order of the bars or of the visions: the projects
  chart has no "Executed", the execution chart leaves out visions with nothing executed yet
  (their lines would lie on top of each other at zero) and says so under the chart;
- each vision keeps its colour in every chart that colours by vision;
- amounts in the page's language in the tooltips, and axis labels spaced so they never touch.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seoul.core.engine.money import format_krw
from seoul.plan import words
from seoul.plan.engine.dashboard import Dashboard
from seoul.plan.models import Vision

EOK = 100_000_000
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
# KRDS colours, as charts.js's palette: one per kind of figure, one per vision (by its number).
KIND_COLOURS = ["#256ef4", "#063a74", "#d63d4a"]
VISION_COLOURS = {1: "#256ef4", 2: "#063a74", 3: "#d63d4a", 4: "#228738", 5: "#c78500"}
LINE_UNITS = 20  # a label line: 20 Latin letters or 10 Hangul syllables (about 130 px at 12 px)
LINE_PX, KIND_PX = 15, 18
SPLIT = "split(datum.label, '\\n')"
CENTRE = f"-(length({SPLIT}) - 1) * {LINE_PX / 2}"


def _units(text: str) -> int:
    return sum(2 if ord(ch) >= 0x1100 else 1 for ch in text)


def wrap(text: str, width: int = LINE_UNITS) -> list[str]:
    """``text`` in lines of at most ``width`` units (a Hangul syllable counts two), broken
    between words; a word longer than a line keeps a line of its own."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and _units(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines or [""]


def _krw(amount: int) -> str:
    return format_krw(amount, lang=(get_language() or "ko")[:2])


def _bars(
    rows: list[dict[str, Any]], kinds: list[str], labels: list[list[str]], x: dict[str, Any], description: str
) -> dict[str, Any]:
    """Horizontal bars per vision, one per kind of figure; each vision's band holds its label."""
    # each bar at least KIND_PX high, each vision's bars together at least as high as its label
    lines = max(len(label) for label in labels)
    step = max(KIND_PX, -(-(lines * LINE_PX + 8) // len(kinds)))
    return {
        "$schema": SCHEMA,
        "description": description,
        "width": "container",
        "height": {"step": step, "for": "offset"},
        "data": {"values": rows},
        "mark": {"type": "bar"},
        "encoding": {
            "y": {
                "field": "vision",
                "type": "nominal",
                "title": None,
                "sort": ["\n".join(lines) for lines in labels],
                "axis": {
                    "labelExpr": SPLIT,
                    "labelLimit": 200,
                    "labelPadding": 6,
                    "labelLineHeight": LINE_PX,
                    # a wrapped label starts at the band's middle: lift it by half its extra lines
                    "labelOffset": {"expr": CENTRE},
                },
            },
            "yOffset": {"field": "kind", "type": "nominal", "sort": kinds},
            "x": {**x, "axis": {"labelOverlap": True, "labelSeparation": 8, "labelFlush": True, **x.get("axis", {})}},
            "color": {
                "field": "kind",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "direction": "horizontal"},
                "scale": {"domain": kinds, "range": KIND_COLOURS[: len(kinds)]},
            },
            "tooltip": [
                {"field": "name", "type": "nominal", "title": _("Vision")},
                {"field": "kind", "type": "nominal", "title": _("Figure")},
                {"field": "text", "type": "nominal", "title": _("Value")},
            ],
        },
    }


def dashboard_charts(
    board: Dashboard, visions: list[Vision], series: list[tuple[date, int, int]]
) -> dict[str, dict[str, Any]]:
    names = {v.code: words.vision_label(v) for v in visions}
    lines = {v.code: wrap(names[v.code]) for v in visions}
    announced, registered, executed = _("Announced"), _("Registered"), _("Executed")
    budget_rows: list[dict[str, Any]] = []
    count_rows: list[dict[str, Any]] = []
    for v, s in zip(visions, board.visions, strict=True):
        common = {"vision": "\n".join(lines[v.code]), "name": names[v.code]}
        for kind, krw in (
            (announced, s.budget_announced_krw or 0),
            (registered, s.budget_registered_krw),
            (executed, s.budget_executed_krw),
        ):
            budget_rows.append({**common, "kind": kind, "eok": krw / EOK, "text": _krw(krw)})
        for kind, n in ((announced, s.projects_announced or 0), (registered, s.projects_registered)):
            count_rows.append({**common, "kind": kind, "n": n, "text": f"{n:,}"})
    labels = [lines[v.code] for v in visions]
    budget = _bars(
        budget_rows,
        [announced, registered, executed],
        labels,
        {"field": "eok", "type": "quantitative", "title": _("Budget (100 million won)")},
        _("Budget per vision: announced, registered and executed"),
    )
    counts = _bars(
        count_rows,
        [announced, registered],
        labels,
        {"field": "n", "type": "quantitative", "title": _("Projects"), "axis": {"tickMinStep": 1}},
        _("Projects per vision: announced and registered"),
    )
    return {"budget": budget, "counts": counts, "progress": execution_chart(visions, series)}


def drawn_visions(series: list[tuple[date, int, int]]) -> list[int]:
    """The visions the execution chart draws: those with some budget executed in the series."""
    return sorted({code for _day, code, krw in series if krw > 0})


def execution_chart(visions: list[Vision], series: list[tuple[date, int, int]]) -> dict[str, Any]:
    names = {v.code: words.vision_label(v) for v in visions}
    drawn = drawn_visions(series)
    domain = ["\n".join(wrap(names.get(code, str(code)), 36)) for code in drawn]
    label = {code: domain[i] for i, code in enumerate(drawn)}
    return {
        "$schema": SCHEMA,
        "description": _("Budget executed over time, per vision (cumulative)"),
        "width": "container",
        "height": 220,
        "data": {
            "values": [
                {
                    "month": day.isoformat(),
                    "vision": label[code],
                    "name": names.get(code, str(code)),
                    "eok": krw / EOK,
                    "text": _krw(krw),
                }
                for day, code, krw in series
                if code in label
            ]
        },
        "mark": {"type": "line", "point": True},
        "encoding": {
            # numeric dates read the same in Korean and English
            "x": {
                "field": "month",
                "type": "temporal",
                "title": None,
                "timeUnit": "yearmonth",
                "axis": {"format": "%Y-%m", "labelOverlap": True, "labelSeparation": 8, "labelFlush": True},
            },
            "y": {
                "field": "eok",
                "type": "quantitative",
                "title": _("Executed (100 million won)"),
                "stack": None,
                "axis": {"labelOverlap": True},
            },
            "color": {
                "field": "vision",
                "type": "nominal",
                "title": None,
                "scale": {"domain": domain, "range": [VISION_COLOURS.get(code, "#58616a") for code in drawn]},
                "legend": {"orient": "bottom", "direction": "vertical", "columns": 1, "labelExpr": SPLIT},
            },
            "tooltip": [
                {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "format": "%Y-%m", "title": _("Month")},
                {"field": "name", "type": "nominal", "title": _("Vision")},
                {"field": "text", "type": "nominal", "title": _("Executed")},
            ],
        },
    }
