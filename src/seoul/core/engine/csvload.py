"""Reading reference CSV files with errors that name the file, line and field."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


class ReferenceDataError(ValueError):
    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def read_rows(path: Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) pairs; the header is line 1. Fails fast on a wrong header."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceDataError([RowError(path.name, 1, c, "column missing from header") for c in missing])
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}


def parse(value: str, kind: Any, *, optional: bool = False) -> Any:
    if value == "":
        if optional:
            return None
        raise ValueError("is required")
    if kind is date:
        return date.fromisoformat(value)
    result = kind(value)
    if isinstance(result, int) and result < 0:
        raise ValueError("must not be negative")
    return result
