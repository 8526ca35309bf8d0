"""Partial disclosure (정보공개법 §14): the exempt parts of a record removed from its pages.

Redaction is done on page images, never on the PDF's text layer: each page of the archive copy
is rendered (pypdfium2) and the marked areas are painted solid black into the pixels; the
delivered PDF is made of these images only, so no text, no hidden layer and no original image
is left under a box. Areas are given by the person deciding, as boxes in fractions of the page
(left, top, width, height), or found by the words to remove: Tesseract is asked for the word
boxes of the rendered page (``tsv`` output, Korean, psm 6, as the records are read) and every
run of words that spells one of the phrases (spaces ignored) is boxed.

Plain Python: no Django.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from seoul.records.engine import viewer

DPI = 150  # the delivered copy: legible, and coarse enough that nothing of a box survives


@dataclass(frozen=True)
class Box:
    """A rectangle in fractions of the page: left, top, width, height in 0..1."""

    left: float
    top: float
    width: float
    height: float

    def pixels(self, size: tuple[int, int], margin: int = 0) -> tuple[int, int, int, int]:
        w, h = size
        return (
            max(0, int(self.left * w) - margin),
            max(0, int(self.top * h) - margin),
            min(w, round((self.left + self.width) * w) + margin),
            min(h, round((self.top + self.height) * h) + margin),
        )


class BoxError(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


NUMBER = r"(\d+(?:\.\d+)?)"
BOX_LINE = re.compile(rf"^\s*(\d+)\s*[:,]?\s*{NUMBER}\s*[ ,]\s*{NUMBER}\s*[ ,]\s*{NUMBER}\s*[ ,]\s*{NUMBER}\s*$")


def parse_boxes(text: str, pages: int) -> dict[int, list[Box]]:
    """Boxes written one per line as ``page: left top width height``, the four in per cent of the
    page; blank lines are skipped. Raises :class:`BoxError` naming the first bad line."""
    boxes: dict[int, list[Box]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = BOX_LINE.match(line)
        if match is None:
            raise BoxError(number, "write the page, then left, top, width and height in per cent (e.g. 1: 10 20 30 5)")
        page = int(match.group(1))
        if not 1 <= page <= pages:
            raise BoxError(number, f"the record has pages 1 to {pages}")
        left, top, width, height = (float(v) / 100 for v in match.groups()[1:])
        if width <= 0 or height <= 0:
            raise BoxError(number, "the width and height must be more than 0")
        if left + width > 1.0001 or top + height > 1.0001:
            raise BoxError(number, "the box runs off the page (left + width and top + height are at most 100)")
        boxes.setdefault(page, []).append(Box(left, top, width, height))
    return boxes


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def find_words(image: Image.Image, phrases: Sequence[str], *, timeout: float = 60) -> list[Box]:
    """Boxes around every run of words on ``image`` that spells one of ``phrases``."""
    wanted = [_compact(p) for p in phrases if _compact(p)]
    if not wanted:
        return []
    program = shutil.which("tesseract")
    if program is None:
        raise RuntimeError("Tesseract is not installed (make system-deps installs it)")
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG")
    done = subprocess.run(  # noqa: S603 - a fixed program and options; the image goes to stdin
        [program, "stdin", "stdout", "-l", "kor", "--psm", "6", "--dpi", str(DPI), "tsv"],
        input=buffer.getvalue(),
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        check=True,
    )
    words: list[tuple[str, int, int, int, int, tuple[str, str, str]]] = []
    for row in csv.DictReader(io.StringIO(done.stdout.decode()), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        line = (row["block_num"], row["par_num"], row["line_num"])
        words.append((text, int(row["left"]), int(row["top"]), int(row["width"]), int(row["height"]), line))
    width, height = image.size
    longest = max(map(len, wanted))
    boxes: list[Box] = []
    for start in range(len(words)):
        spelled = ""
        for end in range(start, len(words)):
            if words[end][5] != words[start][5]:
                break  # a phrase is looked for within one line
            spelled += _compact(words[end][0])
            hit = next((p for p in wanted if p in spelled), None)
            if hit is not None and hit in spelled[len(_compact(words[start][0])) :]:
                break  # found without this first word: a later start boxes it tighter
            if hit is not None:
                run = words[start : end + 1]
                left = min(w[1] for w in run)
                top = min(w[2] for w in run)
                right = max(w[1] + w[3] for w in run)
                bottom = max(w[2] + w[4] for w in run)
                boxes.append(Box(left / width, top / height, (right - left) / width, (bottom - top) / height))
                break
            if len(spelled) > longest + len(_compact(words[start][0])):
                break  # longer than any phrase could need
    return boxes


def redact(image: Image.Image, boxes: Iterable[Box]) -> Image.Image:
    """``image`` with each box painted solid black (a few pixels wider than asked)."""
    out = image.convert("RGB")
    draw = ImageDraw.Draw(out)
    for box in boxes:
        draw.rectangle(box.pixels(out.size, margin=2), fill=(0, 0, 0))
    return out


def redacted_pdf(pdf: bytes, boxes: dict[int, list[Box]], *, phrases: Sequence[str] = ()) -> tuple[bytes, int]:
    """Every page of ``pdf`` as an image with ``boxes[page]`` and the words of ``phrases``
    painted out, as one PDF of images; also how many areas were painted."""
    pages = viewer.page_count(pdf)
    images = []
    painted = 0
    for number in range(1, pages + 1):
        image = viewer.render(pdf, number, dpi=DPI)
        page_boxes = [*boxes.get(number, []), *find_words(image, phrases)]
        painted += len(page_boxes)
        images.append(redact(image, page_boxes))
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=DPI)
    return out.getvalue(), painted
