"""The plan's charts: drawn only from trusted dates, legends only for what is drawn, in order,
labels that fit a phone, and every word in the page's language."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from seoul.core.models import User
from seoul.plan import charts, selectors
from seoul.plan.tests import builders

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def chart(page: str, name: str) -> dict[str, Any]:
    found = re.search(rf'<script id="chart-{name}" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no chart-{name} on the page"
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_a_report_dated_in_year_one_widens_neither_the_chart_nor_the_page(operator: User) -> None:
    """One progress report dated 0001-01-01 made the public page 370 times larger: the chart
    drew every month from year 1. Such a report already in the database is left out of the
    chart (and logged); the page stays the size it was."""
    project = builders.metro_project()
    builders.report(project, operator, executed=50_000_000, day=date(2021, 3, 31))
    before = Client().get("/plan/").content.decode()
    builders.legacy_report(project, date(1, 1, 1), executed=10**12)
    builders.legacy_report(builders.project("V1-CONTACT-TRACERS"), date(9999, 12, 31), executed=10**12)
    builders.report(project, operator, executed=60_000_000, day=date(2021, 4, 30))  # a write: figures change
    after = Client().get("/plan/").content.decode()
    assert len(after) < len(before) * 1.1, (len(before), len(after))
    months = sorted({row["month"] for row in chart(after, "progress")["data"]["values"]})
    assert months == ["2021-03-31", "2021-04-30"]
    assert max(row["eok"] for row in chart(after, "progress")["data"]["values"]) == 0.6
    assert [(day, krw) for day, _code, krw in selectors.progress_series(date(2021, 5, 1))] == [
        (date(2021, 3, 31), 50_000_000),
        (date(2021, 4, 30), 60_000_000),
    ]


def test_legends_name_only_what_is_drawn_in_order(plan_admin: User) -> None:
    builders.report(builders.project("V4-STARTUP-FUND"), plan_admin, executed=3_000_000_000, day=date(2021, 1, 31))
    builders.report(builders.project("V3-TAGLESS"), plan_admin, executed=0, day=date(2021, 1, 31))
    builders.report(builders.project("V3-ONTACT-SMILE"), plan_admin, executed=100_000_000, day=date(2021, 2, 28))
    page = Client().get("/plan/").content.decode()
    budget, counts, progress = (chart(page, n) for n in ("budget", "counts", "progress"))
    assert budget["encoding"]["color"]["scale"]["domain"] == ["발표", "등록", "집행"]
    assert counts["encoding"]["color"]["scale"]["domain"] == ["발표", "등록"]  # no "executed" projects
    assert {row["kind"] for row in counts["data"]["values"]} == {"발표", "등록"}
    # vision ③ and ④ have budget executed; ①, ② and ⑤ have none and are not drawn (said under the chart)
    domain = progress["encoding"]["color"]["scale"]["domain"]
    assert [d[0] for d in domain] == ["③", "④"]
    assert {row["vision"] for row in progress["data"]["values"]} == set(domain)
    assert progress["encoding"]["color"]["scale"]["range"] == [charts.VISION_COLOURS[3], charts.VISION_COLOURS[4]]
    assert "①, ②, ⑤은(는) 아직 보고된 집행 실적이 없어 그래프에 표시하지 않았습니다." in page


def test_no_progress_no_empty_chart(reference: None) -> None:
    page = Client().get("/plan/").content.decode()
    assert 'id="chart-progress"' not in page and 'data-chart="chart-progress"' not in page
    assert "아직 보고된 예산 집행 실적이 없습니다." in page


def test_vision_labels_are_wrapped_to_fit_a_phone_and_each_band_holds_its_lines(reference: None) -> None:
    for lang in ("ko", "en"):
        with translation.override(lang):
            board = selectors.dashboard(date(2021, 1, 1))
            spec = charts.dashboard_charts(board, list(selectors.visions()), [])["budget"]
        labels = spec["encoding"]["y"]["sort"]
        assert len(labels) == 5
        for label in labels:
            for line in label.split("\n"):
                assert charts._units(line) <= charts.LINE_UNITS or " " not in line, (lang, line)
        most_lines = max(len(label.split("\n")) for label in labels)
        kinds = len(spec["encoding"]["yOffset"]["sort"])
        assert spec["height"]["for"] == "offset" and spec["height"]["step"] * kinds >= most_lines * charts.LINE_PX
        assert spec["encoding"]["y"]["axis"]["labelExpr"] == charts.SPLIT
        assert spec["encoding"]["x"]["axis"]["labelOverlap"] is True


def test_wrap() -> None:
    assert charts.wrap("① A 365-day permanent quarantine system") == ["① A 365-day", "permanent quarantine", "system"]
    assert charts.wrap("④ 경제적 소외계층 대상 경제방역") == ["④ 경제적 소외계층", "대상 경제방역"]
    assert charts.wrap("supercalifragilisticexpialidocious x") == ["supercalifragilisticexpialidocious", "x"]


def test_english_charts_hold_no_korean(plan_admin: User) -> None:
    builders.report(builders.project("V4-STARTUP-FUND"), plan_admin, executed=3_000_000_000, day=date(2021, 1, 31))
    page = builders.english().get("/plan/").content.decode()
    for name in ("budget", "counts", "progress"):
        text = json.dumps(chart(page, name), ensure_ascii=False)
        assert not HANGUL.search(text), (name, HANGUL.findall(text)[:10])
    assert "KRW 3.0 billion" in json.dumps(chart(page, "progress"))
