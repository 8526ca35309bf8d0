"""Signing the archive copies left unsigned while the timestamp authority could not be reached
(``seoul records sign``): each is read from the store, signed and timestamped, and written back
under its key with its new checksum; the step and the audit log say so."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from seoul.core import audit
from seoul.records import storage as stores
from seoul.records.actions.consume import sign_archive
from seoul.records.events import RecordsEvent
from seoul.records.models import StoredFile


def sign_pending() -> tuple[int, int]:
    """(signed, still unsigned) among the archive copies without a signature."""
    store = stores.storage()
    signed = failed = 0
    pending = StoredFile.objects.filter(
        role=StoredFile.Role.ARCHIVE, destroyed_at__isnull=True, signature={}
    ).select_related("record")
    for stored in pending:
        with tempfile.TemporaryDirectory(prefix="records-sign-") as work:
            copy = Path(work) / "archive.pdf"
            with store.open(stored.key) as stream, copy.open("wb") as out:
                shutil.copyfileobj(stream, out)
            target, facts = sign_archive(stored.record, copy, Path(work))
            if not facts:
                failed += 1
                continue
            with target.open("rb") as stream:
                sha256, size = stores.digest(stream)
            store.put(stored.key, target, stored.media_type)
            with transaction.atomic():
                old = stored.sha256
                StoredFile.objects.filter(pk=stored.pk).update(
                    sha256=sha256, size=size, signature=facts, verified_at=timezone.now(), mismatch_at=None
                )
                audit.record(
                    RecordsEvent.SIGNED,
                    target=stored.record,
                    old={"sha256": old},
                    new={"sha256": sha256, **facts},
                    actor_label="command line",
                )
            signed += 1
    return signed, failed
