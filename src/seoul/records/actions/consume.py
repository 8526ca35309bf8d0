"""The consume pipeline, as explicit steps each recorded on the record (:class:`Step`):

receive → preflight → OCR → archive (original + PDF/A copy, both with SHA-256) → metadata
(suggested title, date and type) → [registration, by a person or by ``seoul records ingest``]
→ index.

Receiving only spools the file and creates the record, so nothing accepted is lost if reading
fails later; :func:`process` does the rest and may be run again for a record left half-way
(it claims the record first, so two workers never read the same file). A refused file keeps
its record, with the reason, and nothing in the store.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from seoul.core import audit
from seoul.core.engine.text import forbidden_characters
from seoul.core.models import User
from seoul.records import storage as stores
from seoul.records.actions.steps import record_step
from seoul.records.engine import ocr as ocr_engine
from seoul.records.engine import preflight as checks
from seoul.records.engine import signing
from seoul.records.events import RecordsEvent
from seoul.records.models import Batch, Department, Page, Record, Step, StoredFile

log = logging.getLogger("seoul.records")

MEDIA_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png", "tiff": "image/tiff"}
STUCK_AFTER = timedelta(hours=1)  # a record "being read" this long was left by a worker that died


def spool_dir() -> Path:
    path = Path(settings.SEOUL_RECORDS_DIR) / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _clean_name(name: str) -> str:
    name = Path(name).name or "document"
    return "".join("_" if forbidden_characters(c, multiline=False) else c for c in name)[:255]


@dataclass
class Received:
    batch: Batch
    records: list[Record] = field(default_factory=list)


def receive(
    files: Iterable[tuple[str, Path]],
    *,
    source: str,
    department: Department | None,
    actor: User | None,
    move: bool = False,
) -> Received:
    """Spool each (name, path) and create its record; the batch counts them. ``move`` takes the
    file away from where it was (a scanner folder), else it is copied."""
    now = timezone.now()
    with transaction.atomic():
        batch = Batch.objects.create(source=source, created_at=now, created_by=actor, department=department)
        out = Received(batch)
        for name, path in files:
            record = Record.objects.create(
                batch=batch,
                source_name=_clean_name(name),
                received_at=now,
                received_by=actor,
                department=department,
            )
            target = spool_dir() / f"{record.pk}"
            (shutil.move if move else shutil.copyfile)(str(path), str(target))
            record_step(record, Step.Name.RECEIVE, Step.Outcome.DONE, now, detail=record.source_name)
            audit.record(RecordsEvent.RECEIVED, target=record, new={"name": record.source_name}, actor=actor)
            out.records.append(record)
        batch.files = len(out.records)
        batch.save(update_fields=["files"])
    return out


def _claim(record_id: int) -> Record | None:
    """Take the record for reading, unless another worker has it (or it is done)."""
    stuck = timezone.now() - STUCK_AFTER
    with transaction.atomic():
        taken = Record.objects.filter(
            Q(status=Record.Status.RECEIVED) | Q(status=Record.Status.PROCESSING, claimed_at__lt=stuck), pk=record_id
        ).update(status=Record.Status.PROCESSING, claimed_at=timezone.now())
    return Record.objects.select_related("department", "batch").get(pk=record_id) if taken else None


def _refuse(record: Record, name: str, started: datetime, code: str, reason: str) -> None:
    with transaction.atomic():
        record.status = Record.Status.REFUSED
        record.refusal_code = code
        record.refusal_reason = reason
        record.save(update_fields=["status", "refusal_code", "refusal_reason"])
        record_step(record, name, Step.Outcome.FAILED, started, detail=code)
        audit.record(RecordsEvent.REFUSED, target=record, new={"code": code, "reason": reason})
    log.warning("records: %s refused at %s: %s", record.source_name, name, reason)
    (spool_dir() / str(record.pk)).unlink(missing_ok=True)


def _duplicate_of(record: Record, sha256: str) -> Record | None:
    return (
        Record.objects.filter(sha256=sha256)
        .exclude(pk=record.pk)
        .exclude(status__in=[Record.Status.REFUSED, Record.Status.DESTROYED])
        .first()
    )


def process(record_id: int, *, jobs: int | None = None) -> Record | None:
    """Run preflight, OCR, archive and metadata for one received record; None if it was not
    this worker's to read."""
    record = _claim(record_id)
    if record is None:
        return None
    spooled = spool_dir() / str(record.pk)
    started = timezone.now()
    try:
        checked = checks.preflight(spooled)
    except checks.Refused as exc:
        _refuse(record, Step.Name.PREFLIGHT, started, exc.code.value, exc.reason)
        return record
    except FileNotFoundError:
        _refuse(record, Step.Name.PREFLIGHT, started, "missing", "the received file is gone from the spool")
        return record
    twin = _duplicate_of(record, checked.sha256)
    if twin is not None:
        _refuse(
            record,
            Step.Name.PREFLIGHT,
            started,
            "duplicate",
            f"the same file (SHA-256) was already received as {twin.registration_number or twin.source_name}",
        )
        return record
    record.sha256 = checked.sha256
    record.pages = checked.pages
    record.save(update_fields=["sha256", "pages"])
    record_step(
        record, Step.Name.PREFLIGHT, Step.Outcome.DONE, started, detail=f"{checked.kind.value}, {checked.pages}"
    )
    if record.batch_id:
        Batch.objects.filter(pk=record.batch_id).update(pages_total=F("pages_total") + checked.pages)

    started = timezone.now()

    def progress(done: int, total: int) -> None:
        if record.batch_id:
            Batch.objects.filter(pk=record.batch_id).update(pages_done=F("pages_done") + 1)

    with tempfile.TemporaryDirectory(prefix="records-") as work:
        try:
            result = ocr_engine.ocr(
                spooled, checked, Path(work), jobs=jobs or settings.SEOUL_RECORDS_OCR_JOBS, progress=progress
            )
        except Exception as exc:  # the engine reports page failures itself; this is the whole file
            log.exception("records: OCR of %s failed", record.source_name)
            _refuse(record, Step.Name.OCR, started, "unreadable", f"the file could not be read: {exc}")
            return record
        failed = [p for p in result.pages if not p.ok]
        record_step(
            record,
            Step.Name.OCR,
            Step.Outcome.PARTIAL if failed else Step.Outcome.DONE,
            started,
            detail="; ".join(f"p.{p.number}: {p.reason}" for p in failed) or f"{result.seconds:.1f} s, {result.engine}",
        )
        archive, signature = sign_archive(record, result.archive, Path(work))
        started = timezone.now()
        _store(record, spooled, MEDIA_TYPES[checked.kind.value], archive, signature)
    with transaction.atomic():
        Page.objects.filter(record=record).delete()
        Page.objects.bulk_create(
            Page(record=record, number=p.number, text=p.text, ok=p.ok, reason=p.reason[:300]) for p in result.pages
        )
        record_step(
            record,
            Step.Name.ARCHIVE,
            Step.Outcome.DONE if result.pdfa else Step.Outcome.PARTIAL,
            started,
            detail="PDF/A" if result.pdfa else "the archive copy is a PDF but not PDF/A (a page could not be read)",
        )
        record.ocr_engine = result.engine[:120]
        record.dpi = round(checked.dpi[0]) if checked.dpi else None
        record.digitised_on = record.digitised_on or timezone.localdate()
        _suggest(record, [p.text for p in result.pages])
        record.status = Record.Status.READY
        record.save()
        audit.record(RecordsEvent.READ, target=record, new={"pages": record.pages, "failed": len(failed)})
    spooled.unlink(missing_ok=True)
    return record


def sign_archive(record: Record, archive: Path, work: Path) -> tuple[Path, dict[str, str]]:
    """The archive copy signed (PAdES) with the platform's key and timestamped by the timestamp
    authority (RFC 3161). The authority is outside the city's network: if it fails, the copy is
    kept unsigned, the step says why, and ``seoul records sign`` signs it later."""
    from seoul.records.adapters import tsa

    started = timezone.now()
    target = work / "signed.pdf"
    try:
        signed = signing.sign_pdf(
            archive,
            target,
            tsa.platform_identity(),
            tsa_url=tsa.tsa_url(),
            reason="Seoul Electronic Document Center: archive copy",
            location="Seoul",
            timeout=tsa.tsa_timeout(),
        )
    except signing.SigningError as exc:
        log.warning("records: archive copy of %s left unsigned: %s", record.source_name, exc.reason)
        record_step(record, Step.Name.SIGN, Step.Outcome.FAILED, started, detail=exc.reason)
        return archive, {}
    facts = {
        "signed_at": signed.signed_at.isoformat(),
        "timestamp": signed.timestamp.isoformat() if signed.timestamp else "",
        "tsa": signed.tsa_name,
        "signer": signed.signer_fingerprint,
    }
    record_step(record, Step.Name.SIGN, Step.Outcome.DONE, started, detail=signed.tsa_name)
    return target, facts


def _store(
    record: Record, original: Path, media_type: str, archive: Path, signature: dict[str, str] | None = None
) -> None:
    """Both files into the store, each with its checksum; rows written only after the bytes are."""
    store = stores.storage()
    year = timezone.localdate().year
    for role, path, kind in (
        (StoredFile.Role.ORIGINAL, original, media_type),
        (StoredFile.Role.ARCHIVE, archive, "application/pdf"),
    ):
        suffix = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png", "image/tiff": "tif"}[kind]
        key = f"{year}/{record.pk:08d}/{role}.{suffix}"
        with path.open("rb") as stream:
            sha256, size = stores.digest(stream)
        store.put(key, path, kind)
        StoredFile.objects.update_or_create(
            record=record,
            role=role,
            defaults={
                "key": key,
                "media_type": kind,
                "size": size,
                "sha256": sha256,
                "stored_at": timezone.now(),
                "signature": (signature or {}) if role == StoredFile.Role.ARCHIVE else {},
            },
        )


_DATE = re.compile(r"(20\d\d|19\d\d)[.\-년]\s*(\d{1,2})[.\-월]\s*(\d{1,2})")


def _suggest(record: Record, pages: list[str]) -> None:
    """Title from the first line that reads like one, date from the first date written in the
    text (else the day it was received), type from the classifier trained on registered records."""
    from seoul.records import classifier

    text = "\n".join(pages)
    started = timezone.now()
    if not record.title:
        first = next((line.strip() for line in text.splitlines() if len(line.strip()) >= 4), "")
        record.title = (first or Path(record.source_name).stem)[:200]
    if record.produced_on is None:
        found = _DATE.search(text)
        produced: date | None = None
        if found:
            try:
                produced = date(int(found[1]), int(found[2]), int(found[3]))
            except ValueError:
                produced = None
        record.produced_on = produced if produced and produced <= timezone.localdate() else timezone.localdate()
    record.suggested_type = classifier.suggest(text)
    record_step(
        record,
        Step.Name.METADATA,
        Step.Outcome.DONE,
        started,
        detail=f"type: {record.suggested_type.code if record.suggested_type else '-'}",
    )


def pending() -> list[int]:
    stuck = timezone.now() - STUCK_AFTER
    return list(
        Record.objects.filter(status=Record.Status.RECEIVED).values_list("pk", flat=True).order_by("pk")
    ) + list(
        Record.objects.filter(status=Record.Status.PROCESSING, claimed_at__lt=stuck)
        .values_list("pk", flat=True)
        .order_by("pk")
    )


def process_pending(on_record: Callable[[Record], None] | None = None) -> int:
    done = 0
    for pk in pending():
        record = process(pk)
        if record is not None:
            done += 1
            if on_record:
                on_record(record)
    finish_batches()
    return done


def finish_batches() -> None:
    Batch.objects.filter(finished_at__isnull=True).exclude(
        records__status__in=[Record.Status.RECEIVED, Record.Status.PROCESSING]
    ).update(finished_at=timezone.now())


_worker_lock = threading.Lock()


def start_after_commit() -> None:
    """Read what was received once the upload's transaction commits: in a thread of this
    process, in the request (tests), or not at all (a ``seoul records consume`` job does it)."""
    mode = settings.SEOUL_RECORDS_PROCESSING
    if mode == "inline":
        transaction.on_commit(lambda: process_pending(), robust=False)
    elif mode == "thread":
        transaction.on_commit(_start_thread, robust=True)


def _start_thread() -> None:
    def run() -> None:
        from django.db import connection

        while pending():
            if not _worker_lock.acquire(blocking=False):
                return  # this process's worker is at it; it looks again before it stops
            try:
                process_pending()
            except Exception:
                log.exception("records: background reading stopped")
                return
            finally:
                _worker_lock.release()
                connection.close()
            time.sleep(0.1)

    threading.Thread(target=run, daemon=True, name="records-consume").start()
