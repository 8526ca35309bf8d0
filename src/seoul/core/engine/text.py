"""What free text may contain.

Control characters (NUL, escape, backspace, the C1 block, …) have no place in a name, a note or
a title: they break exports and terminals, hide text from reviewers and are a common fuzzing
find. Text direction overrides are refused too: they can make a label read differently from
what it stores. Multi-line text keeps line breaks and tabs; single-line text keeps neither.
"""

from __future__ import annotations

import re

# C0 controls except tab/newline/carriage return, DEL, C1 controls, line/paragraph separators
# and the bidirectional embedding/override/isolate controls.
_ALWAYS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_MULTILINE_BAD = re.compile(f"[{_ALWAYS}]")
_SINGLE_LINE_BAD = re.compile(f"[{_ALWAYS}\t\n\r]")

# The same rules as JSON Schema patterns (ECMA-262 syntax), published in the OpenAPI document.
SINGLE_LINE_PATTERN = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"
MULTILINE_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]*$"


def forbidden_characters(value: str, *, multiline: bool = False) -> list[tuple[int, str]]:
    """Each forbidden character as (position, ``U+XXXX``); empty when the text is clean."""
    pattern = _MULTILINE_BAD if multiline else _SINGLE_LINE_BAD
    return [(m.start(), f"U+{ord(m.group()):04X}") for m in pattern.finditer(value)]


def describe(found: list[tuple[int, str]]) -> str:
    """``U+0000 at 5, U+001B at 9`` (the first three)."""
    shown = ", ".join(f"{code} at {pos + 1}" for pos, code in found[:3])
    return shown + (" …" if len(found) > 3 else "")


def normalise_spaces(value: str) -> str:
    """Leading and trailing white space removed (inner spacing is the writer's)."""
    return value.strip()
