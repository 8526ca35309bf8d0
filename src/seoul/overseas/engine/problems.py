"""One shape for what is wrong with something a person or a file gave: where (a field, or a
line and a field), a code the pages turn into words, and the values the words need."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    params: dict[str, Any] = dc_field(default_factory=dict)
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "code": self.code, "params": dict(self.params)}
        if self.line is not None:
            out["line"] = self.line
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        line = d.get("line")
        return cls(
            str(d["field"]), str(d["code"]), dict(d.get("params") or {}), int(line) if line is not None else None
        )
