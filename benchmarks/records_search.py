"""Korean full-text search over the records: rebuilding the tantivy index and answering the
judged queries (issue: "rebuild 100,000 documents in < 5 min; p95 query time <= 50 ms").

    .venv/bin/python benchmarks/records_search.py [--documents 100000] [--sentences 8 36]
                                                  [--rounds 5] [--seed 2020] [--profile]

No Django and no database: ``seoul.records.engine.search`` is called directly, on an index in
a temporary directory under /tmp. The generator (seeded, ``--seed``):

- Text: the sentences of the 14 statute articles of the shared test set
  (/work/shared/data/documents, or ``SEOUL_DOCUMENTS_DATA``), 8-36 of them per document
  (uniform, ``--sentences``) drawn with repeats and shuffled, about 1,500 characters, like a
  one- or two-page scan. Laid out like an OCR sidecar: lines of 34-46 characters broken at
  any place (inside words too), 10 % of the spaces lost, a form feed every 20 lines.
- Title: "<year>년 <doc type in Korean> - <title of one of the articles>".
- 40 departments (3000001...), years 2000-2025, 6 document types, retention and disclosure
  drawn (open 60 %, partial 25 %, closed 15 %). Open records are seen by "public" and their
  department, the others by their department only (a fifth of them by a second one too).

The queries are the 32 judged ones and, for each bare noun, the same noun with a particle
(을/를), 52 in all, asked by a reader holding {"public", "dept:3000001", "dept:3000002"}.
Each is asked once to warm up, then ``--rounds`` times; the latency is the wall clock of
``RecordIndex.search`` (Kiwi's analysis included) for the first page of 10. The officer (no
audience restriction) is timed the same way for comparison. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _measure import peak_rss_mb

from seoul.records.engine import korean
from seoul.records.engine.search import DISCLOSURES, RETENTIONS, IndexedRecord, RecordIndex

DATA = Path(os.environ.get("SEOUL_DOCUMENTS_DATA", "/work/shared/data/documents"))
REBUILD_GOAL_S = 300.0
P95_GOAL_MS = 50.0
DOC_TYPES = {
    "report": "보고서",
    "minutes": "회의록",
    "plan": "계획서",
    "contract": "계약서",
    "notice": "공고문",
    "permit": "허가서",
}
DISCLOSURE_MIX = {"open": 0.60, "partial": 0.25, "closed": 0.15}
READER = frozenset({"public", "dept:3000001", "dept:3000002"})


def material() -> tuple[list[str], list[str], list[dict[str, object]]]:
    """Article titles, sentences of the articles, judged queries."""
    articles = (DATA / "ground_truth" / "articles.txt").read_text(encoding="utf-8")
    titles = [line[4:].strip() for line in articles.splitlines() if line.startswith("### ")]
    body = [line for line in articles.splitlines() if line.strip() and not line.startswith("### ")]
    sentences = [s for line in body for s in re.split(r"(?<=다\.)\s+", line.strip()) if s]
    queries = json.loads((DATA / "search_queries.json").read_text(encoding="utf-8"))["queries"]
    return titles, sentences, queries


def layout(text: str, rng: random.Random) -> str:
    """Text as an OCR sidecar: short lines broken anywhere, some spaces lost, pages."""
    out: list[str] = []
    line = lines = 0
    width = rng.randint(34, 46)
    for ch in text:
        if ch == " " and rng.random() < 0.10:
            continue
        out.append(ch)
        line += 1
        if line >= width:
            lines += 1
            out.append("\f" if lines % 20 == 0 else "\n")
            line, width = 0, rng.randint(34, 46)
    return "".join(out)


def build(n: int, sentences: list[str], titles: list[str], span: tuple[int, int], seed: int) -> list[IndexedRecord]:
    rng = random.Random(seed)
    departments = [f"{3000001 + k}" for k in range(40)]
    records = []
    for i in range(n):
        dept = rng.choice(departments)
        year = rng.randint(2000, 2025)
        doc_type = rng.choice(list(DOC_TYPES))
        disclosure = rng.choices(list(DISCLOSURE_MIX), weights=list(DISCLOSURE_MIX.values()))[0]
        if disclosure == "open":
            audiences = frozenset({"public", f"dept:{dept}"})
        elif rng.random() < 0.2:
            audiences = frozenset({f"dept:{dept}", f"dept:{rng.choice(departments)}"})
        else:
            audiences = frozenset({f"dept:{dept}"})
        text = " ".join(rng.choices(sentences, k=rng.randint(*span)))
        records.append(
            IndexedRecord(
                id=i + 1,
                title=f"{year}년 {DOC_TYPES[doc_type]} - {rng.choice(titles)}",
                text=layout(text, rng),
                department=dept,
                doc_type=doc_type,
                year=year,
                retention=rng.choice(RETENTIONS),
                disclosure=disclosure,
                audiences=audiences,
            )
        )
    assert {r.disclosure for r in records} <= set(DISCLOSURES)
    return records


def with_particle(noun: str) -> str:
    """을 after a final consonant, 를 after a vowel."""
    last = ord(noun[-1]) - 0xAC00
    return noun + ("을" if 0 <= last < 11172 and last % 28 else "를")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed_queries(
    index: RecordIndex, queries: list[str], audiences: frozenset[str] | None, rounds: int
) -> tuple[list[float], dict[str, int]]:
    totals = {q: index.search(q, audiences=audiences).total for q in queries}  # warm-up
    times = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            index.search(q, audiences=audiences)
            times.append((time.perf_counter() - start) * 1000)
    return times, totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--sentences", type=int, nargs=2, default=(8, 36), metavar=("MIN", "MAX"))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--profile", action="store_true", help="profile the rebuild with pyinstrument")
    args = ap.parse_args()

    titles, sentences, judged = material()
    start = time.perf_counter()
    records = build(args.documents, sentences, titles, tuple(args.sentences), args.seed)
    generate_s = time.perf_counter() - start
    chars = sum(len(r.text) + len(r.title) for r in records)
    print(
        f"{len(records):,} documents, {chars / len(records):,.0f} characters each on average "
        f"({chars / 1e6:,.1f} M in all), made in {generate_s:.1f} s from {len(sentences)} statute sentences"
    )
    start = time.perf_counter()
    for r in records[:2000]:
        korean.index_text((r.title, r.text))
    tokenise_s = (time.perf_counter() - start) * len(records) / min(len(records), 2000)
    korean.warm_up()

    with tempfile.TemporaryDirectory(prefix="records_search_", dir="/tmp") as tmp:
        index = RecordIndex(Path(tmp) / "index")
        profiler = None
        if args.profile:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        start = time.perf_counter()
        written = index.rebuild(records)
        rebuild_s = time.perf_counter() - start
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False))
        assert written == index.count() == len(records)
        size_mb = sum(f.stat().st_size for f in (Path(tmp) / "index").iterdir()) / 1e6
        segments = index._index.searcher().num_segments

        queries = [str(q["query"]) for q in judged]
        queries += [with_particle(str(q["query"])) for q in judged if q["kind"] == "bare_noun"]
        reader_ms, reader_totals = timed_queries(index, queries, READER, args.rounds)
        officer_ms, officer_totals = timed_queries(index, queries, None, args.rounds)

    print(
        f"rebuild: {rebuild_s:.1f} s ({len(records) / rebuild_s:,.0f} documents/s; Python tokenising alone "
        f"~{tokenise_s:.0f} s), index {size_mb:,.0f} MB in {segments} segments"
    )
    print(f"{'':10}{'queries':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'mean hits':>11}")
    for name, ms, totals in (("reader", reader_ms, reader_totals), ("officer", officer_ms, officer_totals)):
        print(
            f"{name:10}{len(ms):>9}{statistics.median(ms):9.1f}{percentile(ms, 0.95):9.1f}{max(ms):9.1f}"
            f"{statistics.mean(totals.values()):11,.0f}"
        )
    slowest = sorted(
        queries, key=lambda q: -max(reader_ms[k * len(queries) + queries.index(q)] for k in range(args.rounds))
    )[:3]
    print(f"slowest for the reader: {slowest}; largest result: {max(reader_totals.values()):,} records")
    p95 = percentile(reader_ms, 0.95)
    met = rebuild_s < REBUILD_GOAL_S and p95 <= P95_GOAL_MS
    print(
        f"goal: rebuild under {REBUILD_GOAL_S:g} s and reader p95 <= {P95_GOAL_MS:g} ms: {'met' if met else 'NOT met'}"
    )
    print(
        json.dumps(
            {
                "benchmark": "records_search",
                "seed": args.seed,
                "documents": len(records),
                "mean_chars": round(chars / len(records)),
                "rebuild_seconds": round(rebuild_s, 2),
                "tokenise_seconds_estimate": round(tokenise_s, 1),
                "index_mb": round(size_mb, 1),
                "segments": segments,
                "queries": len(queries),
                "rounds": args.rounds,
                "p50_ms": round(statistics.median(reader_ms), 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(max(reader_ms), 2),
                "officer_p50_ms": round(statistics.median(officer_ms), 2),
                "officer_p95_ms": round(percentile(officer_ms, 0.95), 2),
                "officer_max_ms": round(max(officer_ms), 2),
                "mean_total_reader": round(statistics.mean(reader_totals.values())),
                "peak_rss_mb": round(peak_rss_mb()),
                "goal_met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
