"""The search index as the database sees it: one :class:`RecordIndex` per process in
``SEOUL_RECORDS_DIR/index``, fed from registered records; it can always be rebuilt from the
database (``seoul records reindex``)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from django.conf import settings

from seoul.records.engine.search import IndexedRecord, RecordIndex
from seoul.records.models import Page, Record

_lock = threading.Lock()
_open: dict[Path, RecordIndex] = {}


def index() -> RecordIndex:
    path = Path(settings.SEOUL_RECORDS_DIR) / "index"
    with _lock:
        if path not in _open:
            opened = RecordIndex(path)
            _open[path] = opened
            if opened.created:  # new, or made by an older schema and emptied: fill it from the database
                opened.rebuild(_from_database())
        return _open[path]


def _indexed(records: Iterable[Record]) -> Iterator[IndexedRecord]:
    records = list(records)
    texts: dict[int, list[str]] = {r.pk: [] for r in records}
    for record_id, text in (
        Page.objects.filter(record_id__in=texts).order_by("record_id", "number").values_list("record_id", "text")
    ):
        texts[record_id].append(text)
    for r in records:
        yield IndexedRecord(
            id=r.pk,
            title=r.title,
            text="\f".join(texts[r.pk]),
            department=r.department.code if r.department else "",
            doc_type=r.doc_type.code if r.doc_type else "",
            year=r.produced_on.year if r.produced_on else 0,
            retention=r.retention,
            disclosure=r.disclosure,
            audiences=r.audiences(),
        )


def searchable() -> Iterator[Record]:
    return (
        Record.objects.filter(status=Record.Status.REGISTERED)
        .select_related("department", "doc_type")
        .iterator(chunk_size=500)
    )


def add(records: Iterable[Record]) -> int:
    return index().add(_indexed(records))


def remove(ids: Iterable[int]) -> int:
    return index().delete(ids)


def _from_database() -> Iterator[IndexedRecord]:
    chunk: list[Record] = []
    for record in searchable():
        chunk.append(record)
        if len(chunk) == 500:
            yield from _indexed(chunk)
            chunk = []
    yield from _indexed(chunk)


def rebuild(progress: Callable[[int], None] | None = None) -> int:
    return index().rebuild(_from_database(), progress=progress)
