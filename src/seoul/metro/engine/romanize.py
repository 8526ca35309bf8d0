"""Revised Romanization of Korean (국어의 로마자 표기법, 2000) for place names such as station names.

What the rules say and this module does:
- letters by sound, not by spelling: the sound changes between syllables are written
  (linking 학여울 → Hagyeoul, nasalisation 독립문 → Dongnimmun, ㄹ → ㄴ after ㅁ/ㅇ 종로 → Jongno,
  liquidisation 신림 → Sillim, 선릉 → Seolleung, 십리 → simni);
- tensing is not written (압구정 → Apgujeong), nor aspiration of ㄱ/ㄷ/ㅂ before ㅎ in nouns
  (국회 → Gukhoe, 집현 → Jiphyeon); ㅢ is always ``ui`` (의정부 → Uijeongbu);
- a numbered ``가`` is written ``N(reading)-ga`` (종로3가 → Jongno 3(sam)-ga), as the rules write
  administrative units with a hyphen;
- the name starts with a capital letter; ``ㄱ ㄷ ㅂ`` are ``g d b`` before a vowel and ``k t p``
  before a consonant or at the end.

Not decided by rule, and left to a curated table by the caller: translated names (서울역 → Seoul
Station, 시청 → City Hall), hyphens the operators add to a name (명동 → Myeong-dong) and ㄴ
insertion at word joins, which depends on where the words join.
"""

from __future__ import annotations

import re

_BASE, _LAST = 0xAC00, 0xD7A3
_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
_VOWELS = [
    "a",
    "ae",
    "ya",
    "yae",
    "eo",
    "e",
    "yeo",
    "ye",
    "o",
    "wa",
    "wae",
    "oe",
    "yo",
    "u",
    "wo",
    "we",
    "wi",
    "yu",
    "eu",
    "ui",
    "i",
]
# Final consonants (index 0: none), as Hangul compatibility letters.
_FINALS = [
    "",
    "ㄱ",
    "ㄲ",
    "ㄳ",
    "ㄴ",
    "ㄵ",
    "ㄶ",
    "ㄷ",
    "ㄹ",
    "ㄺ",
    "ㄻ",
    "ㄼ",
    "ㄽ",
    "ㄾ",
    "ㄿ",
    "ㅀ",
    "ㅁ",
    "ㅂ",
    "ㅄ",
]
_FINALS += ["ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ"]
# Initials, as Hangul compatibility letters (index as in _INITIALS).
_INITIAL_LETTERS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"

# What a final sounds like before a consonant or at the end (the seven representative sounds).
_CODA = {
    "": "",
    "ㄱ": "k",
    "ㄲ": "k",
    "ㄳ": "k",
    "ㄺ": "k",
    "ㅋ": "k",
    "ㄴ": "n",
    "ㄵ": "n",
    "ㄶ": "n",
    "ㄷ": "t",
    "ㅅ": "t",
    "ㅆ": "t",
    "ㅈ": "t",
    "ㅊ": "t",
    "ㅌ": "t",
    "ㅎ": "t",
    "ㄹ": "l",
    "ㄼ": "l",
    "ㄽ": "l",
    "ㄾ": "l",
    "ㅀ": "l",
    "ㄻ": "m",
    "ㅁ": "m",
    "ㅂ": "p",
    "ㅄ": "p",
    "ㄿ": "p",
    "ㅍ": "p",
    "ㅇ": "ng",
}
# A final carried over to a following vowel: (what stays, the initial it becomes).
_LINKED = {
    "ㄱ": ("", "ㄱ"),
    "ㄲ": ("", "ㄲ"),
    "ㄳ": ("ㄱ", "ㅅ"),
    "ㄴ": ("", "ㄴ"),
    "ㄵ": ("ㄴ", "ㅈ"),
    "ㄶ": ("", "ㄴ"),
    "ㄷ": ("", "ㄷ"),
    "ㄹ": ("", "ㄹ"),
    "ㄺ": ("ㄹ", "ㄱ"),
    "ㄻ": ("ㄹ", "ㅁ"),
    "ㄼ": ("ㄹ", "ㅂ"),
    "ㄽ": ("ㄹ", "ㅅ"),
    "ㄾ": ("ㄹ", "ㅌ"),
    "ㄿ": ("ㄹ", "ㅍ"),
    "ㅀ": ("", "ㄹ"),
    "ㅁ": ("", "ㅁ"),
    "ㅂ": ("", "ㅂ"),
    "ㅄ": ("ㅂ", "ㅅ"),
    "ㅅ": ("", "ㅅ"),
    "ㅆ": ("", "ㅆ"),
    "ㅈ": ("", "ㅈ"),
    "ㅊ": ("", "ㅊ"),
    "ㅋ": ("", "ㅋ"),
    "ㅌ": ("", "ㅌ"),
    "ㅍ": ("", "ㅍ"),
    "ㅎ": ("", "ㅇ"),
}
_ROMAN_INITIAL = dict(zip(_INITIAL_LETTERS, _INITIALS, strict=True))
_SINO = {"1": "il", "2": "i", "3": "sam", "4": "sa", "5": "o", "6": "yuk", "7": "chil", "8": "pal", "9": "gu"}
_NUMBERED_GA = re.compile(r"^(.+?)(\d)가$")


def _syllables(word: str) -> list[tuple[str, int, str]]:
    """Each Hangul syllable as (initial letter, vowel index, final letter)."""
    out = []
    for ch in word:
        code = ord(ch)
        if not _BASE <= code <= _LAST:
            raise ValueError(f"not a Hangul syllable: {ch!r} in {word!r}")
        offset = code - _BASE
        out.append((_INITIAL_LETTERS[offset // 588], (offset % 588) // 28, _FINALS[offset % 28]))
    return out


def _join(final: str, initial: str) -> tuple[str, str]:
    """The final's sound and the next initial's romanisation where two syllables meet."""
    coda = _CODA[final]
    if initial == "ㅇ" and final:  # linking: the final opens the next syllable
        if final == "ㅇ":
            return "ng", ""
        stays, moves = _LINKED[final]
        return _CODA[stays], _ROMAN_INITIAL[moves] if moves != "ㄹ" else "r"
    if initial == "ㅎ":
        if final in ("ㅎ", "ㄶ", "ㅀ"):  # ㅎ itself is not heard, the next is aspirated: ㅎ+ㅎ → h
            return _CODA[final].replace("t", ""), "h"
        return coda, "h"  # nouns: 국회 Gukhoe, 집현 Jiphyeon (aspiration not written)
    if final in ("ㅎ", "ㄶ", "ㅀ") and initial in "ㄱㄷㅈ":
        return _CODA[final].replace("t", ""), {"ㄱ": "k", "ㄷ": "t", "ㅈ": "ch"}[initial]
    if initial == "ㄹ":
        if coda in ("l", "n"):  # 신림 Sillim, 별내 Byeollae, 월롱 Wollong
            return "l", "l"
        if coda in ("m", "ng"):  # 종로 Jongno, 정릉 Jeongneung
            return coda, "n"
        if coda == "k":  # 백록 Baengnok
            return "ng", "n"
        if coda == "p":  # 십리 simni
            return "m", "n"
        if coda == "t":
            return "n", "n"
        return "", "r"  # after a vowel
    if initial in ("ㄴ", "ㅁ"):
        if coda == "k":  # 독립문 Dongnimmun, 백마 Baengma
            coda = "ng"
        elif coda == "t":
            coda = "n"
        elif coda == "p":  # 압록 → amnok; 합류
            coda = "m"
        elif coda == "l" and initial == "ㄴ":  # 별내 Byeollae
            return "l", "l"
        return coda, _ROMAN_INITIAL[initial]
    return coda, _ROMAN_INITIAL[initial]


def romanize_word(word: str) -> str:
    """One word of Hangul syllables in lower case, with the sound changes between them."""
    parts = _syllables(word)
    out: list[str] = []
    initial = _ROMAN_INITIAL[parts[0][0]] if parts[0][0] != "ㄹ" else "r"
    for i, (_, vowel, final) in enumerate(parts):
        out.append(initial + _VOWELS[vowel])
        if i + 1 < len(parts):
            coda, initial = _join(final, parts[i + 1][0])
            out.append(coda)
        else:
            out.append(_CODA[final])
    return "".join(out)


def romanize(name: str) -> str:
    """A place name in the Revised Romanization: ``종로3가`` → ``Jongno 3(sam)-ga``."""
    numbered = _NUMBERED_GA.match(name)
    if numbered:
        stem, digit = numbered.groups()
        return f"{romanize(stem)} {digit}({_SINO[digit]})-ga"
    words = [romanize_word(w) for w in name.split()]
    return " ".join(w[:1].upper() + w[1:] for w in words)
