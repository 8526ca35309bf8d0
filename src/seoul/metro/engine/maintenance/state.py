"""A sensor's detector and health state as bytes, kept between batches in the database.

The readings of one sensor arrive in many HTTP batches, handled by whichever worker process
takes them, so the state that makes a stream's scores independent of where its batches are cut
(the patterns seen, the last bands, the rest after an alert, the still run and the usual
interval) is stored with the sensor. It is written as plain numeric arrays behind a small JSON
header (``dump``), never with pickle: a row of the database must not be able to run code, and
only plain number types are read back. (A first version wrote ``.npz`` archives; reading a small
archive's headers cost more than scoring the batch, and ``load`` still reads them.) Settings are not stored: they come from the sensor's configuration on every batch.

Each field of the dataclass is written by its value's type: a set of integers as a sorted
``int64`` array, a deque or an array as an array, a number or a flag as a 0-d array. A field
added later simply starts fresh for states written before it.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zlib
from collections import deque
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

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


MAGIC = b"SST1"
_DTYPES = {"<i8", "<f8", "|u1", "|b1", "<u8", "<i4", "<f4"}
"""Plain numeric types only: nothing in a stored state is an object."""


def _arrays(obj: Any) -> dict[str, npt.NDArray[Any]]:
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, value in _fields(obj).items():
        kind = _kind(value)
        if kind == "set":
            arrays[f"set:{name}"] = np.array(sorted(value), dtype=np.int64)
        elif kind == "deque":
            arrays[f"deque:{name}"] = np.array(list(value), dtype=np.float64)
        else:
            arrays[f"{kind}:{name}"] = np.asarray(value)  # a number stays 0-d (ascontiguousarray would make it 1-d)
    return arrays


def dump(obj: Any) -> bytes:
    """``SST1``, the length of a JSON header, the header (each array's key, dtype and shape), then
    the arrays' bytes one after the other; compressed with zlib (level 1: the patterns seen
    compress well, and the cost is a small part of a batch)."""
    arrays = _arrays(obj)
    header = json.dumps([[key, a.dtype.str, list(a.shape)] for key, a in arrays.items()]).encode()
    body = b"".join(a.tobytes() for a in arrays.values())
    return MAGIC + zlib.compress(len(header).to_bytes(4, "little") + header + body, 1)


def _read(data: bytes) -> dict[str, npt.NDArray[Any]]:
    raw = zlib.decompress(data[len(MAGIC) :])
    size = int.from_bytes(raw[:4], "little")
    header = json.loads(raw[4 : 4 + size])
    out: dict[str, npt.NDArray[Any]] = {}
    offset = 4 + size
    for key, dtype_text, shape in header:
        if dtype_text not in _DTYPES:
            raise ValueError(f"stored state: {key} has type {dtype_text}, not a plain number type")
        dtype = np.dtype(dtype_text)
        count = int(np.prod(shape)) if shape else 1
        out[key] = np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(shape).copy()
        offset += count * dtype.itemsize
    return out


def load(fresh: T, data: bytes) -> T:
    """``fresh`` (a new object, built with the current settings) with the stored state put back.
    States written as ``.npz`` by the first version are read too (without pickle)."""
    if not data:
        return fresh
    if data.startswith(MAGIC):
        stored = _read(data)
    else:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            stored = {key: archive[key] for key in archive.files}
    names = {f.name for f in dataclasses.fields(fresh)}  # type: ignore[arg-type]
    for key, value in stored.items():
        kind, _, name = key.partition(":")
        if kind not in _KINDS or name not in names:
            continue  # a field this version no longer has
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
