"""Korean text as the search index sees it.

Two halves that must agree:

- the index side (``bigrams``): text is normalised (NFKC, lower case), every whitespace
  character is removed, and what is left is cut into runs of letters and digits (punctuation
  ends a run). Each run becomes its overlapping character bigrams, then its last character on
  its own. So every character starts exactly one token, words split by an OCR line break or a
  lost space still give the right bigrams, and no phrase can reach across punctuation;
- the query side (``query_terms``): each query word is cut to its stem with kiwipiepy, so
  "보존기간을" searches for "보존기간" and "이관하는" for "이관". A term then matches where all
  of its bigrams occur one after the other (``term_runs`` / ``run_bigrams``); a long term also
  where one syllable of it was misread, a short one only where ㅖ was read ㅔ or back
  (``misreadings``).
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from operator import add
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


class _Token(Protocol):
    form: str
    tag: str
    start: int
    len: int


class _Kiwi(Protocol):
    def tokenize(self, text: str) -> Sequence[_Token]: ...


# Morphemes that carry the meaning of a query word. Everything else is dropped: particles
# (J*), endings (E*), verb/adjective-making suffixes (XSV, XSA), copulas, bound nouns (수, 것,
# 등), pronouns, determiners, adverbs, interjections and punctuation.
_NOUNISH = frozenset({"NNG", "NNP", "NR", "XR", "SL", "SH", "SN", "XPN", "XSN"})
_VERB_STEMS = frozenset({"VV", "VA"})
_WEB = "W_"  # kiwipiepy's URL, e-mail, serial-number ... tags
_COUNTED = frozenset({"SN", "NR"})  # a bound noun right after a number is its unit: 30년, 제20조
# Nouns so general in a query that requiring them only loses records ("이관하는 경우").
STOP_NOUNS = frozenset({"경우", "여부"})
# Verbs that only link words in a phrase ("법에 따라", "보존을 위하여", "공개에 관한").
STOP_VERBS = frozenset({"따르", "관하", "대하", "위하", "의하", "통하", "인하", "말하"})
# A plural suffix is not part of what is searched for ("기록물들" -> "기록물").
_DROP_SUFFIXES = frozenset({"들"})

_WHITESPACE = re.compile(r"\s+")
# Anything that is not a letter or digit ends a run; so do the middle dots Korean uses between
# words ("생산ㆍ관리"), which Unicode counts as letters (U+318D, and U+119E after NFKC).
_SEPARATORS = re.compile(r"[\W_\u318d\u119e\u00b7\u30fb\u2027\u2219]+")

_kiwi: _Kiwi | None = None
_kiwi_lock = threading.Lock()


def _analyser() -> _Kiwi:
    """The process's one Kiwi (loading its model takes a second or two)."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def warm_up() -> None:
    """Load the Kiwi model now instead of on the first query."""
    _analyser().tokenize("기록물")


def normalise(text: str) -> str:
    """NFKC (full-width letters, circled digits ...) and lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    """The normalised text without whitespace, cut at punctuation into runs of letters/digits."""
    compact = _WHITESPACE.sub("", normalise(text))
    return [r for r in _SEPARATORS.split(compact) if r]


def run_bigrams(run: str) -> list[str]:
    """The overlapping two-character pieces of one run ("보존기간" -> 보존, 존기, 기간)."""
    return list(map(add, run, run[1:]))


def bigrams(text: str) -> list[str]:
    """The index's tokens for a text: per run its bigrams, then its last character alone."""
    tokens: list[str] = []
    for run in runs(text):
        tokens.extend(map(add, run, run[1:]))
        tokens.append(run[-1])
    return tokens


def index_text(texts: Iterable[str]) -> str:
    """The tokens of several texts, space-separated, for a field with the whitespace tokenizer.

    The position of a token is its place in this string, so phrase queries on bigrams work."""
    return " ".join(" ".join(bigrams(t)) for t in texts if t)


def term_runs(term: str) -> list[str]:
    """The runs a query term must match, each as a whole (usually just one)."""
    return runs(term)


# -- one misread syllable ------------------------------------------------------------------------
#
# OCR misreads a syllable now and then, and almost always as a syllable that differs from it in
# one letter (jamo): 행청 for 행정, 보존포맺 for 보존포맷, 페기 for 폐기 (34 of the 36 misread
# syllables in the shared test set's OCR output). So a run of TOLERANT_MIN Hangul syllables or
# more also matches with one of its syllables replaced by such a neighbour, every other syllable
# in its place. Shorter runs are too many and too close to one another for that (폐기/패기), so
# they allow one confusion only: the vowel ㅖ read as ㅔ or ㅔ as ㅖ (폐기/페기), the one the
# shared set's OCR made in two-syllable words, and one Korean itself blurs (after a consonant
# other than ㅇ, ㅖ may be pronounced [ㅔ]: 표준어 규정 표준발음법 제5항). A syllable at either
# end of a long run may only be the replaced one when it is inside a longer morpheme: a
# one-syllable morpheme at an end leaves a word of its own, and that word with a particle one
# letter away would match. Numbers and Latin letters never vary.

TOLERANT_MIN = 4
_HANGUL_RUN = re.compile(r"[\uac00-\ud7a3]+")
_SYLLABLE_BASE, _INITIALS, _MEDIALS, _FINALS = 0xAC00, 19, 21, 28
_E, _YE = 5, 7  # the medials ㅔ and ㅖ


@functools.lru_cache(maxsize=4096)
def free_syllables(run: str) -> tuple[int, ...]:
    """The places in a query run where a misread syllable is tolerated (none for short runs or
    runs with anything but Hangul syllables)."""
    if len(run) < TOLERANT_MIN or not _HANGUL_RUN.fullmatch(run):
        return ()
    alone = {tok.start for tok in _analyser().tokenize(run) if tok.len == 1}
    ends = {0, len(run) - 1}
    return tuple(i for i in range(len(run)) if not (i in ends and i in alone))


@functools.lru_cache(maxsize=4096)
def neighbours(syllable: str) -> str:
    """The Hangul syllables that differ from ``syllable`` in at most one of its initial, medial
    and final letters (itself included), in code point order."""
    code = ord(syllable) - _SYLLABLE_BASE
    initial, medial, final = code // (_MEDIALS * _FINALS), code // _FINALS % _MEDIALS, code % _FINALS
    codes = {(i * _MEDIALS + medial) * _FINALS + final for i in range(_INITIALS)}
    codes |= {(initial * _MEDIALS + m) * _FINALS + final for m in range(_MEDIALS)}
    codes |= {(initial * _MEDIALS + medial) * _FINALS + f for f in range(_FINALS)}
    return "".join(chr(_SYLLABLE_BASE + c) for c in sorted(codes))


def _ye_e(syllable: str) -> str:
    """The syllable with ㅖ for ㅔ or ㅔ for ㅖ; empty if it has neither."""
    code = ord(syllable) - _SYLLABLE_BASE
    medial = code // _FINALS % _MEDIALS
    if medial not in (_E, _YE):
        return ""
    return chr(ord(syllable) + (_YE - medial if medial == _E else _E - medial) * _FINALS)


@functools.lru_cache(maxsize=4096)
def misreadings(run: str) -> tuple[tuple[int, str], ...]:
    """Where a query run may hold a misread syllable and what it may have been read as:
    (place, the other syllables), for a long run every neighbour at its ``free_syllables``, for
    a run of two or three Hangul syllables only ㅖ/ㅔ swapped."""
    if len(run) >= TOLERANT_MIN:
        return tuple((i, neighbours(run[i]).replace(run[i], "")) for i in free_syllables(run))
    if len(run) < 2 or not _HANGUL_RUN.fullmatch(run):
        return ()
    return tuple((i, other) for i, ch in enumerate(run) if (other := _ye_e(ch)))


def _verb_stem(text: str, tok: _Token) -> str:
    """The part of a verb or adjective stem that stays the same in the query's surface form:
    만들어 -> 만들, but 관한 (관하 + ㄴ fused) -> 관. Empty for helpers such as 하, 있, 따르."""
    if tok.form in STOP_VERBS:
        return ""
    surface = text[tok.start : tok.start + tok.len]
    stem = ""
    for a, b in zip(tok.form, surface, strict=False):
        if a != b:
            break
        stem += a
    return stem if len(stem) >= 2 else ""


def query_terms(query: str) -> list[str]:
    """The search terms in a query: each word cut to its stem, in order, without repeats.

    Within a word, adjacent nouns, roots, prefixes, noun suffixes, foreign words and numbers
    stay together as one term ("영구기록물관리기관으로" -> "영구기록물관리기관"), with a number's
    unit ("30년"); a verb made from a noun keeps the noun ("이관하는" -> "이관"); other verb
    stems are kept when two syllables or more survive in the query ("만들어" -> "만들"), except
    linking verbs (STOP_VERBS). Terms are normalised like the index."""
    text = normalise(query)
    if not text.strip():
        return []
    terms: list[str] = []
    group: list[_Token] = []

    def close() -> None:
        while group and (group[-1].tag == "XPN" or group[-1].form in _DROP_SUFFIXES):
            group.pop()  # a prefix with nothing after it, or a plural suffix
        if group:
            term = text[group[0].start : group[-1].start + group[-1].len]
            if term not in STOP_NOUNS and term not in terms and runs(term):
                terms.append(term)
        group.clear()

    def add_term(term: str) -> None:
        if term and term not in terms:
            terms.append(term)

    for tok in _analyser().tokenize(text):
        tag = tok.tag.split("-")[0]
        adjacent = bool(group) and tok.start == group[-1].start + group[-1].len
        counted = tag == "NNB" and adjacent and group[-1].tag in _COUNTED
        if tag in _NOUNISH or tag.startswith(_WEB) or counted:
            if not adjacent:
                close()
            group.append(tok)
        else:
            close()
            if tag in _VERB_STEMS:
                add_term(_verb_stem(text, tok))
    close()
    return terms


def term_pattern(terms: Sequence[str], *, misread: bool = False) -> re.Pattern[str] | None:
    """A regular expression finding any of the terms in raw text, with whitespace allowed
    between any two characters (an OCR line break can fall inside a word) and any punctuation
    between a term's runs. With ``misread``, also where one syllable of a run is misread, as
    the index finds it (``misreadings``). Case is ignored. Longest terms first."""
    alternatives: set[str] = set()
    for term in terms:
        parts = term_runs(term)
        variants: list[list[tuple[int, str] | None]] = [[None] * len(parts)]
        if misread:
            variants += [
                [place if k == r else None for k in range(len(parts))]
                for r, run in enumerate(parts)
                for place in misreadings(run)
            ]
        for misread_at in variants:
            alternatives.add(
                r"(?:[\W_\u318d\u00b7]*)".join(_run_pattern(run, m) for run, m in zip(parts, misread_at, strict=True))
            )
    alternatives.discard("")
    if not alternatives:
        return None
    return re.compile("|".join(sorted(alternatives, key=len, reverse=True)), re.IGNORECASE)


def _run_pattern(run: str, misread_at: tuple[int, str] | None) -> str:
    return r"\s*".join(
        f"[{ch}{misread_at[1]}]" if misread_at and i == misread_at[0] else re.escape(ch) for i, ch in enumerate(run)
    )
