"""A sensor's detector and health state as bytes, kept between batches in the database.

The readings of one sensor arrive in many HTTP batches, handled by whichever worker process
takes them, so the state that makes a stream's scores independent of where its batches are cut
(the patterns seen, the last bands, the rest after an alert, the still run and the usual
interval) is stored with the sensor. It is written as an ``.npz`` archive of plain arrays, never
with pickle (``allow_pickle=False`` on reading): a row of the database must not be able to run
code. Settings are not stored: they come from the sensor's configuration on every batch.

Each field of the dataclass is written by its value's type: a set of integers as a sorted
``int64`` array, a deque or an array as an array, a number or a flag as a 0-d array. A field
added later simply starts fresh for states written before it.
"""

from __future__ import annotations

import dataclasses
import io
from collections import deque
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

_KINDS = ("set", "deque", "array", "int", "float", "bool")


def _kind(value: Any) -> str:
    if isinstance(value, set):
        return "set"
    if isinstance(value, deque):
        return "deque"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    raise TypeError(f"cannot store a {type(value).__name__}")


def _fields(obj: Any) -> dict[str, Any]:
    """The fields that change as readings arrive: all but nested dataclasses (the settings)."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if not dataclasses.is_dataclass(value):
            out[f.name] = value
    return out


def dump(obj: Any) -> bytes:
    arrays: dict[str, Any] = {}
    for name, value in _fields(obj).items():
        kind = _kind(value)
        if kind == "set":
            arrays[f"set:{name}"] = np.array(sorted(value), dtype=np.int64)
        elif kind == "deque":
            arrays[f"deque:{name}"] = np.array(list(value), dtype=np.float64)
        else:
            arrays[f"{kind}:{name}"] = np.asarray(value)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def load(fresh: T, data: bytes) -> T:
    """``fresh`` (a new object, built with the current settings) with the stored state put back."""
    if not data:
        return fresh
    names = {f.name for f in dataclasses.fields(fresh)}  # type: ignore[arg-type]
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        for key in archive.files:
            kind, _, name = key.partition(":")
            if kind not in _KINDS or name not in names:
                continue  # a field this version no longer has
            value = archive[key]
            restored: Any
            if kind == "set":
                restored = set(value.tolist())
            elif kind == "deque":
                restored = deque(value.tolist())
            elif kind == "array":
                restored = value
            elif kind == "int":
                restored = int(value)
            elif kind == "float":
                restored = float(value)
            else:
                restored = bool(value)
            setattr(fresh, name, restored)
    return fresh


__all__ = ["dump", "load"]
