"""Demo data of the Electronic Document Center: posts for the demo accounts, and a few scans made
from statute text (``reference/statute_articles.txt``) read through the real pipeline (Tesseract
through OCRmyPDF): registered records with each disclosure class, and one scan that waits for
the clerk to register it; a citizen's request for information waits for the general-affairs division."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from seoul.core.models import User
from seoul.records import actions
from seoul.records.actions.requests import file_request
from seoul.records.engine.rules import Disclosure, Retention
from seoul.records.models import Department, DisclosureRequest, DocumentType, Post, Record

DATA = Path(__file__).parent / "reference"
FONTS = Path("/usr/share/fonts/truetype/nanum")
POSTS = {"records.clerk": "6110101", "records.reader": "6110201"}
# (articles to put on the page, department, type, retention, disclosure, exemptions, year produced)
SCANS = [
    ((0, 1), "6110101", "regulation", Retention.PERMANENT, Disclosure.OPEN, (), 2024),
    ((4, 5), "6110101", "report", Retention.YEARS_1, Disclosure.PARTIAL, (6,), 2023),  # due for disposal review
    ((6, 11), "6110201", "plan", Retention.YEARS_5, Disclosure.CLOSED, (5,), 2025),
    ((12, 13), "6110201", "regulation", Retention.YEARS_30, Disclosure.OPEN, (), 2026),
]
WAITING = (7, 8)  # articles of the scan left for the clerk


def articles() -> list[tuple[str, list[str]]]:
    """The statute articles: (title, lines)."""
    out: list[tuple[str, list[str]]] = []
    for line in (DATA / "statute_articles.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            out.append((line[4:].strip(), []))
        elif line.strip() and out:
            out[-1][1].append(line.strip())
    return out


def render_page(path: Path, lines: list[str], *, dpi: int = 200, width_chars: int = 38) -> Path:
    """``lines`` set on an A4 page in NanumMyeongjo at ``dpi``, wrapped at ``width_chars``."""
    from PIL import Image, ImageDraw, ImageFont

    wrapped: list[str] = []
    for line in lines:
        while len(line) > width_chars:
            wrapped.append(line[:width_chars])
            line = line[width_chars:]
        wrapped.append(line)
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    size = round(11 / 72 * dpi)
    font = ImageFont.truetype(str(FONTS / "NanumMyeongjo.ttf"), size=size)
    y = round(0.9 * dpi)
    for line in wrapped:
        if y > height - dpi:
            break
        draw.text((round(0.9 * dpi), y), line, font=font, fill=0)
        y += round(size * 1.6)
    image.save(path, dpi=(dpi, dpi))
    return path


def load() -> dict[str, int]:
    for username, code in POSTS.items():
        user = User.objects.filter(username=username).first()
        if user is not None:
            Post.objects.get_or_create(user=user, department=Department.objects.get(code=code))
    if Record.objects.exists() or not (FONTS / "NanumMyeongjo.ttf").exists():
        return {"records": Record.objects.count()}
    texts = articles()
    with tempfile.TemporaryDirectory(prefix="records-demo-") as folder:
        for n, (picked, code, kind, retention, disclosure, exemptions, year) in enumerate(SCANS):
            department = Department.objects.get(code=code)
            lines = [line for i in picked for line in [texts[i][0], *texts[i][1]]]
            page = render_page(Path(folder) / f"scan-{n + 1}.png", lines)
            [record] = actions.receive([(page.name, page)], source="command", department=department, actor=None).records
            read = actions.process(record.pk)
            if read is None or read.status != Record.Status.READY:
                continue
            actions.register(
                read,
                actions.Registration(
                    title=texts[picked[0]][0],
                    produced_on=date(year, 3, 2),
                    department=department,
                    completed_year=year,
                    retention=retention,
                    disclosure=disclosure,
                    exemptions=exemptions,
                    doc_type=DocumentType.objects.get(code=kind),
                    device="demo scanner",
                    operator="records.clerk",
                ),
                actor=None,
            )
        lines = [line for i in WAITING for line in [texts[i][0], *texts[i][1]]]
        page = render_page(Path(folder) / "waiting.png", lines)
        [record] = actions.receive(
            [(page.name, page)], source="command", department=Department.objects.get(code="6110101"), actor=None
        ).records
        actions.process(record.pk)
    citizen = User.objects.filter(username="citizen", kind=User.Kind.CITIZEN).first()
    if citizen is not None and not DisclosureRequest.objects.exists():
        file_request(
            citizen,
            Department.objects.get(code="6110101"),
            content="총무과가 등록한 기록물 등록 및 보존기간 안내 문서의 사본을 청구합니다.",
            purpose="업무 참고",
        )
    return {"records": Record.objects.count(), "requests": DisclosureRequest.objects.count()}
