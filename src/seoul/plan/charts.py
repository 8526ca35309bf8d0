"""Vega-Lite specifications for the plan dashboard (rendered in the browser by vendored vega-embed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from seoul.plan.engine.dashboard import Dashboard
from seoul.plan.models import Vision

EOK = 100_000_000


def _vision_label(v: Vision) -> str:
    name = v.name_en if (get_language() or "ko").startswith("en") else v.name_ko
    return f"{v.symbol} {name}"


def dashboard_charts(
    board: Dashboard, visions: list[Vision], series: list[tuple[date, int, int]]
) -> dict[str, dict[str, Any]]:
    labels = {v.code: _vision_label(v) for v in visions}
    announced, registered, executed = _("Announced"), _("Registered"), _("Executed")
    budget_rows: list[dict[str, Any]] = []
    count_rows: list[dict[str, Any]] = []
    for v, s in zip(visions, board.visions, strict=True):
        budget_rows += [
            {"vision": labels[v.code], "kind": announced, "eok": (s.budget_announced_krw or 0) / EOK},
            {"vision": labels[v.code], "kind": registered, "eok": s.budget_registered_krw / EOK},
            {"vision": labels[v.code], "kind": executed, "eok": s.budget_executed_krw / EOK},
        ]
        count_rows += [
            {"vision": labels[v.code], "kind": announced, "n": s.projects_announced or 0},
            {"vision": labels[v.code], "kind": registered, "n": s.projects_registered},
        ]
    eok_title = _("Budget (100 million won)")
    grouped: dict[str, Any] = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": 220,
        "mark": {"type": "bar", "tooltip": True},
        "encoding": {
            "y": {"field": "vision", "type": "nominal", "title": None, "axis": {"labelLimit": 220}},
            "yOffset": {"field": "kind", "type": "nominal", "sort": [announced, registered, executed]},
            "color": {
                "field": "kind",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom"},
                "scale": {"domain": [announced, registered, executed]},
            },
        },
    }
    budget = {
        **grouped,
        "description": _("Budget per vision: announced, registered and executed"),
        "data": {"values": budget_rows},
        "encoding": {**grouped["encoding"], "x": {"field": "eok", "type": "quantitative", "title": eok_title}},
    }
    counts = {
        **grouped,
        "description": _("Projects per vision: announced and registered"),
        "data": {"values": count_rows},
        "encoding": {**grouped["encoding"], "x": {"field": "n", "type": "quantitative", "title": _("Projects")}},
    }
    progress = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": _("Budget executed over time, per vision (cumulative)"),
        "width": "container",
        "height": 220,
        "data": {
            "values": [
                {"month": day.isoformat(), "vision": labels.get(code, str(code)), "eok": krw / EOK}
                for day, code, krw in series
            ]
        },
        "mark": {"type": "line", "point": True, "tooltip": True},
        "encoding": {
            # numeric dates read the same in Korean and English; the legend wraps on a phone
            "x": {
                "field": "month",
                "type": "temporal",
                "title": None,
                "timeUnit": "yearmonth",
                "axis": {"format": "%Y-%m", "labelOverlap": True},
            },
            "y": {"field": "eok", "type": "quantitative", "title": _("Executed (100 million won)"), "stack": None},
            "color": {
                "field": "vision",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 0},
            },
        },
    }
    return {"budget": budget, "counts": counts, "progress": progress}
