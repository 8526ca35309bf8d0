"""The periodic sanity check (paperless-ngx has one too): every stored file is read back from
the store and its SHA-256 compared with the one registered when it was stored. A mismatch or a
missing file is recorded on the file, logged and audited; nothing is repaired silently."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from seoul.core import audit
from seoul.records import storage as stores
from seoul.records.events import RecordsEvent
from seoul.records.models import StoredFile

log = logging.getLogger("seoul.records")


@dataclass
class SanityReport:
    checked: int = 0
    problems: list[tuple[StoredFile, str]] = field(default_factory=list)


def check_files(progress: Callable[[int, int], None] | None = None) -> SanityReport:
    store = stores.storage()
    files = StoredFile.objects.filter(destroyed_at__isnull=True).select_related("record").order_by("pk")
    total = files.count()
    report = SanityReport()
    for n, stored in enumerate(files.iterator(chunk_size=200), start=1):
        try:
            with store.open(stored.key) as stream:
                sha256, size = stores.digest(stream)
            problem = "" if sha256 == stored.sha256 and size == stored.size else "its content has changed"
        except stores.StorageError as exc:
            problem = str(exc)
        now = timezone.now()
        if problem:
            StoredFile.objects.filter(pk=stored.pk).update(mismatch_at=now)
            report.problems.append((stored, problem))
            log.error("records: %s (%s) fails its check: %s", stored.key, stored.record, problem)
            audit.record(
                RecordsEvent.CHECKSUM_MISMATCH,
                target=stored.record,
                new={"file": stored.role, "key": stored.key, "problem": problem},
                actor_label="sanity check",
            )
        else:
            StoredFile.objects.filter(pk=stored.pk).update(verified_at=now, mismatch_at=None)
        report.checked += 1
        if progress:
            progress(n, total)
    audit.record(
        RecordsEvent.SANITY_CHECKED,
        new={"files": report.checked, "problems": len(report.problems)},
        actor_label="sanity check",
    )
    return report
