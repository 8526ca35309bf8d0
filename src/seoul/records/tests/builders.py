"""Test material made on the spot: Korean text rendered to a page image with a Nanum font (from
Debian's fonts-nanum, which `make system-deps` installs), so OCR tests need no shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

FONT = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")

LINES = [
    "기록물 등록 및 보존기간 안내",
    "공공기관은 기록물을 생산하거나 접수한 때에는",
    "등록번호를 부여하고 그 기록물에 표기하여야 한다.",
    "보존기간은 영구, 준영구, 30년, 10년, 5년, 3년, 1년으로 구분한다.",
    "2026년 3월 2일 행정국 총무과",
]


def page_image(path: Path, lines: list[str] = LINES, *, dpi: int = 200) -> Path:
    """A half-A4 page (A5 landscape width) of ``lines`` at ``dpi``, 8-bit grayscale PNG."""
    from PIL import Image, ImageDraw, ImageFont

    if not FONT.exists():
        pytest.skip(f"{FONT} is missing: run `make system-deps` (Debian's fonts-nanum)")
    width, height = round(8.27 * dpi), round(5.8 * dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT), size=round(11 / 72 * dpi))
    y = round(0.8 * dpi)
    for line in lines:
        draw.text((round(0.9 * dpi), y), line, font=font, fill=0)
        y += round(11 / 72 * dpi * 1.8)
    image.save(path, dpi=(dpi, dpi))
    return path


def pdf_of(images: list[Path], path: Path) -> Path:
    import img2pdf

    path.write_bytes(img2pdf.convert([str(p) for p in images]))
    return path
