"""The Korean search engine: query analysis, the bigram index, the reader's audiences inside the
query, filters, index upkeep and snippets.

The judged queries come from the shared test set (``SEOUL_DOCUMENTS_DATA``, by default
/work/shared/data/documents; see its SOURCE.md): 14 statute articles and 32 queries with the
articles relevant to each. Those tests are skipped when the set is not there.
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import tantivy
from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.records.engine import korean
from seoul.records.engine.search import (
    Filters,
    IndexedRecord,
    IndexLockedError,
    RecordIndex,
    snippet,
)

DATA = Path(os.environ.get("SEOUL_DOCUMENTS_DATA", "/work/shared/data/documents"))
PUBLIC = frozenset({"public"})


def record(id_: int, text: str, *, title: str = "", **fields: Any) -> IndexedRecord:
    base = IndexedRecord(
        id=id_,
        title=title or f"R{id_}",
        text=text,
        department="3000001",
        doc_type="report",
        year=2020,
        retention="10",
        disclosure="open",
        audiences=PUBLIC,
    )
    return replace(base, **fields)


def ids(index: RecordIndex, query: str, audiences: frozenset[str] | None = None) -> set[int]:
    return {h.id for h in index.search(query, audiences=audiences, limit=1000).hits}


# -- the shared test set ------------------------------------------------------------------------


def load_articles() -> list[tuple[str, str]]:
    """(title, body) of each article in articles.txt, in order."""
    path = DATA / "ground_truth" / "articles.txt"
    if not path.exists():
        pytest.skip(f"the Korean document test set is not at {DATA} (set SEOUL_DOCUMENTS_DATA)")
    blocks = re.split(r"^### ", path.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    return [(title.strip(), body.strip()) for title, _, body in (b.partition("\n") for b in blocks)]


def load_queries() -> list[dict[str, Any]]:
    path = DATA / "search_queries.json"
    if not path.exists():
        pytest.skip(f"the Korean document test set is not at {DATA} (set SEOUL_DOCUMENTS_DATA)")
    queries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["queries"]
    return queries


CIRCLED = dict(zip("①②③④⑤⑥⑦⑧⑨", ["(1", "(2", "@", "6", "(5", "(6", "(7", "(8", "(9"], strict=True))


def ocr_damage(text: str, rng: random.Random) -> str:
    """Text as a scan's OCR gives it back: the lines broken again at other places (inside words
    too), about a third of the spaces lost, a few spaces added inside words, and the circled
    numerals misread (Tesseract's kor model does not know them)."""
    flat = " ".join(text.split())
    out: list[str] = []
    since_break, width = 0, rng.randint(28, 45)
    for ch in flat:
        ch = CIRCLED.get(ch, ch)
        if ch == " " and rng.random() < 0.35:
            continue
        out.append(ch)
        since_break += len(ch)
        if since_break >= width:
            out.append("\n")
            since_break, width = 0, rng.randint(28, 45)
        elif ch != " " and rng.random() < 0.03:
            out.append(" ")
    return "".join(out)


def judge(index: RecordIndex, queries: list[dict[str, Any]]) -> tuple[float, float]:
    """Micro-averaged recall and precision at 10 over all (query, article) pairs: every
    relevant article found counts once, every article returned counts once."""
    found = returned = relevant = 0
    for q in queries:
        got = {h.id for h in index.search(q["query"], audiences=None, limit=10).hits}
        rel = set(q["relevant_article_indexes"])
        found += len(got & rel)
        returned += len(got)
        relevant += len(rel)
    return found / relevant, (found / returned if returned else 1.0)


def article_index(articles: list[tuple[str, str]], damage: random.Random | None = None) -> RecordIndex:
    index = RecordIndex(None)
    index.add(
        record(i, ocr_damage(body, damage) if damage else body, title=title) for i, (title, body) in enumerate(articles)
    )
    return index


def test_judged_queries_find_the_relevant_articles() -> None:
    articles, queries = load_articles(), load_queries()
    assert len(articles) == 14
    assert len(queries) == 32
    recall, precision = judge(article_index(articles), queries)
    assert recall >= 0.97, recall
    assert precision >= 0.95, precision


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_judged_queries_survive_ocr_damage(seed: int) -> None:
    articles, queries = load_articles(), load_queries()
    damaged = article_index(articles, random.Random(seed))
    assert damaged.count() == 14
    recall, precision = judge(damaged, queries)
    assert recall >= 0.97, recall
    assert precision >= 0.95, precision


def test_ocr_damage_really_breaks_words() -> None:
    """The simulation is not a no-op: some query words are broken in the damaged text."""
    articles = load_articles()
    damaged = ocr_damage(articles[4][1], random.Random(1))
    assert "보존기간" in articles[4][1]
    assert damaged.count("보존기간") < articles[4][1].count("보존기간")
    assert "보존기간" in "".join(damaged.split())


def test_phrase_queries_give_the_same_records_as_their_required_terms() -> None:
    index = article_index(load_articles())
    for q in load_queries():
        if q["kind"] != "phrase_with_particles":
            continue
        terms = q["required_terms"]
        assert sorted(korean.query_terms(q["query"])) == sorted(terms)
        assert ids(index, q["query"]) == ids(index, " ".join(terms))


# -- query analysis ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("보존기간을", ["보존기간"]),
        ("기록물을 이관한", ["기록물", "이관"]),
        ("비공개로 분류된 기록물", ["비공개", "분류", "기록물"]),
        ("등록정보를 수정할 수 없다", ["등록정보", "수정"]),
        ("영구기록물관리기관으로 이관", ["영구기록물관리기관", "이관"]),
        ("기록물을 이관하는 경우", ["기록물", "이관"]),
        ("30년 보존", ["30년", "보존"]),
        ("PDF 파일", ["pdf", "파일"]),
        ("보존기간 보존기간을", ["보존기간"]),
        ("법에 따라 만들어진 문서", ["법", "만들", "문서"]),
        ("", []),
        ("   ", []),
        ("하는 있다 및", []),
    ],
)
def test_query_terms(query: str, terms: list[str]) -> None:
    assert korean.query_terms(query) == terms


def test_bigrams_ignore_whitespace_and_stop_at_punctuation() -> None:
    assert korean.bigrams("보존기간") == ["보존", "존기", "기간", "간"]
    assert korean.bigrams("보존\n기 간") == korean.bigrams("보존기간")
    assert korean.bigrams("생산ㆍ관리") == ["생산", "산", "관리", "리"]
    assert korean.bigrams("A4, PDF") == ["a4", "4", "pd", "df", "f"]
    assert korean.bigrams(" \n") == []


# -- the index -----------------------------------------------------------------------------------


def test_particles_find_the_same_records() -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "기록물의 보존기간은 영구, 준영구로 구분한다."),
            record(2, "보존 기간이 지난 기록물"),  # spaced: the same bigrams once spaces are gone
            record(3, "보존방법과 보존장소"),
        ]
    )
    assert ids(index, "보존기간을") == ids(index, "보존기간") == {1, 2}
    assert ids(index, "보존장소에") == {3}


def test_every_term_must_match() -> None:
    index = RecordIndex(None)
    index.add([record(1, "기록물을 이관한다"), record(2, "기록물을 폐기한다"), record(3, "이관 대상")])
    assert ids(index, "기록물을 이관") == {1}
    assert ids(index, "이관") == {1, 3}
    assert ids(index, "기록물 백업") == set()


def test_a_term_matches_only_as_consecutive_bigrams() -> None:
    index = RecordIndex(None)
    index.add([record(1, "기간을 보존한다"), record(2, "보존기간")])
    # record 1 has the bigrams 보존 and 기간 but not in a row
    assert ids(index, "보존기간") == {2}


def test_a_term_does_not_reach_across_punctuation() -> None:
    index = RecordIndex(None)
    index.add([record(1, "생산ㆍ관리"), record(2, "생산관리")])
    assert ids(index, "산관") == {2}
    assert ids(index, "생산") == {1, 2}


def test_one_syllable_terms() -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "이 책은 기록물이다"),
            record(2, "책"),  # the whole text one character
            record(3, "공책.", title="공책"),  # at the end of a run
            record(4, "문서를 보관한다"),
        ]
    )
    assert korean.query_terms("책") == ["책"]
    assert ids(index, "책") == {1, 2, 3}
    assert ids(index, "책 기록물") == {1}


def test_the_reader_only_counts_and_sees_records_of_their_audiences() -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "보존기간 책정", audiences=PUBLIC),
            record(2, "보존기간 책정 비공개 문서", audiences=frozenset({"dept:A"})),
            record(3, "보존기간 책정", audiences=frozenset({"dept:B", "public"})),
        ]
        + [record(10 + i, "보존기간 책정 부서 문서", audiences=frozenset({"dept:A"})) for i in range(20)]
    )
    public = index.search("보존기간", audiences=PUBLIC, limit=2)
    assert public.total == 2  # counted inside the query, not filtered afterwards
    assert {h.id for h in public.hits} == {1, 3}
    dept = index.search("보존기간", audiences=frozenset({"dept:A"}), limit=5)
    assert dept.total == 21
    assert len(dept.hits) == 5
    assert 1 not in {h.id for h in dept.hits}
    officer = index.search("보존기간", audiences=None, limit=100)
    assert officer.total == 23
    assert len(officer.hits) == 23
    assert index.search("보존기간", audiences=frozenset(), limit=10).total == 0
    assert ids(index, "비공개", PUBLIC) == set()
    assert ids(index, "비공개", None) == {2}


def test_paging() -> None:
    index = RecordIndex(None)
    index.add(record(i, "기록물 " * (i + 1)) for i in range(25))
    seen = []
    for page in range(3):
        result = index.search("기록물", audiences=PUBLIC, limit=10, offset=10 * page)
        assert result.total == 25
        seen += [h.id for h in result.hits]
    assert sorted(seen) == list(range(25))
    scores = [h.score for h in index.search("기록물", audiences=None, limit=25).hits]
    assert scores == sorted(scores, reverse=True)


def test_title_matches_rank_first() -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "이관 대상 기록물과 이관 절차", title="회의록"),
            record(2, "대상 기록물", title="기록물 이관 계획"),
        ]
    )
    assert [h.id for h in index.search("이관", audiences=None).hits] == [2, 1]


# -- one misread syllable ------------------------------------------------------------------------


def test_a_long_term_finds_a_text_with_one_misread_syllable() -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "기록물에 대하여 행청전자서명을 포함하는 방법"),  # 정 read as 청 (one letter)
            record(2, "행정전자서명을 포함하는 방법"),
            record(3, "보존포맺으로 변환하여 관리한다"),  # the last syllable misread
            record(4, "폐기 대상"),
        ]
    )
    assert ids(index, "행정전자서명") == {1, 2}
    assert [h.id for h in index.search("행정전자서명을", audiences=None).hits] == [2, 1]  # exact first
    assert ids(index, "보존포맷으로") == {3}
    assert ids(index, "행정전자서명 폐기") == set()  # still every term must match


def test_two_misread_syllables_are_not_found() -> None:
    index = RecordIndex(None)
    index.add([record(1, "행청전자셔명을 포함하는 방법"), record(2, "보존가관")])
    assert ids(index, "행정전자서명") == set()
    assert ids(index, "보존기간") == set()


def test_short_terms_tolerate_only_ye_read_as_e() -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "원본은 페기하고"),  # ㅖ read ㅔ
            record(2, "헤시값을 생성한다"),  # ㅐ read ㅔ: another vowel
            record(3, "폐기 대상"),
            record(4, "패기 있는 직원"),  # ㅖ/ㅐ: a word of its own
            record(5, "게시판에 올린 문서"),
        ]
    )
    assert ids(index, "폐기") == {1, 3}
    assert ids(index, "해시값") == set()  # three syllables: only ㅖ/ㅔ may vary
    assert ids(index, "계시판") == {5}
    assert korean.misreadings("해시값") == ()
    assert korean.misreadings("폐기") == ((0, "페"),)
    assert korean.misreadings("게시") == ((0, "계"),)
    assert korean.misreadings("예") == ()  # one syllable: never


def test_a_short_form_common_in_the_collection_is_a_word_not_a_misreading() -> None:
    index = RecordIndex(None)
    index.add([record(1, "계시 문서")] + [record(10 + i, "게시 문서") for i in range(4)])
    assert ids(index, "계시") == {1}  # 게시 is in 4 of 5 records: a word, not a misreading
    assert ids(index, "게시") == {10, 11, 12, 13} | {1}  # 계시 is in one: it may be a misreading


def test_a_misreading_is_one_letter_of_one_syllable() -> None:
    assert "청" in korean.neighbours("정")  # initial
    assert "맺" in korean.neighbours("맷")  # final
    assert "페" in korean.neighbours("폐")  # medial
    assert "정" in korean.neighbours("정")
    assert len(korean.neighbours("정")) == 19 + 21 + 28 - 2
    assert "록" not in korean.neighbours("간")
    index = RecordIndex(None)
    index.add([record(1, "보존기록물의 목록정보")])  # other words, not misreadings
    assert ids(index, "보존기간") == set()
    assert ids(index, "등록정보") == set()


def test_what_may_be_misread() -> None:
    assert korean.free_syllables("보존포맷") == (0, 1, 2, 3)
    # 철 is a word of its own: 기록물 + a syllable one letter from it would be 기록물 + particle
    assert korean.free_syllables("기록물철") == (0, 1, 2)
    assert korean.free_syllables("2026년도") == ()  # numbers never vary
    index = RecordIndex(None)
    index.add([record(1, "기록물첼"), record(2, "기록물철"), record(3, "기룩물철")])
    assert ids(index, "기록물철") == {2, 3}


def test_a_form_common_in_the_collection_is_a_word_not_a_misreading() -> None:
    index = RecordIndex(None)
    index.add([record(1, "등록정부 문서")] + [record(10 + i, "정부 문서") for i in range(4)])
    assert ids(index, "등록정보") == set()  # 정부 is in 5 records: more than a misreading would be
    rare = RecordIndex(None)
    rare.add([record(1, "등록정부 문서"), record(2, "정부 문서")])
    assert ids(rare, "등록정보") == {1}


def test_the_snippet_highlights_a_misread_term() -> None:
    text = "기록물에 대하여 행청전자서명을 포함하는 방법"
    assert [p for p, h in snippet(text, ["행정전자서명"]) if h] == ["행청전자서명"]
    both = "보존포맺으로 바꾸고 보존포맷으로 관리"
    assert [p for p, h in snippet(both, ["보존포맷"]) if h] == ["보존포맷"]  # the exact one when there is one


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), {1, 2, 3, 4}),
        (Filters(department="3000002"), {2}),
        (Filters(doc_type="minutes"), {3}),
        (Filters(year_from=2019), {2, 3, 4}),
        (Filters(year_to=2019), {1, 2}),
        (Filters(year_from=2019, year_to=2020), {2, 3}),
        (Filters(retention="permanent"), {4}),
        (Filters(disclosure="closed"), {1}),
        (Filters(department="3000001", retention="10", year_from=2016), {3}),
        (Filters(department="9999999"), set()),
    ],
)
def test_filters_narrow_the_results(filters: Filters, expected: set[int]) -> None:
    index = RecordIndex(None)
    index.add(
        [
            record(1, "보존기간", year=2015, disclosure="closed"),
            record(2, "보존기간", year=2019, department="3000002"),
            record(3, "보존기간", year=2020, doc_type="minutes"),
            record(4, "보존기간", year=2024, retention="permanent"),
            record(5, "폐기", year=2020),
        ]
    )
    result = index.search("보존기간", audiences=None, filters=filters)
    assert {h.id for h in result.hits} == expected
    assert result.total == len(expected)


def test_empty_query() -> None:
    index = RecordIndex(None)
    index.add([record(1, "하는 것")])
    for query in ("", "  ", "하는 및", "!!"):
        result = index.search(query, audiences=None)
        assert (result.total, result.hits, result.terms) == (0, [], [])


def test_delete_and_upsert() -> None:
    index = RecordIndex(None)
    assert index.add([record(1, "보존기간"), record(2, "보존기간"), record(3, "이관")]) == 3
    assert index.delete([2, 99]) == 1
    assert ids(index, "보존기간") == {1}
    assert index.count() == 2
    index.add([record(1, "폐기 대상")])
    index.add([record(1, "폐기 대상 기록물"), record(1, "폐기 대상 문서")])  # the same id twice in one call
    assert index.count() == 2
    assert ids(index, "폐기") == {1}
    assert ids(index, "보존기간") == set()
    assert ids(index, "문서") == {1}
    assert ids(index, "기록물") == set()


def corpus(n: int, seed: int) -> list[IndexedRecord]:
    rng = random.Random(seed)
    words = ["보존기간", "이관", "폐기", "기록물철", "단위과제", "접근권한", "비공개", "해시값", "백업", "복원"]
    return [
        record(
            i,
            " ".join(rng.choices(words, k=8)),
            year=rng.randint(2000, 2025),
            audiences=frozenset({rng.choice(["public", "dept:A", "dept:B"])}),
        )
        for i in range(n)
    ]


def test_rebuild_gives_the_same_results_as_adding(tmp_path: Path) -> None:
    records = corpus(300, seed=5)
    incremental = RecordIndex(tmp_path / "a")
    for start in range(0, 300, 50):
        incremental.add(records[start : start + 50])
    rebuilt = RecordIndex(tmp_path / "b")
    rebuilt.add([record(1000, "보존기간 남은 문서")])  # wiped by the rebuild
    counts: list[int] = []
    assert rebuilt.rebuild(records, progress=counts.append, every=100) == 300
    assert counts == [100, 200, 300]
    assert rebuilt.count() == incremental.count() == 300
    for query in ("보존기간", "이관 폐기", "비공개된 해시값을", "백업과 복원"):
        for audiences in (None, PUBLIC, frozenset({"dept:A"})):
            a = incremental.search(query, audiences=audiences, limit=1000)
            b = rebuilt.search(query, audiences=audiences, limit=1000)
            assert a.total == b.total
            assert {h.id for h in a.hits} == {h.id for h in b.hits}
            assert a.total > 0


def test_the_index_persists_and_reopens(tmp_path: Path) -> None:
    path = tmp_path / "index" / "records"
    first = RecordIndex(path)
    assert first.created
    first.add([record(1, "보존기간"), record(2, "이관")])
    del first
    again = RecordIndex(path)
    assert not again.created
    assert again.count() == 2
    assert ids(again, "이관") == {2}


def test_an_index_with_another_schema_is_emptied_for_a_rebuild(tmp_path: Path) -> None:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("old_id", indexed=True)
    old = tantivy.Index(builder.build(), path=str(tmp_path))
    with old.writer(15_000_000, 1) as writer:
        writer.add_document(tantivy.Document(old_id=1))
    del old
    index = RecordIndex(tmp_path)
    assert index.created
    assert index.count() == 0
    index.rebuild([record(1, "보존기간")])
    assert ids(index, "보존기간") == {1}


def test_a_second_index_object_sees_commits(tmp_path: Path) -> None:
    writer, reader = RecordIndex(tmp_path), RecordIndex(tmp_path)
    writer.add([record(1, "보존기간")])
    reader._index.reload()  # another process would see it after tantivy's reload delay
    assert ids(reader, "보존기간") == {1}


def test_a_held_writer_lock_gives_a_clear_error(tmp_path: Path) -> None:
    holder = RecordIndex(tmp_path)
    waiting = RecordIndex(tmp_path, lock_wait_s=0.3)
    held = holder._writer(15_000_000, 1)
    with pytest.raises(IndexLockedError, match="being written by another process"):
        waiting.add([record(1, "보존기간")])
    held.rollback()
    del held
    assert waiting.add([record(1, "보존기간")]) == 1


# -- snippets ------------------------------------------------------------------------------------


def test_snippet_highlights_a_term_broken_by_a_line() -> None:
    text = "제26조 기록물의 보존\n기간은 영구, 준영구, 30년으로 구분한다."
    pieces = snippet(text, ["보존기간"])
    highlighted = [p for p, h in pieces if h]
    assert highlighted == ["보존 기간"]
    assert "".join(p for p, _ in pieces) == " ".join(text.split())


def test_snippet_cuts_around_the_first_match() -> None:
    text = "가나다라 " * 50 + "보존기간을 정한다. " + "마바사 " * 50 + "보존기간"
    pieces = snippet(text, ["보존기간", "정"], width=40)
    joined = "".join(p for p, _ in pieces)
    assert pieces[0] == ("…", False)
    assert pieces[-1] == ("…", False)
    assert len(joined) <= 40 + 2
    assert [p for p, h in pieces if h] == ["보존기간", "정"]


def test_snippet_without_a_match_is_the_beginning() -> None:
    text = "회의록\n" + "안건 " * 100
    pieces = snippet(text, ["보존기간"], width=20)
    assert pieces == [("회의록 안건 안건 안건 안건 안건 안…", False)]
    assert snippet("짧은 글", [], width=20) == [("짧은 글", False)]


# -- a property ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def articles_index() -> tuple[RecordIndex, list[str]]:
    articles = load_articles()
    return article_index(articles), ["".join((title + body).split()) for title, body in articles]


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_hangul_stretch_of_a_record_finds_it(
    articles_index: tuple[RecordIndex, list[str]], data: st.DataObject
) -> None:
    """A stretch of two or more Hangul syllables copied from a record (spaces removed) finds
    that record, whatever Kiwi makes of it, as long as a term is left."""
    index, texts = articles_index
    n = data.draw(st.integers(0, len(texts) - 1))
    stretches = re.findall(r"[가-힣]{2,}", texts[n])
    stretch = data.draw(st.sampled_from(stretches))
    start = data.draw(st.integers(0, len(stretch) - 2))
    piece = stretch[start : data.draw(st.integers(start + 2, min(len(stretch), start + 12)))]
    terms = korean.query_terms(piece)
    assert all(t in piece for t in terms)
    if terms:
        assert n in ids(index, piece)
