"""A scanned page as Tesseract should read it: the image a PDF page stores, taken out as it is.

Loaded inside OCRmyPDF's process by our plugin (``seoul.records.engine.ocr``), so it imports no
more than OCRmyPDF has loaded already (pikepdf): every OCRmyPDF run pays for this module's
imports before its first page.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pikepdf

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def embedded_scan(
    document: Path, number: int, raster_dpi: tuple[float, float], page_dpi: tuple[float, float] | None = None
) -> bytes | None:
    """Page ``number`` of ``document`` as an image file for Tesseract, taken from the PDF as it
    is stored, when rendering the page at ``raster_dpi`` could only reproduce that image; else None.

    That is the case when the page paints nothing but one 8-bit grey or RGB image, unmasked and
    not rotated, over its whole media box, at exactly ``raster_dpi``: a scan wrapped by img2pdf or
    a scanner. A JPEG is returned as stored (its JFIF resolution set to ``page_dpi``, default
    ``raster_dpi``); a Flate image with PNG predictors, as a PNG around the same compressed bytes.
    Tesseract then reads the pixels bare Tesseract reads from the image file, and nothing is
    rendered, decoded or encoded again. Anything else (other filters or colour spaces, text or
    vector content, a crop, a transparency mask) returns None and is rendered by Ghostscript.
    """
    dpi = page_dpi or raster_dpi
    with pikepdf.open(document) as pdf:
        page = pdf.pages[number - 1]
        if int(page.obj.get("/Rotate", 0)) % 360 or float(page.obj.get("/UserUnit", 1)) != 1:
            return None
        box = [float(v) for v in page.mediabox]
        width_pt, height_pt = box[2] - box[0], box[3] - box[1]
        painted = _painted_image(page)
        if painted is None:
            return None
        name, ctm = painted
        if any(abs(a - b) > 0.01 for a, b in zip(ctm, (width_pt, 0, 0, height_pt, box[0], box[1]), strict=True)):
            return None  # the image does not cover exactly the media box
        image = page.resources.get("/XObject", pikepdf.Dictionary()).get(name)
        if not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != pikepdf.Name.Image:
            return None
        if any(key in image for key in ("/ImageMask", "/Mask", "/SMask", "/Decode")):
            return None
        colour_space = image.get("/ColorSpace")
        channels = 1 if colour_space == pikepdf.Name.DeviceGray else 3 if colour_space == pikepdf.Name.DeviceRGB else 0
        if not channels or int(image.get("/BitsPerComponent", 0)) != 8:
            return None
        width, height = int(image.Width), int(image.Height)
        if abs(width - width_pt / 72 * raster_dpi[0]) > 0.5 or abs(height - height_pt / 72 * raster_dpi[1]) > 0.5:
            return None  # rendering at raster_dpi would resample it
        filters, parms = _single_filter(image)
        if filters == pikepdf.Name.DCTDecode and parms is None:
            return _with_jfif_density(image.read_raw_bytes(), dpi)
        if filters == pikepdf.Name.FlateDecode and parms is not None:
            if (
                int(parms.get("/Predictor", 1)) < 10  # not PNG predictors: the bytes are no PNG data
                or int(parms.get("/Colors", 1)) != channels
                or int(parms.get("/BitsPerComponent", 8)) != 8
                or int(parms.get("/Columns", 1)) != width
            ):
                return None
            return _png(image.read_raw_bytes(), width, height, channels, dpi)
        return None


def _painted_image(page: pikepdf.Page) -> tuple[pikepdf.Name, list[float]] | None:
    """The name of the one image a page paints and the matrix it is painted with, or None when
    the page does anything else (text, paths, a second image, inline images)."""
    ctm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    saved: list[list[float]] = []
    painted: list[tuple[pikepdf.Name, list[float]]] = []
    for instruction in pikepdf.parse_content_stream(page):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            return None  # an inline image
        operands, op = instruction.operands, str(instruction.operator)
        if op == "q":
            saved.append(ctm)
        elif op == "Q" and saved:
            ctm = saved.pop()
        elif op == "cm" and len(operands) == 6:
            a, b, c, d, e, f = (float(v) for v in operands)
            ctm = [
                a * ctm[0] + b * ctm[2],
                a * ctm[1] + b * ctm[3],
                c * ctm[0] + d * ctm[2],
                c * ctm[1] + d * ctm[3],
                e * ctm[0] + f * ctm[2] + ctm[4],
                e * ctm[1] + f * ctm[3] + ctm[5],
            ]
        elif op == "Do" and len(operands) == 1 and isinstance(operands[0], pikepdf.Name):
            painted.append((operands[0], ctm))
        else:
            return None  # text, paths, shadings, graphics states: the page is more than its scan
    return painted[0] if len(painted) == 1 else None


def _single_filter(image: pikepdf.Stream) -> tuple[pikepdf.Object | None, pikepdf.Dictionary | None]:
    """An image's one filter and its parameters (None for a second filter: then no filter fits)."""
    filters, parms = image.get("/Filter"), image.get("/DecodeParms")
    if isinstance(filters, pikepdf.Array):
        if len(filters) != 1:
            return None, None
        filters = filters[0]
    if isinstance(parms, pikepdf.Array):
        parms = parms[0] if len(parms) == 1 else None
    return filters, parms if isinstance(parms, pikepdf.Dictionary) else None


def _with_jfif_density(jpeg: bytes, dpi: tuple[float, float]) -> bytes | None:
    """The JPEG with its JFIF header stating ``dpi``, or None if it has none to state it in (an
    Adobe or Exif JPEG: adding a JFIF header could change how its colours are read)."""
    if jpeg[:4] != b"\xff\xd8\xff\xe0" or jpeg[6:11] != b"JFIF\x00":
        return None
    density = [max(1, min(65535, round(d))) for d in dpi]
    return jpeg[:13] + struct.pack(">BHH", 1, *density) + jpeg[18:]  # units 1: dots per inch


def _png(predicted: bytes, width: int, height: int, channels: int, dpi: tuple[float, float]) -> bytes:
    """A PNG file around Flate data with PNG predictors, which is what PNG's IDAT holds."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    colour_type = 0 if channels == 1 else 2  # greyscale, truecolour
    per_metre = [max(1, round(d / 0.0254)) for d in dpi]
    return b"".join(
        (
            _PNG_SIGNATURE,
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)),
            chunk(b"pHYs", struct.pack(">IIB", *per_metre, 1)),
            chunk(b"IDAT", predicted),
            chunk(b"IEND", b""),
        )
    )
