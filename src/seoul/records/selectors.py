"""Reads of the Electronic Document Center, always through the reader's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch

from seoul.records import index
from seoul.records.engine.search import Filters, snippet
from seoul.records.models import DisposalItem, Page, Record, StoredFile, audiences_of, departments_of


@dataclass(frozen=True)
class Found:
    id: int
    title: str
    score: float
    record: Record | None = None
    snippet: tuple[tuple[str, bool], ...] = ()
    text_hidden: bool = False  # a restricted record's text, not shown outside the office


@dataclass(frozen=True)
class Results:
    total: int
    found: list[Found]
    terms: list[str]


def _texts(ids: list[int]) -> dict[int, str]:
    texts: dict[int, list[str]] = {i: [] for i in ids}
    for record_id, text in (
        Page.objects.filter(record_id__in=ids).order_by("record_id", "number").values_list("record_id", "text")
    ):
        texts[record_id].append(text)
    return {i: "\n".join(parts) for i, parts in texts.items()}


def search(
    user: Any,
    query: str,
    *,
    filters: Filters | None = None,
    limit: int = 10,
    offset: int = 0,
    restricted_text: bool = True,
) -> Results:
    """Records ``user`` may see that match ``query``: the audience is part of the index query, so
    the count and the snippets come only from visible records; the rows are fetched through
    the reader's scope once more. Without ``restricted_text`` (outside the office) a partly
    open or closed record comes without a snippet: its text is shown only as page images."""
    audiences = audiences_of(user)
    if audiences is not None and not audiences:
        return Results(0, [], [])
    hits = index.index().search(query, audiences=audiences, filters=filters or Filters(), limit=limit, offset=offset)
    ids = [h.id for h in hits.hits]
    rows = {
        r.pk: r
        for r in Record.objects.visible_to(user)
        .filter(pk__in=ids, status=Record.Status.REGISTERED)
        .select_related("department", "doc_type")
    }
    hidden = {pk for pk, r in rows.items() if not restricted_text and r.restricted}
    texts = _texts([pk for pk in rows if pk not in hidden])
    found = [
        Found(
            h.id,
            rows[h.id].title,
            h.score,
            rows[h.id],
            () if h.id in hidden else tuple(snippet(texts[h.id], hits.terms)),
            text_hidden=h.id in hidden,
        )
        for h in hits.hits
        if h.id in rows
    ]
    return Results(hits.total, found, hits.terms)


def search_everything(query: str, *, limit: int = 10) -> list[Found]:
    """As a records officer: every registered record (the command line's search)."""
    hits = index.index().search(query, audiences=None, limit=limit)
    titles = dict(Record.objects.filter(pk__in=[h.id for h in hits.hits]).values_list("pk", "title"))
    return [Found(h.id, titles[h.id], h.score) for h in hits.hits if h.id in titles]


def record(user: Any, pk: int) -> Record:
    """One record the reader may see, with its pages, files and history (404 otherwise)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        Record.objects.visible_to(user)
        .select_related("department", "doc_type", "suggested_type", "registered_by", "batch")
        .prefetch_related(
            Prefetch("page_texts", queryset=Page.objects.order_by("number")),
            Prefetch("files", queryset=StoredFile.objects.filter(destroyed_at__isnull=True).order_by("role")),
            Prefetch(
                "disposals",
                queryset=DisposalItem.objects.filter(carried_out_at__isnull=False).select_related("review"),
            ),
            "steps",
            "corrections__by",
        ),
        pk=pk,
    )


def worklist(user: Any) -> dict[str, Any]:
    """What the reader's departments have received and not yet registered, newest first."""
    mine = Record.objects.visible_to(user).filter(department__in=departments_of(user))
    return {
        "waiting": mine.filter(status=Record.Status.READY)
        .annotate(page_failures=Exists(Page.objects.filter(record=OuterRef("pk"), ok=False)))
        .select_related("department")
        .order_by("-received_at")[:100],
        "reading": mine.filter(status__in=[Record.Status.RECEIVED, Record.Status.PROCESSING]).order_by("-received_at"),
        "refused": mine.filter(status=Record.Status.REFUSED).order_by("-received_at")[:20],
        "registered": mine.filter(status=Record.Status.REGISTERED).order_by("-registered_at")[:20],
    }


def department_choices(departments: Any) -> list[tuple[str, str]]:
    return [(d.code, f"{d.name} ({d.code})") for d in departments]
