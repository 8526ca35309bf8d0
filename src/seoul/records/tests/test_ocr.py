"""OCR: accuracy on the shared Korean scan set, the PDF/A archive, a page that fails without losing
the others, blank and born-digital pages, and the small parts (sidecar, progress, CER).

OCR takes about 2 s a page, so only a few representative pages are read here; the CER over all 24
images is the benchmark's job (benchmarks/records_ocr.py).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import img2pdf
import pikepdf
import pikepdf.pdfa
import pypdfium2
import pytest
from PIL import Image, ImageDraw

from seoul.records.engine import ocr as engine
from seoul.records.engine import scanpage
from seoul.records.engine.ocr import NO_TEXT, OWN_TEXT, OcrResult, PageText, Run, image_to_pdf, ocr, split_sidecar
from seoul.records.engine.preflight import Checked, Kind, preflight
from seoul.records.engine.quality import cer

DATA = Path(os.environ.get("SEOUL_DOCUMENTS_DATA", "/work/shared/data/documents"))
NANUM = Path("/usr/share/fonts/truetype/nanum/NanumGothic.ttf")
MAX_CER = 0.03

needs_data = pytest.mark.skipif(
    not (DATA / "manifest.json").exists(),
    reason=f"the shared Korean scan test set is not at {DATA} (see its SOURCE.md; or set SEOUL_DOCUMENTS_DATA)",
)
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")


def truth(name: str) -> str:
    return (DATA / "ground_truth" / f"{name}.gt.txt").read_text(encoding="utf-8")


def claims_pdfa(path: Path) -> str:
    with pikepdf.open(path) as pdf:
        return pdf.open_metadata().pdfa_status  # e.g. "2B", or "" without a claim


def chars_per_page(path: Path) -> list[int]:
    pdf = pypdfium2.PdfDocument(path)
    try:
        return [page.get_textpage().count_chars() for page in pdf]
    finally:
        pdf.close()


def gray_page(size: tuple[int, int], *, lines: bool) -> Image.Image:
    image = Image.new("L", size, 255)
    if lines:
        draw = ImageDraw.Draw(image)
        for y in range(150, size[1] - 150, 80):
            draw.rectangle((120, y, size[0] - 120, y + 25), fill=20)
    return image


# --- the small parts ---------------------------------------------------------------------------


def test_cer_counts_edits_per_character_of_the_truth() -> None:
    assert cer("가나다라마바사아자차", "가나다라마바사아자카") == pytest.approx(1 / 10)  # one substitution
    assert cer("공공기록물", "공공기록") == pytest.approx(1 / 4)  # one insertion
    assert cer("기록", "기록물관리") == pytest.approx(3 / 5)  # three deletions
    assert cer(" 보존 \n\n 기간\t", "보존 기간") == 0.0  # whitespace runs are one space
    assert cer("\u1100\u1161\u11a8", "각") == 0.0  # jamo typed apart are the syllable (NFC)
    assert cer("", "") == 0.0
    assert cer("x", "") == 1.0


def test_the_sidecar_is_split_into_pages() -> None:
    assert split_sidecar("하나\n\f둘\f", 3) == ["하나\n", "둘", ""]
    assert split_sidecar("a\f[OCR skipped on page(s) 2-3]\fd", 4) == ["a", None, None, "d"]
    assert split_sidecar("[OCR skipped on page(s) 1]\fb", 2) == [None, "b"]
    with pytest.raises(ValueError, match="2 pages"):
        split_sidecar("a\fb", 3)
    with pytest.raises(ValueError, match="skips pages 5-5 after page 1"):
        split_sidecar("a\f[OCR skipped on page(s) 5]", 2)


def test_a_page_tesseract_gave_up_on_fails_and_an_empty_one_has_no_text(tmp_path: Path) -> None:
    gave_up = engine.page_text(4, "[skipped page]", tmp_path / "unused.pdf", 90)
    assert (gave_up.number, gave_up.ok, gave_up.text) == (4, False, "")
    assert "90 s" in gave_up.reason
    assert engine.page_text(1, " \n\n", tmp_path / "unused.pdf", 90) == PageText(1, "", True, NO_TEXT)
    assert engine.page_text(2, "\n가나다\n", tmp_path / "unused.pdf", 90) == PageText(2, "가나다", True, "")


def test_a_page_that_was_not_ocred_brings_its_own_text(tmp_path: Path) -> None:
    from fpdf import FPDF

    typed = FPDF()
    typed.add_page()
    typed.set_font("helvetica", size=12)
    typed.cell(text="Minutes of the records committee")
    typed.add_page()  # nothing on it
    single = tmp_path / "typed.pdf"
    typed.output(str(single))
    # page 7 of a document, split off as page 1 of its own file
    assert engine.page_text(7, None, single, 90, index=1) == PageText(
        7, "Minutes of the records committee", True, OWN_TEXT
    )
    assert engine.page_text(2, None, single, 90) == PageText(2, "", True, NO_TEXT)


def test_progress_counts_each_page_once_and_never_goes_back() -> None:
    calls: list[tuple[int, int]] = []
    counter = engine._Progress(3, lambda done, total: calls.append((done, total)))
    counter.reached(2)
    counter.reached(1)  # the fallback starting again
    counter.reached(5)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_images_are_wrapped_one_page_per_frame_at_their_size(tmp_path: Path) -> None:
    tiff = tmp_path / "fax.tif"
    first, second = gray_page((1654, 2339), lines=True), gray_page((1654, 2339), lines=False)
    first.save(tiff, format="TIFF", save_all=True, append_images=[second], dpi=(200, 200))
    pdf = image_to_pdf(tiff, preflight(tiff), tmp_path / "fax.pdf")
    with pikepdf.open(pdf) as doc:
        assert [[round(float(x)) for x in p.mediabox] for p in doc.pages] == [[0, 0, 595, 842]] * 2

    no_dpi = tmp_path / "phone.png"  # states no resolution: taken to be an A4 page
    gray_page((2481, 3508), lines=True).convert("RGBA").save(no_dpi)  # with an alpha channel, too
    checked = preflight(no_dpi)
    assert checked.dpi is None
    with pikepdf.open(image_to_pdf(no_dpi, checked, tmp_path / "phone.pdf")) as doc:
        [page] = doc.pages
        assert [round(float(x)) for x in page.mediabox] == [0, 0, 595, 842]


def test_a_page_whose_reader_raises_loses_only_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback's bookkeeping, without OCR: the whole-file run fails, then the reader of
    page 2 raises; pages 1 and 3 keep their text, and the archive keeps all three pages."""
    pages = []
    for n in range(3):
        buffer = io.BytesIO()
        gray_page((827, 1169), lines=n != 1).save(buffer, format="PNG", dpi=(100, 100))
        pages.append(buffer.getvalue())
    source = tmp_path / "three.pdf"
    source.write_bytes(img2pdf.convert(pages))

    monkeypatch.setattr(engine, "read_pdf", lambda *args, **kwargs: Run(15, False, ["ERROR: whole file"]))

    def read_page(number: int, single: Path, *, language: str, page_timeout: float) -> tuple[PageText, Path]:
        if number == 2:
            raise RuntimeError("the reader of page 2 broke")
        return PageText(number, f"쪽 {number}", True), single

    monkeypatch.setattr(engine, "ocr_page", read_page)
    calls: list[tuple[int, int]] = []
    result = ocr(source, preflight(source), tmp_path / "work", progress=lambda d, t: calls.append((d, t)))
    assert result.per_page
    assert [(p.number, p.ok, p.text) for p in result.pages] == [(1, True, "쪽 1"), (2, False, ""), (3, True, "쪽 3")]
    assert "the reader of page 2 broke" in result.pages[1].reason
    assert result.failed == [result.pages[1]]
    assert calls == [(1, 3), (2, 3), (3, 3)]
    with pikepdf.open(result.archive) as archive, pikepdf.open(source) as original:
        assert len(archive.pages) == 3
        for kept, was in zip(archive.pages, original.pages, strict=True):
            [(_, image)] = kept.get_images().items()
            [(_, before)] = was.get_images().items()
            assert image.read_raw_bytes() == before.read_raw_bytes()
    assert result.pdfa == bool(claims_pdfa(result.archive))


# --- a page's own scan goes to Tesseract, not a rendering of it ---------------------------------


def jpeg_of(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80, dpi=(dpi, dpi))
    return buffer.getvalue()


def png_of(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def wrapped(tmp_path: Path, image: bytes, dpi: int, name: str = "scan.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(img2pdf.convert(image, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))))
    return path


def pixels(data: bytes) -> tuple[str, tuple[int, int], bytes, tuple[float, float]]:
    with Image.open(io.BytesIO(data)) as image:
        return image.format or "", image.size, image.tobytes(), tuple(round(d, 1) for d in image.info["dpi"])


def test_a_scanned_jpeg_page_is_handed_over_as_stored(tmp_path: Path) -> None:
    """The JPEG's own bytes, only its stated resolution set to what OCRmyPDF asked for."""
    jpeg = jpeg_of(gray_page((620, 877), lines=True), 72)  # states 72 dpi; the page says 75
    source = wrapped(tmp_path, jpeg, 75)
    scan = scanpage.embedded_scan(source, 1, (75.0, 75.0))
    assert scan is not None
    assert scan[:13] == jpeg[:13] and scan[18:] == jpeg[18:]  # nothing but the density changed
    assert pixels(scan) == ("JPEG", (620, 877), pixels(jpeg)[2], (75.0, 75.0))
    assert pixels(scanpage.embedded_scan(source, 1, (75.0, 75.0), (150.0, 150.0)) or b"")[3] == (150.0, 150.0)

    colour = jpeg_of(gray_page((620, 877), lines=True).convert("RGB"), 75)
    assert (
        pixels(scanpage.embedded_scan(wrapped(tmp_path, colour, 75, "rgb.pdf"), 1, (75.0, 75.0)) or b"")[:3]
        == (pixels(colour)[:3])
    )


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_scanned_png_page_is_handed_over_without_decoding_it(tmp_path: Path, mode: str) -> None:
    """img2pdf stores a PNG's compressed rows as they are; they are put back in a PNG file."""
    image = gray_page((620, 877), lines=True).convert(mode)
    source = wrapped(tmp_path, png_of(image, 75), 75)
    scan = scanpage.embedded_scan(source, 1, (75.0, 75.0))
    assert scan is not None and scan.startswith(b"\x89PNG")
    assert pixels(scan) == ("PNG", (620, 877), image.tobytes(), (75.0, 75.0))
    with pikepdf.open(source) as pdf:
        [(_, stored)] = pdf.pages[0].get_images().items()
        assert stored.read_raw_bytes() in scan  # the same compressed bytes, not encoded again


def test_a_page_that_is_not_just_its_scan_is_rendered(tmp_path: Path) -> None:
    """None, so Ghostscript renders it, whenever rendering could differ from the stored image."""
    jpeg = jpeg_of(gray_page((620, 877), lines=True), 75)
    plain = wrapped(tmp_path, jpeg, 75)
    assert scanpage.embedded_scan(plain, 1, (75.0, 75.0)) is not None
    # rendering at another resolution resamples the image
    assert scanpage.embedded_scan(plain, 1, (150.0, 150.0)) is None
    assert scanpage.embedded_scan(plain, 1, (75.0, 76.0)) is None

    def changed(name: str, change: Callable[[pikepdf.Pdf, pikepdf.Page], None]) -> Path:
        with pikepdf.open(plain) as pdf:
            change(pdf, pdf.pages[0])
            pdf.save(tmp_path / name)
        return tmp_path / name

    def image_of(page: pikepdf.Page) -> pikepdf.Stream:
        [(_, image)] = page.get_images().items()
        return image

    def draw(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        page.contents_add(pikepdf.Stream(pdf, b"0 0 0 rg 10 10 50 50 re f"), prepend=False)

    def half(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        page.Contents = pdf.make_stream(page.Contents.read_bytes().replace(b" cm", b" cm 0.5 0 0 0.5 0 0 cm", 1))

    def masked(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        image_of(page).SMask = pdf.make_stream(
            b"\xff" * 16,
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=4,
            Height=4,
            ColorSpace=pikepdf.Name.DeviceGray,
            BitsPerComponent=8,
        )

    def inverted(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        image_of(page).Decode = pikepdf.Array([1, 0])

    def no_jfif(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        image_of(page).write(b"\xff\xd8" + jpeg[20:], filter=pikepdf.Name.DCTDecode)  # APP0 (18 bytes) dropped

    def cmyk(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        image_of(page).ColorSpace = pikepdf.Name.DeviceCMYK

    def graphics_state(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:  # e.g. a blend mode
        page.Resources.ExtGState = pikepdf.Dictionary(GS0=pikepdf.Dictionary(BM=pikepdf.Name.Multiply))
        page.Contents = pdf.make_stream(b"/GS0 gs " + page.Contents.read_bytes())

    def twice(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:
        page.Contents = pdf.make_stream(page.Contents.read_bytes() + b"\n" + page.Contents.read_bytes())

    def inline_image(pdf: pikepdf.Pdf, page: pikepdf.Page) -> None:  # a stamp over the scan
        stamp = b"\nq 20 0 0 20 10 10 cm BI /W 1 /H 1 /CS /G /BPC 8 ID \x00 EI Q"
        page.Contents = pdf.make_stream(page.Contents.read_bytes() + stamp)

    for name, change in [
        ("rotated.pdf", lambda pdf, page: setattr(page, "Rotate", 90)),
        ("drawn-on.pdf", draw),
        ("half-size.pdf", half),
        ("masked.pdf", masked),
        ("inverted.pdf", inverted),
        ("no-jfif.pdf", no_jfif),
        ("cmyk.pdf", cmyk),
        ("graphics-state.pdf", graphics_state),
        ("twice.pdf", twice),
        ("inline-image.pdf", inline_image),
    ]:
        assert scanpage.embedded_scan(changed(name, change), 1, (75.0, 75.0)) is None, name

    png = wrapped(tmp_path, png_of(gray_page((620, 877), lines=True), 75), 75, "png.pdf")
    assert scanpage.embedded_scan(png, 1, (75.0, 75.0)) is not None
    with pikepdf.open(png) as pdf:  # TIFF predictors: the compressed rows are no PNG data
        image_of(pdf.pages[0]).DecodeParms.Predictor = 2
        pdf.save(tmp_path / "tiff-predictor.pdf")
    assert scanpage.embedded_scan(tmp_path / "tiff-predictor.pdf", 1, (75.0, 75.0)) is None

    typed = tmp_path / "typed.pdf"  # a born-digital page: text, no image
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Minutes")
    document.output(str(typed))
    assert scanpage.embedded_scan(typed, 1, (75.0, 75.0)) is None


@needs_data
@needs_tesseract
def test_ghostscript_renders_only_the_page_that_is_more_than_its_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 1 is a plain scan: Tesseract reads the JPEG itself and its text is bare Tesseract's.
    Page 2 is larger than its scan, so OCRmyPDF has Ghostscript render it, as before."""
    gs = shutil.which("gs")
    assert gs is not None
    calls = tmp_path / "gs-calls.txt"
    shim = tmp_path / "bin" / "gs"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {gs} "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")

    first, second = DATA / "images" / "myeongjo_p1_scan150.jpg", DATA / "images" / "gothic_p1_scan150.jpg"
    made = tmp_path / "made.pdf"
    made.write_bytes(img2pdf.convert([str(first), str(second)]))
    source = tmp_path / "two.pdf"
    with pikepdf.open(made) as pdf:
        x0, y0, x1, y1 = (float(v) for v in pdf.pages[1].mediabox)
        pdf.pages[1].mediabox = pikepdf.Array([x0, y0, x1 + 12, y1 + 12])  # a white margin beside the scan
        pdf.save(source)

    result = ocr(source, preflight(source), tmp_path / "work")
    renders = [line for line in calls.read_text(encoding="utf-8").splitlines() if "-sDEVICE=png" in line]
    assert len(renders) == 1 and "-dFirstPage=2 " in renders[0], renders
    assert [p.ok for p in result.pages] == [True, True] and not result.per_page and result.pdfa
    bare = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [shutil.which("tesseract") or "tesseract", str(first), "-", "-l", "kor", "--psm", "6"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout
    assert result.pages[0].text == bare.strip()
    assert cer(result.pages[1].text, truth("gothic_p1")) <= MAX_CER
    assert [n > 100 for n in chars_per_page(result.archive)] == [True, True]  # each has a text layer


# --- real OCR on the shared test set ----------------------------------------------------------


@pytest.fixture(scope="module")
def image_only(tmp_path_factory: pytest.TempPathFactory) -> tuple[OcrResult, Checked, list[tuple[int, int]]]:
    if not (DATA / "manifest.json").exists() or shutil.which("tesseract") is None:
        pytest.skip(f"needs Tesseract and the shared test set at {DATA}")
    source = DATA / "scanned_no_text_layer_200dpi.pdf"
    checked = preflight(source)
    calls: list[tuple[int, int]] = []
    work = tmp_path_factory.mktemp("image-only")
    result = ocr(source, checked, work, progress=lambda done, total: calls.append((done, total)))
    return result, checked, calls


@needs_data
@needs_tesseract
def test_an_image_only_pdf_is_read_within_3_percent_cer(
    image_only: tuple[OcrResult, Checked, list[tuple[int, int]]],
) -> None:
    result, checked, calls = image_only
    assert (checked.kind, checked.pages) == (Kind.PDF, 3)
    assert [(p.number, p.ok) for p in result.pages] == [(1, True), (2, True), (3, True)]
    errors = [cer(p.text, truth(f"myeongjo_p{p.number}")) for p in result.pages]
    assert sum(errors) / 3 <= MAX_CER, errors
    assert not result.per_page
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert result.engine.startswith("OCRmyPDF 17.") and result.engine.endswith("kor psm 6")


@needs_data
@needs_tesseract
def test_the_archive_is_a_pdf_a_with_every_page(image_only: tuple[OcrResult, Checked, list[tuple[int, int]]]) -> None:
    result, _, _ = image_only
    assert result.archive.read_bytes()[:5] == b"%PDF-"
    with pikepdf.open(result.archive) as pdf:
        assert len(pdf.pages) == 3
        assert pdf.open_metadata()["pdfaid:part"] == "2"
    assert result.pdfa
    assert all(n > 100 for n in chars_per_page(result.archive))  # each page has a text layer


@needs_data
@needs_tesseract
def test_a_300_dpi_scan_jpeg_is_read_within_3_percent_cer(tmp_path: Path) -> None:
    source = tmp_path / "scan.jpeg"
    shutil.copy(DATA / "images" / "myeongjo_p1_scan300.jpg", source)
    checked = preflight(source)
    assert checked.kind is Kind.JPEG
    result = ocr(source, checked, tmp_path / "work")
    [page] = result.pages
    assert page.ok
    assert cer(page.text, truth("myeongjo_p1")) <= MAX_CER
    assert result.pdfa
    with pikepdf.open(result.archive) as pdf:  # an A4 page: the JPEG's 300 dpi was used
        assert [round(float(x)) for x in pdf.pages[0].mediabox] == [0, 0, 595, 842]


@needs_data
@needs_tesseract
def test_a_page_that_cannot_be_read_does_not_lose_the_others(tmp_path: Path) -> None:
    """Page 2's image stream is not valid Flate data: OCRmyPDF rejects the whole file, so each
    page is read on its own; page 2 is kept as it was, pages 1 and 3 keep their text."""
    middle = io.BytesIO()
    gray_page((1240, 1754), lines=True).save(middle, format="PNG")
    made = tmp_path / "made.pdf"
    made.write_bytes(
        img2pdf.convert(
            [
                str(DATA / "images" / "myeongjo_p1_scan150.jpg"),
                middle.getvalue(),
                str(DATA / "images/gothic_p1_scan150.jpg"),
            ],
            layout_fun=img2pdf.get_fixed_dpi_layout_fun((150, 150)),
        )
    )
    source = tmp_path / "one-bad-page.pdf"
    with pikepdf.open(made) as pdf:
        [(_, image)] = pdf.pages[1].get_images().items()
        image.write(b"this is not deflate data " * 40, filter=pikepdf.Name.FlateDecode)
        pdf.save(source)
        broken = image.read_raw_bytes()

    calls: list[tuple[int, int]] = []
    result = ocr(source, preflight(source), tmp_path / "work", progress=lambda d, t: calls.append((d, t)))
    assert result.per_page
    assert [p.ok for p in result.pages] == [True, False, True]
    assert result.pages[1].text == "" and "kept as scanned" in result.pages[1].reason
    assert cer(result.pages[0].text, truth("myeongjo_p1")) <= MAX_CER
    assert cer(result.pages[2].text, truth("gothic_p1")) <= MAX_CER
    assert calls == [(1, 3), (2, 3), (3, 3)]
    with pikepdf.open(result.archive) as pdf:
        assert len(pdf.pages) == 3
        [(_, kept)] = pdf.pages[1].get_images().items()
        assert kept.read_raw_bytes() == broken  # the failed page, untouched
    assert [n > 100 for n in chars_per_page(result.archive)] == [True, False, True]
    # its damaged stream would make a PDF/A claim false: saved as a plain PDF, and said so
    assert not result.pdfa
    assert claims_pdfa(result.archive) == ""


@needs_tesseract
def test_a_blank_page_is_read_and_has_no_text(tmp_path: Path) -> None:
    source = tmp_path / "blank.png"
    gray_page((1654, 2339), lines=False).save(source, dpi=(200, 200))
    result = ocr(source, preflight(source), tmp_path / "work")
    assert result.pages == [PageText(1, "", True, NO_TEXT)]
    assert result.pdfa


@needs_tesseract
def test_a_scan_is_made_pdf_a_by_pikepdf_and_by_ocrmypdf_when_pikepdf_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "scan.png"
    gray_page((827, 1169), lines=True).save(source, dpi=(100, 100))
    checked = preflight(source)
    runs: list[tuple[str, bool]] = []
    real_run = engine.run_ocrmypdf

    def counted(*args: object, **kwargs: Any) -> Run:
        runs.append((kwargs["output_type"], kwargs.get("checked", True)))
        return real_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "run_ocrmypdf", counted)
    result = ocr(source, checked, tmp_path / "work")
    assert runs == [("pdf", False)]  # one OCRmyPDF run, a plain PDF through stdout
    assert result.pdfa and claims_pdfa(result.archive) == "2B"
    assert pikepdf.pdfa.validate_written(result.archive, "2b").verdict == "pass"

    def refuses(pdf: pikepdf.Pdf, *args: object, **kwargs: object) -> None:
        pdf.save(tmp_path / "plain.pdf")  # as it is: no PDF/A declaration, so the validator fails it
        raise pikepdf.pdfa.PdfaError(pikepdf.pdfa.validate_written(tmp_path / "plain.pdf", "2b"))

    runs.clear()
    monkeypatch.setattr(pikepdf.pdfa, "save", refuses)
    again = ocr(source, checked, tmp_path / "again")
    assert runs == [("pdf", False), ("pdfa", True)]  # OCRmyPDF makes the PDF/A itself
    assert again.pdfa and claims_pdfa(again.archive) == "2B"


@needs_data
@needs_tesseract
def test_a_born_digital_page_keeps_its_own_text(tmp_path: Path) -> None:
    """Page 1 is a scan and is OCR'd; page 2 already has text, which is used and not OCR'd."""
    if not NANUM.exists():
        pytest.skip(f"{NANUM} is missing (Debian's fonts-nanum)")
    from fpdf import FPDF

    sentence = "공공기관은 기록물을 생산하거나 접수한 때에는 등록번호를 부여한다."
    typed = FPDF(format="A4")
    typed.add_font("nanum", fname=str(NANUM))
    typed.add_page()
    typed.set_font("nanum", size=12)
    typed.cell(text=sentence)
    scan = img2pdf.convert(str(DATA / "images" / "gothic_p2_scan150.jpg"))
    source = tmp_path / "mixed.pdf"
    with pikepdf.open(io.BytesIO(scan)) as first, pikepdf.open(io.BytesIO(bytes(typed.output()))) as second:
        first.pages.extend(second.pages)
        first.save(source)

    result = ocr(source, preflight(source), tmp_path / "work")
    scanned, digital = result.pages
    assert scanned.ok and scanned.reason == ""
    assert cer(scanned.text, truth("gothic_p2")) <= MAX_CER
    assert (digital.ok, digital.reason, digital.text) == (True, OWN_TEXT, sentence)
    assert result.pdfa == bool(claims_pdfa(result.archive))
    with pikepdf.open(result.archive) as pdf:
        assert len(pdf.pages) == 2
