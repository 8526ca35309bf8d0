"""A facility's report as a PDF in Korean or English: the plan drawn to scale (rooms coloured by
their expected infections, failed checks marked), the design checks with their sources, each
room's risk, the ranked changes and the assumptions behind the figures (fpdf2 with the
NanumGothic font of the ``fonts-nanum`` package, which ``make`` installs)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from seoul.care.engine import checks as engine_checks
from seoul.care.engine import drawing
from seoul.care.engine import facility as engine_facility
from seoul.core.engine.money import format_krw

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
FONT = FONT_DIR / "NanumGothic.ttf"
BOLD = FONT_DIR / "NanumGothicBold.ttf"

WORDS = {
    "ko": {
        "title": "감염예방 설계 점검 보고서",
        "facility": "시설",
        "version": "모델 판",
        "month": "기준 월",
        "made": "작성",
        "plan": "평면도 (실 색: 월 예상 감염 수)",
        "risk_label": "월 예상 감염 수",
        "checks": "설계 기준 점검",
        "check": "점검 항목",
        "result": "결과",
        "found": "점검 결과",
        "passed": "합격",
        "failed": "불합격",
        "sources": "기준의 근거",
        "rooms": "실별 공기 감염 위험",
        "room": "실",
        "p": "감염 확률(%)",
        "cases": "월 예상 감염 수",
        "airing": "이번 달 창문 환기",
        "total": "시설 전체 월 예상 감염 수: {cases}명 (설계안 비교용 추정치이며 예측이 아님)",
        "changes": "먼저 바꿀 점",
        "rank": "순위",
        "change": "개선안",
        "fixes": "합격시키는 기준",
        "averted": "월 감염 감소",
        "cost": "비용",
        "rule": "순위 기준",
        "model": "모형: CERN CAiMIRA 4.17.8의 장거리 공기전파 모형을 플랫폼이 구현해 검증함 (ADR 28). 가정은 docs/care-interventions.md.",
    },
    "en": {
        "title": "Infection-prevention design report",
        "facility": "Facility",
        "version": "Model version",
        "month": "Month",
        "made": "Made",
        "plan": "Plan (room colour: expected infections a month)",
        "risk_label": "expected infections a month",
        "checks": "Design checks",
        "check": "Check",
        "result": "Result",
        "found": "What was found",
        "passed": "Passed",
        "failed": "Failed",
        "sources": "Sources of the rules",
        "rooms": "Airborne risk by room",
        "room": "Room",
        "p": "Chance of infection (%)",
        "cases": "Expected infections a month",
        "airing": "Window airing this month",
        "total": "Expected infections a month in the whole centre: {cases} (an estimate to compare designs, not a forecast)",
        "changes": "What to change first",
        "rank": "Rank",
        "change": "Change",
        "fixes": "Checks it fixes",
        "averted": "Averted a month",
        "cost": "Cost",
        "rule": "Ranking rule",
        "model": "Model: the platform's implementation of CERN CAiMIRA 4.17.8's long-range airborne model, checked against it (ADR 28). Assumptions: docs/care-interventions.md.",
    },
}


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("nanum", size=8)
        self.cell(0, 6, f"{self.page_no()} / {{nb}}", align="C")


def facility_pdf(
    plan: engine_facility.Facility,
    result: dict[str, Any],
    checks: Sequence[engine_checks.CheckResult],
    *,
    name: str,
    kind: str,
    district: str,
    version: int,
    month: int,
    lang: str,
    made_at: datetime,
) -> bytes:
    """The report of one version of a facility for one month (``result``: the evaluation the
    page shows, ``selectors.evaluation``; ``checks``: its design checks, ``selectors.checks``)."""
    if not FONT.exists():
        raise RuntimeError(f"{FONT} is missing: install the fonts-nanum package (make system-deps)")
    ko = lang.startswith("ko")
    w = WORDS["ko" if ko else "en"]
    pdf = _Report(format="A4")
    pdf.set_title(f"{w['title']}: {name}")
    pdf.set_author("Seoul public services")
    pdf.add_font("nanum", fname=str(FONT))
    pdf.add_font("NanumGothic", fname=str(FONT))  # the plan's SVG text names this family (drawing.FONT_FAMILY)
    pdf.add_font("nanum", style="B", fname=str(BOLD if BOLD.exists() else FONT))
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("nanum", "B", 16)
    pdf.multi_cell(0, 9, w["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("nanum", size=10)
    for label, value in (
        (w["facility"], f"{name} ({kind}, {district})"),
        (w["version"], str(version)),
        (w["month"], str(month)),
        (w["made"], made_at.strftime("%Y-%m-%d %H:%M")),
    ):
        pdf.multi_cell(0, 6, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")

    risk = {r["room"]: float(r["expected_cases_per_month"]) for r in result["rooms_before"]}
    failed = [c for c in checks if not c.passed]
    svg = drawing.plan_svg(plan, risk=risk, failed=failed, lang="ko" if ko else "en", risk_label=w["risk_label"])
    _heading(pdf, w["plan"])
    pdf.image(io.BytesIO(svg.encode("utf-8")), w=pdf.epw)

    _heading(pdf, w["checks"])
    rows = [
        [
            c["title_ko"] if ko else c["title"],
            w["passed"] if c["passed"] else w["failed"],
            (c.get("summary_ko") or c["summary"]) if ko else c["summary"],
        ]
        for c in result["checks_before"]
    ]
    _table(pdf, [w["check"], w["result"], w["found"]], rows, (40, 20, 120))

    _heading(pdf, w["rooms"])
    pdf.set_font("nanum", size=9)
    total = f"{result['cases_per_month_before']:.1f}"
    pdf.multi_cell(0, 5, w["total"].format(cases=total), new_x="LMARGIN", new_y="NEXT")
    rows = [
        [
            str(r.get("name") or r["room"]),
            f"{r['p_infection_percent']:.1f}",
            f"{r['expected_cases_per_month']:.2f}",
            (r.get("airing_ko") or r["airing"]) if ko else r["airing"],
        ]
        for r in result["rooms_before"]
    ]
    _table(pdf, [w["room"], w["p"], w["cases"], w["airing"]], rows, (50, 35, 30, 65), right=(1, 2))

    _heading(pdf, w["changes"])
    titles = {c["id"]: (c["title_ko"] if ko else c["title"]) for c in result["checks_before"]}
    rows = [
        [
            str(c["rank"]),
            c["title_ko"] if ko else c["title"],
            ", ".join(titles.get(i, i) for i in c["checks_newly_passed"]) or "—",
            f"{c['cases_averted_per_month']:.2f}",
            format_krw(int(c["cost_won"]), lang="ko" if ko else "en"),
        ]
        for c in result["ranking"]
    ]
    _table(
        pdf, [w["rank"], w["change"], w["fixes"], w["averted"], w["cost"]], rows, (12, 78, 40, 22, 28), right=(0, 3, 4)
    )
    pdf.set_font("nanum", size=8)
    pdf.multi_cell(
        0, 4, f"{w['rule']}: {result['ranking_rule_ko' if ko else 'ranking_rule']}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)
    pdf.multi_cell(0, 4, w["model"], new_x="LMARGIN", new_y="NEXT")

    _heading(pdf, w["sources"])
    pdf.set_font("nanum", size=8)
    for c in checks:
        pdf.multi_cell(0, 4, f"• {c.title_ko if ko else c.title}: {c.source}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("nanum", "B", 12)
    pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("nanum", size=9)


def _table(
    pdf: FPDF, head: list[str], rows: list[list[str]], widths: tuple[int, ...], right: tuple[int, ...] = ()
) -> None:
    pdf.set_font("nanum", size=8)
    align = tuple("RIGHT" if i in right else "LEFT" for i in range(len(head)))
    with pdf.table(
        col_widths=widths,
        text_align=align,
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 239, 245)),
        line_height=4.5,
        width=sum(widths),
    ) as table:
        table.row(head)
        for row in rows:
            table.row(row)
