"""A listing's field values checked against its marketplace's fields (``reference.Field``).

Every value arrives as text (a form or a file); :func:`validate` returns the cleaned values and
every problem, each naming its field: required and missing, too short or long, too many lines
or a line too long, not a whole number or not a number, below or above the bounds, a value the
marketplace does not allow, a bad HS code (:mod:`hs`), control characters, a field the
marketplace does not have. A listing may be saved with problems (a draft); it can be marked
ready only without any.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from seoul.overseas.engine import hs
from seoul.overseas.engine.problems import Problem
from seoul.overseas.engine.reference import Field, Marketplace

MULTILINE = ("longtext", "lines")


@dataclass(frozen=True)
class Checked:
    values: dict[str, str]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _control(text: str, multiline: bool) -> bool:
    allowed = {"\n", "\t"} if multiline else set()
    return any((unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed) or ch in "\u2028\u2029" for ch in text)


def _number(f: Field, text: str) -> list[Problem]:
    try:
        value = Decimal(text) if f.type == "decimal" else Decimal(int(text))
    except (InvalidOperation, ValueError):
        return [Problem(f.code, "not_integer" if f.type == "integer" else "not_number")]
    if not value.is_finite():
        return [Problem(f.code, "not_number")]
    if f.type == "decimal" and value.as_tuple().exponent < -2:  # type: ignore[operator]
        return [Problem(f.code, "too_many_decimals", {"places": 2})]
    if f.min is not None and value < Decimal(str(f.min)):
        return [Problem(f.code, "below_min", {"min": f"{f.min:g}"})]
    if f.max is not None and value > Decimal(str(f.max)):
        return [Problem(f.code, "above_max", {"max": f"{f.max:g}"})]
    return []


def check_field(f: Field, raw: str) -> tuple[str, list[Problem]]:
    text = raw.replace("\r\n", "\n").strip()
    if f.type == "lines":
        text = "\n".join(line.strip() for line in text.split("\n") if line.strip())
    if not text:
        return "", [Problem(f.code, "required")] if f.required else []
    if _control(text, f.type in MULTILINE):
        return text, [Problem(f.code, "control_characters")]
    if f.type in ("text", "longtext"):
        if f.max_length is not None and len(text) > f.max_length:
            return text, [Problem(f.code, "too_long", {"max": f.max_length, "length": len(text)})]
        if len(text) < f.min_length:
            return text, [Problem(f.code, "too_short", {"min": f.min_length, "length": len(text)})]
        return text, []
    if f.type == "lines":
        lines = text.split("\n")
        found: list[Problem] = []
        if f.max_items is not None and len(lines) > f.max_items:
            found.append(Problem(f.code, "too_many_items", {"max": f.max_items, "count": len(lines)}))
        for i, line in enumerate(lines, start=1):
            if f.max_length is not None and len(line) > f.max_length:
                found.append(Problem(f.code, "item_too_long", {"item": i, "max": f.max_length, "length": len(line)}))
        return text, found
    if f.type in ("integer", "decimal"):
        return text, _number(f, text)
    if f.type == "choice":
        return text, [] if text in f.choices else [Problem(f.code, "not_allowed", {"allowed": ", ".join(f.choices)})]
    code, why = hs.parse(text)  # hs_code
    if code is None:
        return text, [Problem(f.code, f"hs_{why}")]
    return code.formatted(), []


def validate(marketplace: Marketplace, values: Mapping[str, str]) -> Checked:
    cleaned: dict[str, str] = {}
    problems: list[Problem] = []
    for f in marketplace.fields:
        text, found = check_field(f, str(values.get(f.code, "") or ""))
        if text:
            cleaned[f.code] = text
        problems.extend(found)
    for key in sorted(set(values) - {f.code for f in marketplace.fields}):
        problems.append(Problem(key, "unknown_field"))
    return Checked(cleaned, tuple(problems))
