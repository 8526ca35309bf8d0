"""Page images for viewing without downloading: one page of the archive copy rendered to PNG with
a visible watermark naming the viewer, the time and their institution.

The watermark is drawn into the pixels (not an overlay a browser can hide): the lines repeat
diagonally across the page in translucent grey and once more, opaque, in a band at the foot of the
page, so a photograph or a screenshot of any part still says who looked and when.

Plain Python: no Django.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

# Korean-capable fonts from Debian's fonts-nanum (installed by `make system-deps`); the first that
# exists is used, else Pillow's built-in font (Latin only).
FONTS = (
    Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf"),
    Path("/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf"),
)
DPI = 110  # legible on a phone and a desktop, too coarse to pass for the archive copy
MAX_SIDE = 2400  # pixels: a page stated at an absurd size is scaled down to this


class PageNotFound(Exception):
    """The archive copy has no such page, or cannot be read."""


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font(size: int) -> Font:
    for path in FONTS:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def page_count(pdf: bytes) -> int:
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise PageNotFound(f"the archive copy cannot be read ({exc})") from exc
    try:
        return len(document)
    finally:
        document.close()


def render(pdf: bytes, number: int, *, dpi: int = DPI) -> Image.Image:
    """Page ``number`` (from 1) of ``pdf`` as an RGB image at ``dpi``."""
    try:
        document = pdfium.PdfDocument(pdf)
    except pdfium.PdfiumError as exc:
        raise PageNotFound(f"the archive copy cannot be read ({exc})") from exc
    try:
        if not 1 <= number <= len(document):
            raise PageNotFound(f"the archive copy has {len(document)} page(s), not a page {number}")
        page = document[number - 1]
        width, height = page.get_size()
        scale = min(dpi / 72, MAX_SIDE / max(width, height, 1))
        image: Image.Image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
        return image
    finally:
        document.close()


def watermark(image: Image.Image, lines: Sequence[str]) -> Image.Image:
    """``image`` with ``lines`` drawn over it diagonally (repeated) and in a band at the foot."""
    width, height = image.size
    size = max(14, round(min(width, height) / 32))
    font = _font(size)
    text = "  ·  ".join(line for line in lines if line)

    # the repeated diagonal text, drawn on a large transparent tile and rotated onto the page
    side = math.ceil(math.hypot(width, height))
    tile = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(tile)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    step_x, step_y = math.ceil(right - left) + size * 3, math.ceil(bottom - top) + size * 4
    for row, y in enumerate(range(0, side, step_y)):
        offset = (row % 2) * step_x // 2
        for x in range(-step_x + offset, side, step_x):
            draw.text((x, y), text, font=font, fill=(80, 80, 80, 70))
    rotated = tile.rotate(30, resample=Image.Resampling.BICUBIC)
    crop = ((side - width) // 2, (side - height) // 2)
    marked = image.convert("RGBA")
    marked.alpha_composite(rotated.crop((crop[0], crop[1], crop[0] + width, crop[1] + height)))

    # the band at the foot, opaque, so the names survive cropping to the text
    band_height = size * 2
    band = ImageDraw.Draw(marked)
    band.rectangle((0, height - band_height, width, height), fill=(30, 30, 30, 255))
    band_font = _fitting(text, size, width - size)
    band.text((size // 2, height - size), text, font=band_font, fill=(255, 255, 255, 255), anchor="lm")
    return marked.convert("RGB")


def _fitting(text: str, size: int, room: float) -> Font:
    """The font of at most ``size`` in which ``text`` is no wider than ``room`` pixels (the band's
    line is shrunk rather than cut: every name on it must stay legible as a whole)."""
    font = _font(size)
    length = font.getlength(text)
    if length <= room:
        return font
    return _font(max(6, math.floor(size * room / length)))


def page_png(pdf: bytes, number: int, lines: Sequence[str], *, dpi: int = DPI) -> bytes:
    """Page ``number`` of ``pdf`` as PNG bytes with the watermark ``lines``."""
    out = io.BytesIO()
    watermark(render(pdf, number, dpi=dpi), lines).save(out, format="PNG", optimize=False)
    return out.getvalue()
