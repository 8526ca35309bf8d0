"""Formatting won amounts the way Korean public documents do (억/조), and in English."""

from __future__ import annotations

EOK = 100_000_000  # 억
JO = 10_000 * EOK  # 조


def format_krw(amount: int, lang: str = "ko") -> str:
    """``74_700_000_000`` → ``747억 원`` (ko) or ``KRW 74.7 billion`` (en).

    Korean: amounts of 1억 or more are given in 억 (with 조 above 1조), keeping up to one
    decimal of 억 where it is not zero; smaller amounts are given in full with separators.
    """
    sign = "-" if amount < 0 else ""
    a = abs(amount)
    if lang == "en":
        if a >= 1_000_000_000:
            return f"{sign}KRW {a / 1_000_000_000:,.1f} billion"
        if a >= 1_000_000:
            return f"{sign}KRW {a / 1_000_000:,.1f} million"
        return f"{sign}KRW {a:,}"
    if a < EOK:
        return f"{sign}{a:,}원"
    jo, rest = divmod(a, JO)
    eok = rest / EOK
    eok_text = f"{eok:,.1f}".rstrip("0").rstrip(".") if eok else ""
    if jo:
        return f"{sign}{jo:,}조 {eok_text}억 원" if eok_text else f"{sign}{jo:,}조 원"
    return f"{sign}{eok_text}억 원"
