"""HS codes (the Harmonized System of the World Customs Organization) as a business gives them.

The international part is six digits: chapter (2), heading (2), subheading (2). Chapters run
from 01 to 97; chapter 77 is reserved for future use and holds no goods; chapter 98 and 99 are
left to each country's own use and are not accepted here for goods sold abroad. Korea's own
tariff nomenclature (HSK) adds four digits: a 10-digit HSK is accepted and its first six digits
are the international code the marketplaces and the buyer's customs read. Dots, spaces and
hyphens as people write them (``3304.99-1000``) are dropped; anything else is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

RESERVED_CHAPTERS = frozenset({77})
FIRST_CHAPTER = 1
LAST_CHAPTER = 97


@dataclass(frozen=True)
class HsCode:
    digits: str  # 6 or 10 digits

    @property
    def international(self) -> str:
        return self.digits[:6]

    @property
    def chapter(self) -> int:
        return int(self.digits[:2])

    @property
    def national(self) -> bool:
        return len(self.digits) == 10

    def formatted(self) -> str:
        d = self.digits
        six = f"{d[:4]}.{d[4:6]}"
        return f"{six}-{d[6:]}" if self.national else six


def parse(text: str) -> tuple[HsCode | None, str | None]:
    """(the code, None) or (None, why not: ``format``, ``length``, ``chapter``, ``reserved``)."""
    cleaned = "".join(ch for ch in text.strip() if ch not in " .-")
    if not cleaned or not cleaned.isascii() or not cleaned.isdigit():
        return None, "format"
    if len(cleaned) not in (6, 10):
        return None, "length"
    chapter = int(cleaned[:2])
    if chapter in RESERVED_CHAPTERS:
        return None, "reserved"
    if not FIRST_CHAPTER <= chapter <= LAST_CHAPTER:
        return None, "chapter"
    if cleaned[2:4] == "00":
        return None, "heading"
    return HsCode(cleaned), None
