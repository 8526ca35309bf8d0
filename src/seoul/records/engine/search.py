"""The records' full-text index (tantivy), rebuildable from the database at any time.

Tokens are made in Python (``korean.bigrams``): character bigrams of the text with all
whitespace removed, written space-separated into a field with tantivy's whitespace tokenizer,
so a token's position is its place in the text and a query term is a phrase of its bigrams.
The index stores nothing but the record id (a fast field): the database holds the rest.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy
from tantivy import Document, FieldType, Occur, Query

from seoul.records.engine import korean

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable, Sequence

RETENTIONS = ("permanent", "semi_permanent", "30", "10", "5", "3", "1")
DISCLOSURES = ("open", "partial", "closed")

MAX_TERMS = 16  # a pasted paragraph searches for its first 16 terms only (bounded query time)
TITLE_BOOST = 2.0  # a term found in the title counts this much more (ranking only)
TOLERANT_BOOST = 0.3  # a term found only with a misread syllable counts this much (ranking only)
MAX_MISREAD = 16  # misread forms of one term searched for at most (bounded query time)
MISREAD_SHARE = 0.01  # a misread form's rarest new bigram is in at most this share of the records
MISREAD_DOCS = 3  # ... or in at most this many records (small collections)
WRITER_HEAP = 64_000_000  # bytes, for add/delete
REBUILD_HEAP = 400_000_000  # bytes, shared by the rebuild's indexing threads
REBUILD_THREADS = 1
LOCK_WAIT_S = 5.0  # how long to wait for another process's writer


class IndexLockedError(RuntimeError):
    """Another writer (in this or another process) holds the index's lock."""


@dataclass(frozen=True)
class IndexedRecord:
    id: int
    title: str
    text: str  # OCR sidecar text, pages separated by "\f"
    department: str  # producing department's code
    doc_type: str
    year: int  # production year
    retention: str  # one of RETENTIONS
    disclosure: str  # one of DISCLOSURES
    audiences: frozenset[str]  # who may see it: "public", "dept:3000001" ...


@dataclass(frozen=True)
class Filters:
    department: str = ""
    doc_type: str = ""
    year_from: int | None = None
    year_to: int | None = None
    retention: str = ""
    disclosure: str = ""


@dataclass(frozen=True)
class Hit:
    id: int
    score: float


@dataclass(frozen=True)
class Hits:
    total: int  # every visible record that matches, not just this page
    hits: list[Hit]
    terms: list[str] = field(default_factory=list)  # what was searched for (for highlighting)


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_integer_field("id", indexed=True, fast=True)
    # Title and text together: a term matches in either. The title alone again, for ranking.
    sb.add_text_field("body", tokenizer_name="whitespace", index_option="position")
    sb.add_text_field("title", tokenizer_name="whitespace", index_option="position")
    for name in ("department", "doc_type", "retention", "disclosure", "audience"):
        sb.add_text_field(name, tokenizer_name="raw", index_option="basic")
    sb.add_integer_field("year", indexed=True, fast=True)
    return sb.build()


class RecordIndex:
    """The index in a directory (created if missing), or in memory when ``path`` is None.

    Reads are safe from many threads. Each write takes tantivy's writer lock for the length
    of the call, so several processes may write in turn.
    If the directory holds an index with another schema (an older version of this module),
    it is emptied: ``created`` is then True and the caller should run ``rebuild``."""

    def __init__(self, path: Path | None, *, lock_wait_s: float = LOCK_WAIT_S) -> None:
        self.schema = _schema()
        self.path = path
        self.lock_wait_s = lock_wait_s
        if path is None:
            self._index = tantivy.Index(self.schema)
            self.created = True
            return
        path.mkdir(parents=True, exist_ok=True)
        self.created = not tantivy.Index.exists(str(path))
        try:
            self._index = tantivy.Index(self.schema, path=str(path))
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise
            self._index = tantivy.Index(self.schema, path=str(path), reuse=False)
            self.created = True
        self._index.config_reader(reload_policy="commit")  # see other processes' commits

    # -- writing ----------------------------------------------------------------------------

    def _writer(self, heap: int, threads: int) -> tantivy.IndexWriter:
        deadline = time.monotonic() + self.lock_wait_s
        while True:
            try:
                return self._index.writer(heap_size=heap, num_threads=threads)
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"the search index at {self.path} is being written by another process "
                        f"(waited {self.lock_wait_s:g} s); try again when it has finished"
                    ) from exc
                time.sleep(0.05)

    def _document(self, r: IndexedRecord) -> Document:
        return Document(
            id=r.id,
            body=korean.index_text((r.title, r.text)),
            title=korean.index_text((r.title,)),
            department=r.department,
            doc_type=r.doc_type,
            retention=r.retention,
            disclosure=r.disclosure,
            audience=sorted(r.audiences),
            year=r.year,
        )

    def _finish(self, writer: tantivy.IndexWriter) -> None:
        writer.commit()
        writer.wait_merging_threads()  # let merges finish, or small segments pile up
        self._index.reload()

    def add(self, records: Iterable[IndexedRecord]) -> int:
        """Add or replace (by id) records; one commit. Returns how many were written."""
        writer = self._writer(WRITER_HEAP, 1)
        n = 0
        try:
            for r in records:
                writer.delete_documents_by_term("id", r.id)
                writer.add_document(self._document(r))
                n += 1
        except BaseException:
            writer.rollback()
            raise
        self._finish(writer)
        return n

    def delete(self, ids: Iterable[int]) -> int:
        """Remove records by id; one commit. Returns how many were in the index."""
        before = self.count()
        writer = self._writer(WRITER_HEAP, 1)
        for i in ids:
            writer.delete_documents_by_term("id", i)
        self._finish(writer)
        return before - self.count()

    def rebuild(
        self,
        records: Iterable[IndexedRecord],
        *,
        progress: Callable[[int], None] | None = None,
        every: int = 10_000,
    ) -> int:
        """Replace the whole index with these records (ids must be unique).

        One commit at the end: until then searches see the old index, and a failure leaves it
        as it was. tantivy writes segments to disk as its heap fills, so memory stays bounded.
        ``progress`` is called with the count so far every ``every`` records and at the end."""
        writer = self._writer(REBUILD_HEAP, REBUILD_THREADS)
        n = 0
        try:
            writer.delete_all_documents()
            for r in records:
                writer.add_document(self._document(r))
                n += 1
                if progress is not None and n % every == 0:
                    progress(n)
        except BaseException:
            writer.rollback()
            raise
        self._finish(writer)
        if progress is not None and n % every:
            progress(n)
        return n

    # -- reading ----------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._index.searcher().num_docs)

    def _term_query(self, fieldname: str, term: str, *, tolerant: bool = True) -> Query | None:
        """All of a term's runs, each as consecutive bigrams in the field; None if it has none.

        With ``tolerant``, a long run also matches with one syllable misread (``_misread``),
        scored TOLERANT_BOOST times a phrase's score and below the exact form."""
        clauses = []
        for run in korean.term_runs(term):
            if len(run) == 1:
                # No bigram: any token that starts with the character (each character of the
                # text starts exactly one token).
                clauses.append(Query.regex_query(self.schema, fieldname, _escape(run) + ".?"))
                continue
            exact = self._run_query(fieldname, run)
            misread = self._misread(fieldname, run) if tolerant else []
            if not misread:
                clauses.append(exact)
                continue
            tolerated = Query.boost_query(Query.disjunction_max_query(misread), TOLERANT_BOOST)
            clauses.append(Query.boolean_query([(Occur.Should, exact), (Occur.Should, tolerated)]))
        if not clauses:
            return None
        if len(clauses) == 1:
            return clauses[0]
        return Query.boolean_query([(Occur.Must, q) for q in clauses])

    def _run_query(self, fieldname: str, run: str) -> Query:
        """The run's bigrams one after the other (a two-character run is one bigram)."""
        if len(run) == 2:
            return Query.term_query(self.schema, fieldname, run)
        words: list[str | tuple[int, str]] = list(korean.run_bigrams(run))
        return Query.phrase_query(self.schema, fieldname, words)

    def _misread(self, fieldname: str, run: str) -> list[Query]:
        """Queries for the run with one syllable misread (``korean.misreadings``), only for the
        forms the index can hold as a misreading: every bigram that holds the new syllable
        occurs in some record, and the rarest of them in no more than MISREAD_SHARE of the
        records (at least MISREAD_DOCS). A misreading is an accident of a few scans; a bigram
        found all over the collection is text, and the form is then most likely another word
        (보존기관 for 보존기간), which would be a wrong match, and a slow one (its phrase runs
        over common bigrams). The rarest forms first, at most MAX_MISREAD: a phrase costs about
        as much as its rarest bigram."""
        searcher = self._index.searcher()
        most = max(MISREAD_DOCS, int(searcher.num_docs * MISREAD_SHARE))
        found: list[tuple[int, str]] = []
        for i, others in korean.misreadings(run):
            if i > 0:  # the bigrams run[i-1] + other in the index, from one walk of the dictionary
                left = searcher.terms_with_prefix(fieldname, run[i - 1])
                held = [(t[1], n) for t, n in left if len(t) == 2 and t[1] in others and n > 0]
            else:
                held = [(o, searcher.doc_freq(fieldname, o + run[1])) for o in others]
            for other, n in held:
                if i > 0 and i + 1 < len(run) and n:
                    n = min(n, searcher.doc_freq(fieldname, other + run[i + 1]))
                if 0 < n <= most:
                    found.append((n, run[:i] + other + run[i + 1 :]))
        return [self._run_query(fieldname, variant) for _, variant in sorted(found)[:MAX_MISREAD]]

    def _filter_clauses(self, audiences: Collection[str] | None, filters: Filters) -> list[Query]:
        """Restrictions that must hold but do not change the score."""
        out: list[Query] = []
        if audiences is not None:
            out.append(Query.term_set_query(self.schema, "audience", sorted(audiences)))
        for name in ("department", "doc_type", "retention", "disclosure"):
            value = getattr(filters, name)
            if value:
                out.append(Query.term_query(self.schema, name, value))
        if filters.year_from is not None or filters.year_to is not None:
            out.append(
                Query.range_query(
                    self.schema, "year", FieldType.Integer, lower_bound=filters.year_from, upper_bound=filters.year_to
                )
            )
        return [Query.const_score_query(q, 0.0) for q in out]

    def build_query(
        self, query: str, *, audiences: Collection[str] | None, filters: Filters = Filters()
    ) -> tuple[Query | None, list[str]]:
        """The tantivy query for a search and the terms in it (None when nothing to search)."""
        terms: list[str] = []
        clauses: list[tuple[Occur, Query]] = []
        for term in korean.query_terms(query)[:MAX_TERMS]:
            q = self._term_query("body", term)
            if q is None:
                continue
            terms.append(term)
            clauses.append((Occur.Must, q))
            in_title = self._term_query("title", term, tolerant=False)
            if in_title is not None:
                clauses.append((Occur.Should, Query.boost_query(in_title, TITLE_BOOST)))
        if not terms:
            return None, []
        clauses.extend((Occur.Must, q) for q in self._filter_clauses(audiences, filters))
        return Query.boolean_query(clauses), terms

    def search(
        self,
        query: str,
        *,
        audiences: Collection[str] | None,
        filters: Filters = Filters(),
        limit: int = 10,
        offset: int = 0,
    ) -> Hits:
        """Records holding every term of the query, best first (BM25).

        ``audiences`` are the reader's grants ("public", "dept:...");  a record is visible when
        it shares one with them. None means the reader sees everything (records officer). The
        restriction is part of the query, so ``total`` counts only visible records."""
        if audiences is not None and not audiences:
            return Hits(0, [], korean.query_terms(query))
        built, terms = self.build_query(query, audiences=audiences, filters=filters)
        if built is None:
            return Hits(0, [], [])
        searcher = self._index.searcher()
        result = searcher.search(built, limit=max(limit, 1), count=True, offset=max(offset, 0))
        total = int(getattr(result, "count", None) or 0)  # set because count=True (not in the stubs)
        if not result.hits or limit <= 0:
            return Hits(total, [], terms)
        ids = searcher.fast_field_values("id", [address for _, address in result.hits])
        hits = [Hit(int(i or 0), float(score)) for (score, _), i in zip(result.hits, ids, strict=True)]
        return Hits(total, hits, terms)


def _escape(ch: str) -> str:
    """A character as a regular-expression literal (tantivy's regex syntax)."""
    return ch if ch.isalnum() else "\\" + ch


def snippet(text: str, terms: Sequence[str], *, width: int = 90) -> list[tuple[str, bool]]:
    """About ``width`` characters of the text around the first place a term occurs, as pieces
    (text, highlighted?). A term matches even when the text has whitespace or a line break
    inside it. Whitespace runs become single spaces; "…" marks a cut. Where no term occurs as
    written, a term with one misread syllable, as the search finds it. Without a match: the
    beginning of the text."""
    pattern = korean.term_pattern(terms)
    first = pattern.search(text) if pattern is not None else None
    if first is None and pattern is not None:
        pattern = korean.term_pattern(terms, misread=True)
        first = pattern.search(text) if pattern is not None else None
    if first is None or pattern is None:
        head = _squash(text[: width + 1])
        return [(head[:width] + "…", False)] if len(head) > width else ([(head, False)] if head else [])
    start = max(0, first.start() - width // 3)
    end = min(len(text), max(start + width, first.end()))
    if end - start < width:  # near the end of the text: show more before
        start = max(0, end - width)
    pieces: list[tuple[str, bool]] = []
    if start > 0:
        pieces.append(("…", False))
    pos = start
    for m in pattern.finditer(text, start, end):
        if m.start() > pos:
            pieces.append((_squash(text[pos : m.start()]), False))
        pieces.append((_squash(m.group()), True))
        pos = m.end()
    if end > pos:
        pieces.append((_squash(text[pos:end]), False))
    if end < len(text):
        pieces.append(("…", False))
    return [(p, h) for p, h in pieces if p]


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text)


_SPACES = re.compile(r"\s+")
