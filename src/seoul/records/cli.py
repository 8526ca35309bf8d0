"""``seoul records ...``: ingest scans, print a record's text, search, and the housekeeping jobs
(consume what was received, rebuild the index, verify every checksum)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group(name="records")
def group() -> None:
    """Electronic Document Center: scans read, registered and found in Korean."""


def _files(paths: tuple[Path, ...]) -> tuple[list[tuple[str, Path]], list[dict[str, str]]]:
    """Files named, and those of folders named (by suffix, in name order); what cannot be read
    at all is refused here."""
    found: list[tuple[str, Path]] = []
    refused: list[dict[str, str]] = []
    for path in paths:
        if path.is_dir():
            for item in sorted(p for p in path.rglob("*") if p.is_file()):
                if item.suffix.lower() in SUFFIXES:
                    found.append((item.name, item))
        elif path.is_file():
            found.append((path.name, path))
        else:
            refused.append({"path": str(path), "reason": "no such file or folder"})
    return found, refused


@group.command(name="ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--department", "department_code", metavar="CODE", help="the processing department's 7-digit code")
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def ingest_cmd(paths: tuple[Path, ...], department_code: str | None, as_json: bool) -> None:
    """Read files or folders of PDF/JPEG/PNG/TIFF scans: OCR, archive copy, registration with the
    suggested description (title, date, type) and the type's retention, closed until a records
    officer classifies it, and indexing."""
    from seoul.records import actions
    from seoul.records.engine.rules import Disclosure, Retention
    from seoul.records.models import Department, Record

    department = Department.objects.filter(code=department_code).first() if department_code else None
    if department_code and department is None:
        fail(f"--department: no department '{department_code}'")
    department = department or Department.objects.order_by("code").first()
    if department is None:
        fail("no departments: run `seoul load-reference` first")
    files, refused = _files(paths)
    received = actions.receive(files, source="command", department=department, actor=None)
    documents: list[dict[str, Any]] = []
    quiet = as_json or not sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("reading", total=len(received.records))
        for (_, path), record in zip(files, received.records, strict=True):
            done = actions.process(record.pk) or Record.objects.get(pk=record.pk)
            bar.advance(task)
            if done.status == Record.Status.REFUSED:
                refused.append({"path": str(path), "reason": done.refusal_reason})
                continue
            kind = done.suggested_type
            registered = actions.register(
                done,
                actions.Registration(
                    title=done.title,
                    produced_on=done.produced_on or done.received_at.date(),
                    department=department,
                    completed_year=(done.produced_on or done.received_at.date()).year,
                    retention=Retention(kind.retention) if kind else Retention.YEARS_10,
                    disclosure=Disclosure.CLOSED,
                    exemptions=(5,),  # 의사결정 과정: closed until an officer classifies it
                    doc_type=kind,
                    device="command line",
                ),
                actor=None,
            )
            failed = list(registered.page_texts.filter(ok=False).values("number", "reason"))
            documents.append(
                {
                    "id": registered.pk,
                    "registration_number": registered.registration_number,
                    "pages": registered.pages,
                    "sha256": registered.sha256,
                    **({"failed_pages": failed} if failed else {}),
                }
            )
    actions.consume.finish_batches()
    if as_json:
        click.echo(json.dumps({"documents": documents, "refused": refused}, ensure_ascii=False))
        return
    for doc in documents:
        note = f", {len(doc['failed_pages'])} page(s) not read" if doc.get("failed_pages") else ""
        click.echo(f"{doc['id']}\t{doc['registration_number']}\t{doc['pages']} page(s){note}")
    for item in refused:
        click.echo(f"refused\t{item['path']}\t{item['reason']}")


@group.command(name="text")
@click.argument("record_id", type=int)
def text_cmd(record_id: int) -> None:
    """Print a record's OCR text, pages separated by form feeds."""
    from seoul.records.models import Page, Record

    if not Record.objects.filter(pk=record_id).exists():
        fail(f"no record {record_id}")
    click.echo("\f".join(Page.objects.filter(record_id=record_id).order_by("number").values_list("text", flat=True)))


@group.command(name="search")
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="print one JSON object")
def search_cmd(query: str, limit: int, as_json: bool) -> None:
    """Search every record, as a records officer may, best first."""
    from seoul.records import selectors

    found = selectors.search_everything(query, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                {"results": [{"id": r.id, "title": r.title, "score": round(r.score, 4)} for r in found]},
                ensure_ascii=False,
            )
        )
        return
    for r in found:
        click.echo(f"{r.id}\t{r.score:.3f}\t{r.title}")


@group.command(name="watch")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--department", "department_code", metavar="CODE", required=True, help="the scanner's department")
@click.option("--every", default=5.0, show_default=True, type=click.FloatRange(0.5, 3600), help="seconds between looks")
@click.option("--once", is_flag=True, help="take what is there now and stop")
def watch_cmd(folder: Path, department_code: str, every: float, once: bool) -> None:
    """Take scans from a scanner's folder: a file is taken once its size has stopped changing
    (the scanner has finished writing it), moved into the spool and read; nothing is left
    half-taken if the command stops."""
    import time

    from seoul.records import actions
    from seoul.records.models import Department

    department = Department.objects.filter(code=department_code).first()
    if department is None:
        fail(f"--department: no department '{department_code}'")
    seen: dict[Path, int] = {}
    while True:
        ready: list[tuple[str, Path]] = []
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES):
            size = path.stat().st_size
            if once or seen.get(path) == size:
                ready.append((path.name, path))
                seen.pop(path, None)
            else:
                seen[path] = size
        if ready:
            received = actions.receive(ready, source="folder", department=department, actor=None, move=True)
            click.echo(f"{len(received.records)} scan(s) taken from {folder}")
            actions.process_pending()
        if once:
            return
        time.sleep(every)


@group.command(name="consume")
def consume_cmd() -> None:
    """Read everything received and not yet read (a scanner folder's job, or after a restart)."""
    from seoul.records import actions

    click.echo(f"{actions.process_pending()} document(s) read")


@group.command(name="sign")
def sign_cmd() -> None:
    """Sign and timestamp the archive copies left unsigned (the authority was unreachable)."""
    from seoul.records.actions.signatures import sign_pending

    signed, failed = sign_pending()
    click.echo(f"{signed} archive copy(ies) signed, {failed} still unsigned")
    if failed:
        sys.exit(1)


@group.command(name="reindex")
def reindex_cmd() -> None:
    """Rebuild the search index from the database."""
    from seoul.core import audit
    from seoul.records import index
    from seoul.records.events import RecordsEvent

    count = index.rebuild()
    audit.record(RecordsEvent.INDEX_REBUILT, new={"records": count}, actor_label="command line")
    click.echo(f"{count} record(s) indexed")


@group.command(name="sanity")
def sanity_cmd() -> None:
    """Read every stored file back and compare its SHA-256; exits with 1 on any mismatch."""
    from seoul.records import actions

    report = actions.check_files()
    for stored, problem in report.problems:
        click.echo(f"{stored.record}\t{stored.role}\t{stored.key}\t{problem}")
    click.echo(f"{report.checked} file(s) checked, {len(report.problems)} problem(s)")
    if report.problems:
        sys.exit(1)
