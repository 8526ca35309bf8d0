"""Preflight: every refusal from a real file made here, the type told by content rather than by
name, page counts, stated resolution and the SHA-256."""

from __future__ import annotations

import hashlib
import io
import random
from pathlib import Path

import img2pdf
import pikepdf
import pytest
from PIL import Image, ImageDraw

from seoul.records.engine.preflight import (
    LIMITS,
    MAX_ASPECT,
    MIN_LONG_SIDE_PX,
    MIN_SHORT_SIDE_PX,
    Checked,
    Kind,
    RefusalCode,
    Refused,
    preflight,
    sha256_file,
)


def _page(size: tuple[int, int] = (827, 1169)) -> Image.Image:
    """A grey page (A4 at 100 dpi by default) with a few dark 'lines of text'."""
    image = Image.new("L", size, 250)
    draw = ImageDraw.Draw(image)
    for y in range(100, size[1] - 100, 60):
        draw.rectangle((80, y, size[0] - 80, y + 20), fill=30)
    return image


def _save(path: Path, image: Image.Image, fmt: str, **kwargs: object) -> Path:
    image.save(path, format=fmt, **kwargs)
    return path


def _pdf(path: Path, pages: int = 2) -> Path:
    pngs = []
    for _ in range(pages):
        buffer = io.BytesIO()
        _page().save(buffer, format="PNG")
        pngs.append(buffer.getvalue())
    path.write_bytes(img2pdf.convert(pngs))
    return path


def _refused(path: Path, **limits: int) -> Refused:
    with pytest.raises(Refused) as caught:
        preflight(path, **limits)
    assert caught.value.reason.endswith(".")  # a sentence for a person
    assert str(caught.value) == caught.value.reason
    return caught.value


def test_a_good_pdf_is_described(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "scan.pdf", pages=2)
    checked = preflight(path)
    assert checked == Checked(
        kind=Kind.PDF,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        size=path.stat().st_size,
        pages=2,
        dpi=None,
    )
    assert sha256_file(path) == checked.sha256


def test_sha256_is_streamed_over_files_larger_than_a_chunk(tmp_path: Path) -> None:
    data = random.Random(7).randbytes(3 * 1024 * 1024 + 17)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()


def test_the_type_comes_from_the_content_not_the_name(tmp_path: Path) -> None:
    jpeg_named_png = _save(tmp_path / "scan.png", _page(), "JPEG", dpi=(150, 150))
    checked = preflight(jpeg_named_png)
    assert (checked.kind, checked.pages, checked.dpi) == (Kind.JPEG, 1, (150.0, 150.0))
    png_named_pdf = _save(tmp_path / "scan.pdf", _page(), "PNG")
    assert preflight(png_named_pdf).kind is Kind.PNG
    assert preflight(png_named_pdf).dpi is None  # it states none

    text_named_pdf = tmp_path / "notes.pdf"
    text_named_pdf.write_text("회의록: not a PDF at all\n", encoding="utf-8")
    refused = _refused(text_named_pdf)
    assert refused.code is RefusalCode.UNKNOWN_TYPE
    assert "plain text" in refused.reason


def test_random_bytes_are_of_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "noise.pdf"
    path.write_bytes(b"\x00\x01" + random.Random(1).randbytes(4096))
    refused = _refused(path)
    assert refused.code is RefusalCode.UNKNOWN_TYPE
    assert "not a PDF, JPEG, PNG or TIFF" in refused.reason


def test_a_hwp_file_is_named_in_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    refused = _refused(path)
    assert refused.code is RefusalCode.UNKNOWN_TYPE
    assert "HWP" in refused.reason


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _refused(path).code is RefusalCode.EMPTY


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _pdf(tmp_path / "scan.pdf", pages=1)
    size = path.stat().st_size
    refused = _refused(path, max_bytes=size - 1)
    assert refused.code is RefusalCode.TOO_LARGE
    assert preflight(path, max_bytes=size).size == size  # the limit itself is allowed
    assert LIMITS.max_bytes == 200 * 1024 * 1024


@pytest.mark.parametrize(("user", "owner"), [("secret", "owner"), ("", "owner")])
def test_an_encrypted_pdf_is_refused(tmp_path: Path, user: str, owner: str) -> None:
    """With a password to open it, or only an owner password restricting its use."""
    plain = _pdf(tmp_path / "plain.pdf", pages=1)
    path = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=user, owner=owner))
    refused = _refused(path)
    assert refused.code is RefusalCode.ENCRYPTED
    assert ("password" in refused.reason) == bool(user)


def test_a_truncated_pdf_is_damaged(tmp_path: Path) -> None:
    whole = tmp_path / "whole.pdf"
    with pikepdf.open(_pdf(tmp_path / "scan.pdf", pages=3)) as pdf:
        pdf.save(whole, object_stream_mode=pikepdf.ObjectStreamMode.disable)  # page tree first
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    with pikepdf.open(path) as pdf:  # qpdf opens it and finds the pages, though images are cut ...
        assert len(pdf.pages) == 3
    refused = _refused(path)  # ... which preflight does not accept
    assert refused.code is RefusalCode.DAMAGED
    assert "cut off" in refused.reason


def test_a_pdf_that_cannot_be_opened_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(3000) + b"\n%%EOF\n")
    assert _refused(path).code is RefusalCode.DAMAGED


def test_a_pdf_with_too_many_pages_names_both_numbers(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    with pikepdf.new() as pdf:
        for _ in range(400):
            pdf.add_blank_page(page_size=(595, 842))
        pdf.save(path)
    refused = _refused(path)
    assert refused.code is RefusalCode.TOO_MANY_PAGES
    assert "400" in refused.reason and str(LIMITS.max_pages) in refused.reason
    assert LIMITS.max_pages == 300
    assert preflight(path, max_pages=400).pages == 400


def test_a_tiny_image_is_not_a_document(tmp_path: Path) -> None:
    path = _save(tmp_path / "icon.png", Image.new("RGB", (40, 40), "red"), "PNG")
    refused = _refused(path)
    assert refused.code is RefusalCode.NOT_A_DOCUMENT
    assert "40 x 40" in refused.reason


def test_the_smallest_page_is_an_a7_at_150_dpi(tmp_path: Path) -> None:
    ok = _save(tmp_path / "a7.png", _page((MIN_SHORT_SIDE_PX, MIN_LONG_SIDE_PX)), "PNG")
    assert preflight(ok).pages == 1
    short = _save(tmp_path / "short.png", _page((MIN_SHORT_SIDE_PX - 1, MIN_LONG_SIDE_PX)), "PNG")
    assert _refused(short).code is RefusalCode.NOT_A_DOCUMENT


def test_a_strip_is_not_a_document(tmp_path: Path) -> None:
    width = 600
    strip = _save(tmp_path / "strip.jpg", _page((width, int(width * MAX_ASPECT) + 10)), "JPEG")
    refused = _refused(strip)
    assert refused.code is RefusalCode.NOT_A_DOCUMENT
    assert "strip" in refused.reason
    tall = _save(tmp_path / "tall.jpg", _page((width, int(width * MAX_ASPECT))), "JPEG")
    assert preflight(tall).kind is Kind.JPEG


def test_a_truncated_image_is_damaged(tmp_path: Path) -> None:
    good = _save(tmp_path / "good.jpg", _page(), "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert _refused(cut).code is RefusalCode.DAMAGED

    png = _save(tmp_path / "good.png", _page(), "PNG").read_bytes()
    flipped = bytearray(png)
    flipped[len(png) // 2] ^= 0xFF  # one byte inside the image data: its CRC no longer matches
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(flipped))
    assert _refused(bad).code is RefusalCode.DAMAGED


def test_a_multi_page_tiff_counts_its_frames(tmp_path: Path) -> None:
    path = tmp_path / "fax.tif"
    first, *rest = [_page() for _ in range(3)]
    first.save(path, format="TIFF", save_all=True, append_images=rest, dpi=(200, 200), compression="tiff_lzw")
    checked = preflight(path)
    assert (checked.kind, checked.pages, checked.dpi) == (Kind.TIFF, 3, (200.0, 200.0))
    assert _refused(path, max_pages=2).code is RefusalCode.TOO_MANY_PAGES
