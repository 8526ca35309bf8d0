"""Checks a received file before any OCR work: is it a scanned document we can read?

The type comes from the file's first bytes, never from its name. A file is refused, with a
:class:`RefusalCode` and a sentence a person can act on, when it is empty, too large, of a type we
do not take, password-protected or encrypted, damaged (cannot be opened, or cut off before its
end), has too many pages, or is an image too small or too narrow to be a scanned page.

What "damaged" covers: a PDF that cannot be opened, has no pages, or whose last kilobyte has no
``%%EOF`` marker (it was cut off, which silently loses pages even when the rest can be
recovered), and an image whose pixels cannot be decoded in full. A PDF whose cross-reference table
is merely wrong is repaired by qpdf and accepted. Stream contents of a PDF are not decoded here:
a single unreadable page is the OCR step's business (it keeps the other pages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError


class Kind(StrEnum):
    """The file types we accept, as told by their content."""

    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"


class RefusalCode(StrEnum):
    """Why a file was refused; stored with the record."""

    EMPTY = "empty"
    TOO_LARGE = "too_large"
    UNKNOWN_TYPE = "unknown_type"
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    TOO_MANY_PAGES = "too_many_pages"
    NOT_A_DOCUMENT = "not_a_document"


class Refused(Exception):
    """The file cannot be taken in; ``reason`` says why, in a sentence for a person."""

    def __init__(self, code: RefusalCode, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Checked:
    """A file that passed: its type, SHA-256 (hex), size in bytes, page count and the
    resolution the file states (None for a PDF, or an image that states none)."""

    kind: Kind
    sha256: str
    size: int
    pages: int
    dpi: tuple[float, float] | None


@dataclass(frozen=True)
class Limits:
    """The largest file we take, in bytes and in pages."""

    max_bytes: int = 200 * 1024 * 1024
    max_pages: int = 300


LIMITS = Limits()

# An image with fewer pixels than an A7 page (74 x 105 mm) scanned at 150 dpi cannot hold a
# legible page; nor can one whose long side is more than MAX_ASPECT times its short side.
MIN_SHORT_SIDE_PX = round(74 / 25.4 * 150)  # 437
MIN_LONG_SIDE_PX = round(105 / 25.4 * 150)  # 620
MAX_ASPECT = 5.0
# We refuse to decode more pixels than this (Pillow itself refuses about 179 million, a
# "decompression bomb"); an A4 page at 1200 dpi has about 140 million.
MAX_IMAGE_PIXELS = 150_000_000

_HEAD_BYTES = 1024
_PDF_EOF_WINDOW = 1024

# First bytes of common files we do not take, to tell the person what they sent.
_LOOKS_LIKE: list[tuple[int, bytes, str]] = [
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a Hangul (HWP) or older Microsoft Office file"),
    (0, b"HWP Document File", "a Hangul (HWP 3) file"),
    (0, b"PK\x03\x04", "a ZIP archive (HWPX, DOCX and XLSX files are ZIP archives)"),
    (0, b"GIF8", "a GIF image"),
    (0, b"BM", "a BMP image"),
    (8, b"WEBP", "a WebP image"),
    (4, b"ftypheic", "a HEIC photo"),
    (4, b"ftypmif1", "a HEIF photo"),
]


def sha256_file(path: Path) -> str:
    """SHA-256 of the file's bytes as 64 hex digits, read in chunks (never all in memory)."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def sniff(head: bytes) -> Kind | None:
    """The kind told by a file's first bytes, or None if it is none we take.

    A PDF may have a few bytes of junk before ``%PDF-`` (readers allow up to 1024).
    """
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return Kind.TIFF
    if b"%PDF-" in head[:_HEAD_BYTES]:
        return Kind.PDF
    return None


def _describe(head: bytes) -> str:
    for offset, magic, what in _LOOKS_LIKE:
        if head[offset : offset + len(magic)] == magic:
            return what
    text = head.decode("utf-8", errors="replace")  # the last character may be cut in two
    if text.count("\ufffd") <= 1 and all(c.isprintable() or c in "\r\n\t\ufffd" for c in text):
        return "plain text"
    return "of a type we do not recognise"


def preflight(path: Path, *, max_bytes: int = LIMITS.max_bytes, max_pages: int = LIMITS.max_pages) -> Checked:
    """Check ``path`` and describe it, or raise :class:`Refused`.

    Reads at most the file's first and last kilobyte before deciding its type; then opens it
    with pikepdf (PDF) or decodes every image frame with Pillow, and hashes it.
    """
    size = path.stat().st_size
    if size == 0:
        raise Refused(RefusalCode.EMPTY, "The file is empty (0 bytes); please send it again.")
    if size > max_bytes:
        raise Refused(
            RefusalCode.TOO_LARGE,
            f"The file is {_megabytes(size)}, more than the {_megabytes(max_bytes)} we accept; "
            "split it into smaller files.",
        )
    with path.open("rb") as stream:
        head = stream.read(_HEAD_BYTES)
    kind = sniff(head)
    if kind is None:
        raise Refused(
            RefusalCode.UNKNOWN_TYPE,
            f"The file is {_describe(head)}, not a PDF, JPEG, PNG or TIFF, so it cannot be filed as a "
            "scanned document.",
        )
    if kind is Kind.PDF:
        pages, dpi = _check_pdf(path, size, max_pages), None
    else:
        pages, dpi = _check_image(path, kind, max_pages)
    return Checked(kind=kind, sha256=sha256_file(path), size=size, pages=pages, dpi=dpi)


def _too_many(pages: int, max_pages: int) -> Refused:
    return Refused(
        RefusalCode.TOO_MANY_PAGES,
        f"The file has {pages} pages, more than the {max_pages} we accept in one document; split it.",
    )


def _check_pdf(path: Path, size: int, max_pages: int) -> int:
    with path.open("rb") as stream:
        stream.seek(max(0, size - _PDF_EOF_WINDOW))
        tail = stream.read()
    if b"%%EOF" not in tail:
        raise Refused(
            RefusalCode.DAMAGED,
            "The PDF is cut off before its end (an interrupted upload or copy?); please send the complete file.",
        )
    try:
        with pikepdf.open(path) as pdf:
            if pdf.is_encrypted:
                raise Refused(
                    RefusalCode.ENCRYPTED,
                    "The PDF is encrypted (it has usage restrictions); save an unprotected copy and send that.",
                )
            pages = len(pdf.pages)
            if pages == 0:
                raise Refused(RefusalCode.DAMAGED, "The PDF has no pages.")
            if pages > max_pages:
                raise _too_many(pages, max_pages)
            for number, page in enumerate(pdf.pages, start=1):
                try:
                    page.mediabox  # noqa: B018 - reading the page's dictionary is the check
                except (pikepdf.PdfError, KeyError, ValueError, TypeError) as exc:
                    raise Refused(RefusalCode.DAMAGED, f"Page {number} of the PDF cannot be read.") from exc
    except pikepdf.PasswordError as exc:
        raise Refused(
            RefusalCode.ENCRYPTED,
            "The PDF is protected by a password; save an unprotected copy and send that.",
        ) from exc
    except pikepdf.PdfError as exc:
        raise Refused(RefusalCode.DAMAGED, "The PDF is damaged and cannot be opened.") from exc
    return pages


def _frames(image: Image.Image, kind: Kind) -> Iterator[Image.Image]:
    if kind is Kind.TIFF:
        yield from ImageSequence.Iterator(image)
    else:
        yield image  # a JPEG's extra "MPO" pictures or a PNG's animation frames are not pages


def _check_image(path: Path, kind: Kind, max_pages: int) -> tuple[int, tuple[float, float] | None]:
    too_large = Refused(
        RefusalCode.TOO_LARGE,
        f"The image has more than {MAX_IMAGE_PIXELS // 1_000_000} million pixels, far more than a "
        "scanned page needs; scan it again at 300 dpi.",
    )
    try:
        if kind is Kind.PNG:  # verify() checks every chunk's CRC
            with Image.open(path) as image:
                image.verify()
        with Image.open(path) as image:
            pages = getattr(image, "n_frames", 1) if kind is Kind.TIFF else 1
            if pages > max_pages:
                raise _too_many(pages, max_pages)
            dpi = _stated_dpi(image.info.get("dpi"))
            for number, frame in enumerate(_frames(image, kind), start=1):
                if frame.width * frame.height > MAX_IMAGE_PIXELS:
                    raise too_large
                _check_shape(frame.size, number, pages)
                frame.load()
    except Image.DecompressionBombError as exc:
        raise too_large from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise Refused(RefusalCode.DAMAGED, f"The {kind.value.upper()} image is damaged and cannot be read.") from exc
    return pages, dpi


def _stated_dpi(value: object) -> tuple[float, float] | None:
    """The resolution an image states, if it states a usable one (both axes above 0)."""
    if not isinstance(value, tuple) or len(value) != 2:
        return None
    try:
        x, y = float(value[0]), float(value[1])
    except (TypeError, ValueError):
        return None
    return (round(x, 2), round(y, 2)) if x > 0 and y > 0 else None


def _check_shape(size: tuple[int, int], number: int, pages: int) -> None:
    short, long = sorted(size)
    where = f"Page {number} of the image" if pages > 1 else "The image"
    if short < MIN_SHORT_SIDE_PX or long < MIN_LONG_SIDE_PX:
        raise Refused(
            RefusalCode.NOT_A_DOCUMENT,
            f"{where} is only {size[0]} x {size[1]} pixels, too small to hold a legible page "
            f"(at least {MIN_SHORT_SIDE_PX} x {MIN_LONG_SIDE_PX}, an A7 page at 150 dpi).",
        )
    if long > MAX_ASPECT * short:
        raise Refused(
            RefusalCode.NOT_A_DOCUMENT,
            f"{where} is {size[0]} x {size[1]} pixels, a strip far narrower than any page "
            f"(its long side is more than {MAX_ASPECT:g} times its short side).",
        )
