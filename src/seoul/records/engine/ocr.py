"""Reads a checked scan with OCRmyPDF and Tesseract: a PDF/A archive copy and the text of each page.

How it runs
    OCRmyPDF runs in a child process, with its command-line options, not through its Python API
    in ours. It runs its own pool of workers, which does not mix well with a web server's or a
    task runner's threads and processes; a child process also keeps a crash or a runaway page out
    of the caller, can be killed as a whole (with its Tesseract processes) when it overruns, and
    gets ``OMP_THREAD_LIMIT=1`` in its own environment. That setting matters: OCRmyPDF lets
    Tesseract use several OpenMP threads when a file has fewer pages than ``--jobs``, and on two
    cores that is several times slower than one thread per page with pages in parallel.

    The child is forked from a warm worker (:mod:`ocrworker`), a process that has imported
    OCRmyPDF once, so a run does not spend most of a second of CPU starting Python and importing
    it (and its page workers start warm too); if no worker can be had, ``python -m ocrmypdf``
    is started instead. Either way the run is the same command line, in its own process group.

    Options: ``-l kor --tesseract-pagesegmode 6`` (one block of text: Tesseract's automatic
    layout analysis splits and reorders the lines of these pages), ``--optimize 0`` (page images
    are kept as they were scanned), ``--rasterizer ghostscript``, ``--pdf-renderer sandwich`` and
    ``--sidecar``. A scan (no page with text) is read with ``--output-type pdf`` into a plain
    PDF written through stdout, and pikepdf saves that as PDF/A-2b, validating the bytes it
    wrote (:func:`read_pdf`); should it refuse, OCRmyPDF runs again with ``--output-type pdfa``.

    Tesseract reads the scan itself where it can: a page that is nothing but one scanned image
    at its own resolution (what img2pdf and most scanners make) is handed to Tesseract as the
    image stored in the PDF, by our OCRmyPDF plugin (``scanpage.embedded_scan``). The text is
    then exactly bare Tesseract's on the image file, and no time goes into rendering the page,
    encoding it as PNG and decoding that again (0.34 s of CPU a page on the shared pages). Any
    other page is rendered by Ghostscript, which hands Tesseract a scan's pixels as they are
    stored (CER 2.41 % on the shared scan200 pages), where pypdfium2, OCRmyPDF's default,
    resamples them (2.93 %); pages with vector text, where pypdfium2 renders better, are not
    OCR'd (see below).

    The sandwich renderer has Tesseract write each page's invisible text layer as a PDF, which
    OCRmyPDF grafts onto the page while the other pages are read. OCRmyPDF's default renderer
    lays out the text from hOCR with fpdf2 in Python, for all pages after the last one is read:
    about 0.2 s a page on one core, with the other idle. A PDF reader's text selection puts a
    space between the Korean syllables of the sandwich layer (the hOCR layer loses the spaces
    between words); neither matters here, as the sidecar text is what is indexed.

    Images are first wrapped in a PDF with img2pdf at their stated resolution; an image that
    states none is taken to be an A4 page. So OCRmyPDF always gets a PDF, and a multi-page TIFF
    can be split into pages like any PDF.

    A PDF where some page has text already (a born-digital page) is run with ``--mode skip``:
    such pages are not OCR'd and their own text is used. Ghostscript 10.0 to 10.02.0 corrupts
    such files, and OCRmyPDF refuses the combination, so these runs make PDF/A with pikepdf
    only (``--pdfa-backend internal``). When OCRmyPDF cannot make a PDF/A (exit code 10) the
    file is run again with ``--output-type pdf`` and the result says ``pdfa=False``.

    The text of a page is OCRmyPDF's sidecar text, never text read back from the PDF's text
    layer, which loses the spaces between Korean words.

When something fails
    If the whole-file run fails, the file is split into single pages and each page is run on
    its own (``jobs`` at a time). A page that fails again is kept in the archive as it was, with
    no text, and is reported with ``ok=False`` and a reason; the other pages keep their text.
    See :func:`assemble` for whether that rebuilt archive is still PDF/A.

Pages without text
    A page where OCR found nothing (a blank page, a photograph) is not a failure: it has
    ``ok=True``, empty text and the reason :data:`NO_TEXT`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import img2pdf
import pikepdf
import pikepdf.pdfa
import pypdfium2
from PIL import Image, ImageSequence

from seoul.records.engine import ocrworker
from seoul.records.engine.ocrworker import Started
from seoul.records.engine.preflight import Checked, Kind

log = logging.getLogger(__name__)

PSM = 6  # Tesseract page segmentation: a single uniform block of text
PAGE_TIMEOUT_S = 180.0  # Tesseract gives up on one page after this long
NO_TEXT = "no text found on this page"
OWN_TEXT = "the page already had text, which is used as it is (not OCR'd)"
TESSERACT_SKIPPED = "[skipped page]"  # OCRmyPDF's sidecar text for a page Tesseract gave up on
_NOT_OCRED = re.compile(r"\[OCR skipped on page\(s\) (\d+)(?:-(\d+))?\]")  # sidecar, pages not OCR'd
_PROGRESS = "@@seoul-ocr-progress"
A4_INCHES = (8.27, 11.69)

# OCRmyPDF exit codes that mean the set-up is wrong, which running page by page cannot mend.
SETUP_ERRORS = {1: "bad arguments", 3: "a program it needs is missing", 8: "the PDF is encrypted", 9: "bad settings"}
ALREADY_HAS_TEXT = 6
NOT_PDFA = 10
_MEANING = {
    2: "the input could not be read",
    4: "the output did not pass the PDF check",
    6: "a page has text already",
    7: "a helper program failed",
    10: "the conversion to PDF/A failed",
    15: "an unexpected error",
}

_SOURCE_ROOT = Path(__file__).resolve().parents[3]  # the folder that holds the seoul package

# Loaded into OCRmyPDF with --plugin: reports each page's progress as a line on stderr, and hands
# Tesseract a page's own scan instead of a Ghostscript rendering of it (see embedded_scan).
_PLUGIN = f'''"""Written by seoul.records.engine.ocr: page progress on stderr; a page's own scan for OCR."""
import logging
import sys
from pathlib import Path

from ocrmypdf import hookimpl

try:
    from seoul.records.engine.scanpage import embedded_scan
except ImportError:  # OCRmyPDF runs with our interpreter, but the source tree may not be installed
    sys.path.insert(0, {str(_SOURCE_ROOT)!r})
    from seoul.records.engine.scanpage import embedded_scan

log = logging.getLogger("seoul.records.engine.ocr.plugin")


class Progress:
    def __init__(self, *, total=None, desc=None, unit=None, disable=False, **kwargs):
        self.total, self.desc, self.unit, self.done = total, desc, unit, 0.0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1, *, completed=None):
        self.done = completed if completed is not None else self.done + n
        if self.desc == "OCR" and self.unit == "page":
            print("{_PROGRESS}", self.done, self.total, file=sys.stderr, flush=True)


@hookimpl
def get_progressbar_class():
    return Progress


@hookimpl
def rasterize_pdf_page(input_file, output_file, raster_dpi, pageno, page_dpi, rotation, filter_vector, use_cropbox):
    # None hands the page to the next rasterizer, Ghostscript (--rasterizer ghostscript)
    if rotation or filter_vector or use_cropbox:
        return None
    try:
        scan = embedded_scan(Path(input_file), pageno, (raster_dpi.x, raster_dpi.y), page_dpi and (page_dpi.x, page_dpi.y))
    except Exception as exc:  # a page we cannot take apart is Ghostscript's to render
        log.debug("page %d: not taken as it is (%s)", pageno, exc)
        return None
    if scan is None:
        return None
    Path(output_file).write_bytes(scan)
    log.debug("page %d: its own scan goes to OCR, without rendering", pageno)
    return output_file
'''


class OcrError(Exception):
    """Nothing could be read: OCRmyPDF is not set up right, or the file cannot be split into pages."""


@dataclass(frozen=True)
class PageText:
    """The text of one page (numbered from 1). ``ok`` is False when OCR failed on the page;
    ``reason`` then says why. A page read without error but with no text has ``ok=True`` and
    the reason :data:`NO_TEXT`."""

    number: int
    text: str
    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class OcrResult:
    """The archive copy (a PDF with every page of the source), each page's text, whether the
    archive is PDF/A, the wall-clock seconds taken, which engine read it, and whether the
    page-by-page fallback was needed."""

    archive: Path
    pages: list[PageText]
    pdfa: bool
    seconds: float
    engine: str
    per_page: bool = False

    @property
    def failed(self) -> list[PageText]:
        return [p for p in self.pages if not p.ok]


@dataclass(frozen=True)
class Run:
    """What one OCRmyPDF process did: its exit code (negative if it was killed by a signal),
    whether we killed it for overrunning, the last lines it wrote to stderr, and the output type
    it was asked for ("pdfa" or "pdf")."""

    returncode: int
    timed_out: bool
    log: list[str]
    output_type: str = "pdfa"

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def why(self, timeout: float) -> str:
        """What went wrong, in a few words."""
        if self.timed_out:
            return f"it took longer than {timeout:.0f} s"
        meaning = SETUP_ERRORS.get(self.returncode) or _MEANING.get(self.returncode)
        if meaning is None:
            meaning = f"it stopped with code {self.returncode}"
        errors = [line.strip() for line in self.log if line.startswith(("ERROR", "[Errno")) or "Error" in line]
        return f"{meaning}: {errors[-1][:160]}" if errors else meaning


@cache
def tesseract_version() -> str:
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [shutil.which("tesseract") or "tesseract", "--version"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    words = (out.stdout or out.stderr).split()
    return words[1] if len(words) > 1 and words[0] == "tesseract" else "?"


def engine_name(language: str = "kor") -> str:
    """Like "OCRmyPDF 17.13.0 / Tesseract 5.3.0 kor psm 6"."""
    try:
        ocrmypdf_version = version("ocrmypdf")
    except PackageNotFoundError:
        ocrmypdf_version = "?"
    return f"OCRmyPDF {ocrmypdf_version} / Tesseract {tesseract_version()} {language} psm {PSM}"


class _Progress:
    """Calls ``progress(done, total)`` once per page as pages finish: done counts 1, 2, ...,
    total and never goes back, even when the fallback starts the pages again."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total, self.progress, self.done = total, progress, 0

    def reached(self, done: int) -> None:
        while self.done < min(done, self.total):
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)


def ocr(
    source: Path,
    checked: Checked,
    workdir: Path,
    *,
    language: str = "kor",
    jobs: int = 2,
    progress: Callable[[int, int], None] | None = None,
    page_timeout: float = PAGE_TIMEOUT_S,
) -> OcrResult:
    """Read ``source`` (already passed by preflight as ``checked``) into ``workdir``.

    ``jobs`` pages are read at a time, each by one single-threaded Tesseract. The archive is
    ``workdir/archive.pdf``; the caller owns ``workdir`` and removes it when done. Raises
    :class:`OcrError` only when nothing could be read at all; a page that fails is reported in
    the result instead.
    """
    started = time.perf_counter()
    workdir.mkdir(parents=True, exist_ok=True)
    total = checked.pages
    counter = _Progress(total, progress)
    document = source if checked.kind is Kind.PDF else image_to_pdf(source, checked, workdir / "input.pdf")
    archive, sidecar = workdir / "archive.pdf", workdir / "sidecar.txt"
    timeout = 120 + math.ceil(total / max(1, jobs)) * (page_timeout + 60)
    run = read_pdf(
        document,
        archive,
        sidecar,
        workdir=workdir,
        language=language,
        jobs=jobs,
        page_timeout=page_timeout,
        timeout=timeout,
        on_page=counter.reached,
    )
    if run.returncode in SETUP_ERRORS:
        raise OcrError(f"OCRmyPDF could not start: {run.why(timeout)}")
    pages = _whole_file_pages(run, document, archive, sidecar, total, page_timeout)
    if pages is not None:
        counter.reached(total)
        with pikepdf.open(archive) as pdf:  # OCRmyPDF exits 0 only when it approved its PDF/A; check the claim
            pdfa = run.output_type == "pdfa" and pdf.open_metadata().pdfa_status.upper().startswith("2")
        return OcrResult(archive, pages, pdfa, time.perf_counter() - started, engine_name(language))

    log.warning("OCR of the whole file failed (%s); reading it page by page", run.why(timeout))
    pages, parts = page_by_page(
        document,
        workdir / "pages",
        language=language,
        jobs=jobs,
        page_timeout=page_timeout,
        on_page=counter.reached,
    )
    pdfa = assemble(parts, archive)
    counter.reached(total)
    return OcrResult(archive, pages, pdfa, time.perf_counter() - started, engine_name(language), per_page=True)


def _whole_file_pages(
    run: Run, document: Path, archive: Path, sidecar: Path, total: int, page_timeout: float
) -> list[PageText] | None:
    """The pages of a whole-file run, or None if the run failed or its output is incomplete."""
    if not run.ok or not archive.exists() or not sidecar.exists():
        return None
    try:
        texts = split_sidecar(sidecar.read_text(encoding="utf-8"), total)
        with pikepdf.open(archive) as pdf:
            if len(pdf.pages) != total:
                return None
    except (ValueError, pikepdf.PdfError) as exc:
        log.warning("OCRmyPDF's output does not match the input: %s", exc)
        return None
    return [page_text(n, text, document, page_timeout) for n, text in enumerate(texts, start=1)]


def split_sidecar(text: str, pages: int) -> list[str | None]:
    """Split OCRmyPDF's sidecar into the text of each page.

    Pages are separated by a form feed. OCRmyPDF writes one marker, "[OCR skipped on page(s)
    2-4]", for a run of pages it did not OCR (here: pages that had text already); those pages
    come back as None. A page Tesseract gave up on reads "[skipped page]". Raises ValueError
    when the sidecar does not hold ``pages`` pages.
    """
    found: list[str | None] = []
    for section in text.split("\f"):
        marker = _NOT_OCRED.fullmatch(section.strip())
        if marker is None:
            found.append(section)
            continue
        first, last = int(marker[1]), int(marker[2] or marker[1])
        if first != len(found) + 1 or last < first:
            raise ValueError(f"the sidecar skips pages {first}-{last} after page {len(found)}")
        found.extend([None] * (last - first + 1))
    if len(found) != pages:
        raise ValueError(f"the sidecar has {len(found)} pages, the file {pages}")
    return found


def page_text(
    number: int, text: str | None, document: Path, page_timeout: float, *, index: int | None = None
) -> PageText:
    """Page ``number``'s result from its sidecar section; None means the page was not OCR'd
    because it had text, which is then read from page ``index`` (default ``number``) of
    ``document``."""
    if text is None:
        own = own_text(document, index or number)
        return PageText(number, own, True, OWN_TEXT if own else NO_TEXT)
    text = text.strip()
    if text == TESSERACT_SKIPPED:
        return PageText(
            number,
            "",
            False,
            f"Tesseract gave up on this page (it took longer than {page_timeout:.0f} s, or the image "
            "is too large); the page is kept as scanned, without text",
        )
    return PageText(number, text, True, "" if text else NO_TEXT)


def own_text(document: Path, number: int) -> str:
    """The text a page of a PDF already carries (a born-digital page, not an OCR layer)."""
    pdf = pypdfium2.PdfDocument(document)
    try:
        textpage = pdf[number - 1].get_textpage()
        return str(textpage.get_text_bounded()).replace("\r\n", "\n").strip()
    finally:
        pdf.close()


def image_to_pdf(source: Path, checked: Checked, target: Path) -> Path:
    """Wrap an image (every frame of a TIFF) in a PDF, one page per frame, without re-encoding.

    The page size comes from the resolution the image states; an image that states none (or an
    implausible one, below 70 dpi) is taken to be an A4 page. Images img2pdf cannot embed as
    they are (with an alpha channel, for instance) are flattened onto white and stored as PNG.
    """
    dpi = checked.dpi if checked.dpi and min(checked.dpi) >= 70 else _a4_dpi(source)
    layout = img2pdf.get_fixed_dpi_layout_fun(dpi)
    try:
        target.write_bytes(img2pdf.convert(str(source), layout_fun=layout))
    except Exception as exc:  # img2pdf raises its own and Pillow's errors for what it cannot embed
        log.info("img2pdf cannot embed %s as it is (%s); flattening it", source.name, exc)
        frames = _flattened(source, target.parent / "flattened")
        target.write_bytes(img2pdf.convert([str(f) for f in frames], layout_fun=layout))
    return target


def _a4_dpi(source: Path) -> tuple[float, float]:
    with Image.open(source) as image:
        short, long = sorted(image.size)
    dpi = max(72.0, min(1200.0, round(max(short / A4_INCHES[0], long / A4_INCHES[1]))))
    return dpi, dpi


def _flattened(source: Path, folder: Path) -> list[Path]:
    folder.mkdir(exist_ok=True)
    frames: list[Path] = []
    with Image.open(source) as image:
        for n, frame in enumerate(ImageSequence.Iterator(image), start=1):
            rgba = frame.convert("RGBA")
            page = Image.new("RGB", rgba.size, "white")
            page.paste(rgba, mask=rgba.getchannel("A"))
            path = folder / f"{n:04d}.png"
            page.save(path)
            frames.append(path)
    return frames


def has_text(document: Path) -> bool:
    """Whether any page of the PDF carries text (born-digital text, or an earlier OCR layer)."""
    pdf = pypdfium2.PdfDocument(document)
    try:
        for page in pdf:
            textpage = page.get_textpage()
            try:
                if textpage.count_chars() > 0:
                    return True
            finally:
                textpage.close()
                page.close()
        return False
    finally:
        pdf.close()


def read_pdf(
    document: Path,
    output: Path,
    sidecar: Path,
    *,
    workdir: Path,
    language: str,
    jobs: int,
    page_timeout: float,
    timeout: float,
    on_page: Callable[[int], None] | None = None,
) -> Run:
    """OCR a PDF with OCRmyPDF, in skip mode if it has text, and again as a plain PDF if
    OCRmyPDF cannot make it PDF/A. Returns the last run.

    A scan (no text on any page) is read into a plain PDF, which pikepdf then saves as PDF/A-2b
    and validates once; OCRmyPDF would validate its PDF/A twice (before and after its metadata
    step) and decode every image again to check its output, a second or more per run of work
    on one core with the other idle. Should pikepdf not approve the file, OCRmyPDF runs again
    as below, where Ghostscript can still make the PDF/A."""
    try:
        mode = "skip" if has_text(document) else "default"
    except pypdfium2.PdfiumError:
        mode = "default"  # let OCRmyPDF say what is wrong with it
    common: dict[str, Any] = {
        "workdir": workdir,
        "language": language,
        "jobs": jobs,
        "page_timeout": page_timeout,
        "timeout": timeout,
        "on_page": on_page,
    }
    if mode == "default":
        plain = workdir / "ocr.pdf"
        run = run_ocrmypdf(document, plain, sidecar, mode=mode, output_type="pdf", checked=False, **common)
        if run.ok:
            if _saved_as_pdfa(plain, output):
                return replace(run, output_type="pdfa")
        elif run.returncode == ALREADY_HAS_TEXT:
            mode = "skip"
        else:
            return run
    output_type = "pdfa"
    while True:
        run = run_ocrmypdf(document, output, sidecar, mode=mode, output_type=output_type, **common)
        if run.returncode == ALREADY_HAS_TEXT and mode == "default":
            mode = "skip"
        elif run.returncode == NOT_PDFA and output_type == "pdfa":
            output_type = "pdf"
        else:
            return run


def _saved_as_pdfa(plain: Path, output: Path) -> bool:
    """Save OCRmyPDF's plain PDF as PDF/A-2b at ``output``; False (and nothing written) if
    pikepdf's validator does not approve the bytes written."""
    with pikepdf.open(plain) as pdf:
        try:
            pikepdf.pdfa.save(pdf, output, "2b")
        except pikepdf.pdfa.PdfaError as exc:
            log.warning("pikepdf could not make the archive copy PDF/A (%s); OCRmyPDF tries", exc)
            return False
    return True


def run_ocrmypdf(
    document: Path,
    output: Path,
    sidecar: Path,
    *,
    workdir: Path,
    language: str,
    jobs: int,
    page_timeout: float,
    timeout: float,
    mode: str = "default",
    output_type: str = "pdfa",
    checked: bool = True,
    on_page: Callable[[int], None] | None = None,
) -> Run:
    """Run ``python -m ocrmypdf`` on a PDF and wait for it (killing it after ``timeout`` s).

    Its temporary files go to ``workdir/tmp``; ``on_page(done)`` is called as pages finish.
    With ``checked`` False the output is written through stdout, which OCRmyPDF does not read
    back to check (for a file that is checked after, by pikepdf's PDF/A validator).
    """
    plugin = workdir / "seoul_ocr_plugin.py"
    plugin.write_text(_PLUGIN, encoding="utf-8")  # always: a work folder may outlive a version of it
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "ocrmypdf",
        "--language",
        language,
        "--tesseract-pagesegmode",
        str(PSM),
        "--output-type",
        output_type,
        *(["--pdfa-backend", "internal"] if mode == "skip" else []),
        "--optimize",
        "0",
        "--rasterizer",
        "ghostscript",
        "--pdf-renderer",
        "sandwich",
        "--mode",
        mode,
        "--jobs",
        str(max(1, jobs)),
        "--tesseract-timeout",
        f"{page_timeout:g}",
        "--sidecar",
        str(sidecar.resolve()),
        "--plugin",
        str(plugin.resolve()),
        *([] if checked else ["--fast-web-view", "100000"]),  # it is saved again: no linearising
        str(document.resolve()),
        str(output.resolve()) if checked else "-",
    ]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "TMPDIR": str(tmp.resolve())}
    with contextlib.ExitStack() as stack:
        written = stack.enter_context((output if not checked else Path(os.devnull)).open("wb"))
        read_end, write_end = os.pipe()
        errors = stack.enter_context(open(read_end, encoding="utf-8", errors="replace"))
        try:
            process = _start(stack, command, env, written.fileno(), write_end)
        finally:
            os.close(write_end)  # the child holds it now; our copy would keep the pipe open
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        tail: deque[str] = deque(maxlen=40)
        try:
            for line in errors:
                if line.startswith(_PROGRESS):
                    if on_page is not None:
                        with contextlib.suppress(ValueError, IndexError):
                            on_page(int(float(line.split()[1])))
                else:
                    tail.append(line.rstrip())
            returncode = process.wait()
        except BaseException:
            kill()
            process.wait()
            raise
        finally:
            timer.cancel()
            timer.join()
    # the files are closed here, not when the garbage collector gets to them: pikepdf's PDF/A
    # validator (run next) records any warning raised while it parses, a ResourceWarning included
    return Run(returncode, killed.is_set(), list(tail), output_type)


def _start(stack: contextlib.ExitStack, command: list[str], env: dict[str, str], stdout: int, stderr: int) -> Started:
    """Start OCRmyPDF in a warm worker (:mod:`ocrworker`) or, failing that, as ``python -m ocrmypdf``.

    Either way it runs in its own process group (so a kill reaches its Tesseracts too), with
    ``stdout`` and ``stderr`` as its standard output and error."""
    for _attempt in range(2 if ocrworker.ENABLED else 0):  # an idle worker may have died unseen: once more
        worker = stack.enter_context(ocrworker.WORKERS.lend())
        if worker is None:
            break
        try:
            return worker.start(command[3:], env, stdout, stderr)
        except ocrworker.WorkerGone as exc:
            log.warning("an OCR worker process did not take the run (%s)", exc)
    return subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments, no shell
        command,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        env=env,
        start_new_session=True,
    )


def cpu_seconds() -> float:
    """CPU seconds of every OCRmyPDF run this process has waited for: its own child processes
    and the runs in warm workers (children of the worker, not of this process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime + ocrworker.WORKERS.cpu


def page_by_page(
    document: Path,
    folder: Path,
    *,
    language: str,
    jobs: int,
    page_timeout: float,
    on_page: Callable[[int], None] | None = None,
) -> tuple[list[PageText], list[Path]]:
    """Split ``document`` into one PDF per page and OCR each on its own, ``jobs`` at a time.

    Returns each page's result and the PDF to put in the archive for it: the OCR'd page, or the
    original page, copied untouched, when OCR failed on it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    try:
        singles = split_pages(document, folder)
    except pikepdf.PdfError as exc:
        raise OcrError(f"the file cannot be split into pages: {exc}") from exc
    done: dict[int, tuple[PageText, Path]] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="ocr-page") as pool:
        futures: dict[Future[tuple[PageText, Path]], tuple[int, Path]] = {
            pool.submit(ocr_page, n, single, language=language, page_timeout=page_timeout): (n, single)
            for n, single in enumerate(singles, start=1)
        }
        for future in as_completed(futures):
            number, single = futures[future]
            try:
                done[number] = future.result()
            except Exception as exc:
                log.exception("OCR of page %d failed", number)
                reason = f"OCR failed on this page ({exc}); the page is kept as scanned, without text"
                done[number] = (PageText(number, "", False, reason), single)
            if on_page is not None:
                on_page(len(done))
    ordered = [done[n] for n in sorted(done)]
    return [page for page, _ in ordered], [part for _, part in ordered]


def split_pages(document: Path, folder: Path) -> list[Path]:
    """One PDF per page of ``document`` in ``folder`` (0001.pdf, 0002.pdf, ...)."""
    singles: list[Path] = []
    with pikepdf.open(document) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            with pikepdf.new() as single:
                single.pages.append(page)
                path = folder / f"{n:04d}.pdf"
                single.save(path)
                singles.append(path)
    return singles


def ocr_page(number: int, single: Path, *, language: str, page_timeout: float) -> tuple[PageText, Path]:
    """OCR one single-page PDF with one Tesseract; on failure the page itself is returned."""
    output = single.with_suffix(".ocr.pdf")
    sidecar = single.with_suffix(".txt")
    workdir = single.parent / f"{number:04d}"
    workdir.mkdir(exist_ok=True)
    timeout = 120 + page_timeout + 60
    run = read_pdf(
        single,
        output,
        sidecar,
        workdir=workdir,
        language=language,
        jobs=1,
        page_timeout=page_timeout,
        timeout=timeout,
    )
    if run.ok and output.exists() and sidecar.exists():
        [text] = split_sidecar(sidecar.read_text(encoding="utf-8"), 1)
        return page_text(number, text, single, page_timeout, index=1), output
    reason = f"OCR failed on this page ({run.why(timeout)}); the page is kept as scanned, without text"
    return PageText(number, "", False, reason), single


def assemble(parts: list[Path], archive: Path) -> bool:
    """Join single-page PDFs into ``archive``; True if it was saved as PDF/A-2b.

    The pages OCRmyPDF read are PDF/A already; a failed page is the original page, untouched,
    which may or may not be. The joined file is declared PDF/A-2b only when qpdf's check (as
    OCRmyPDF runs on its own output) finds no problem, every stream decoding, and pikepdf's
    PDF/A validator approves the bytes written; otherwise it is saved as a plain PDF, with no
    PDF/A claim, and this returns False.
    """
    with contextlib.ExitStack() as stack:
        joined = _joined(parts, stack)
        problems = joined.check_pdf_syntax()  # a stream that cannot be decoded is only a "WARNING" here
        if not problems:
            try:
                pikepdf.pdfa.save(joined, archive, "2b")
                return True
            except pikepdf.pdfa.PdfaError as exc:
                log.warning("the rebuilt archive is not PDF/A: %s", exc)
        else:
            log.warning("the rebuilt archive has damaged streams, so it is not PDF/A: %s", problems[:3])
    with contextlib.ExitStack() as stack:  # again from the parts: the attempt above changed the metadata
        _joined(parts, stack).save(archive)
    return False


def _joined(parts: list[Path], stack: contextlib.ExitStack) -> pikepdf.Pdf:
    joined = stack.enter_context(pikepdf.new())
    for part in parts:
        source = stack.enter_context(pikepdf.open(part))  # open until saved: pages copy lazily
        joined.pages.extend(source.pages)
    return joined
