"""How close recognised text is to the truth: the character error rate (CER).

Both texts are put in Unicode NFC form (so a Hangul syllable typed as separate jamo counts as
the syllable) and every run of whitespace, line breaks included, becomes one space; the ends are
trimmed. The CER is then the Levenshtein distance (insertions, deletions and substitutions of one
character each) divided by the length of the truth.
"""

from __future__ import annotations

import unicodedata

from rapidfuzz.distance import Levenshtein


def normalise(text: str) -> str:
    """NFC form with whitespace collapsed to single spaces and trimmed."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(recognised: str, truth: str) -> float:
    """Edits needed to turn ``recognised`` into ``truth``, per character of the truth.

    0.0 is a perfect read; the figure can exceed 1.0 when the recognised text is much longer than
    the truth. An empty truth gives 0.0 if nothing was recognised either, else 1.0.
    """
    got, want = normalise(recognised), normalise(truth)
    if not want:
        return 0.0 if not got else 1.0
    return Levenshtein.distance(got, want) / len(want)
