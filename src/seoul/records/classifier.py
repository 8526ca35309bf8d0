"""The document-type classifier, retrained when the registered records change (kept per process)."""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from seoul.records.engine.classify import Model, train
from seoul.records.models import DocumentType, Page, Record

TRAIN_ON = 5000  # the most recent registered records with a type
MIN_MARGIN = 0.2

_lock = threading.Lock()
_cached: tuple[tuple[int, int], Model | None] | None = None


def _model() -> Model | None:
    global _cached
    registered = Record.objects.filter(status=Record.Status.REGISTERED, doc_type__isnull=False)
    version = registered.aggregate(n=Count("pk"), last=Max("pk"))
    key = (version["n"] or 0, version["last"] or 0)
    with _lock:
        if _cached is not None and _cached[0] == key:
            return _cached[1]
    rows = list(registered.order_by("-pk").values_list("pk", "title", "doc_type__code")[:TRAIN_ON])
    texts: dict[int, list[str]] = {pk: [title] for pk, title, _ in rows}
    for record_id, text in Page.objects.filter(record_id__in=texts).values_list("record_id", "text"):
        texts[record_id].append(text)
    model = train(["\n".join(texts[pk]) for pk, _, _ in rows], [code for _, _, code in rows]) if rows else None
    with _lock:
        _cached = (key, model)
    return model


def suggest(text: str) -> DocumentType | None:
    model = _model()
    if model is None or not text.strip():
        return None
    code, margin = model.predict(text)
    return DocumentType.objects.filter(code=code).first() if margin >= MIN_MARGIN else None
