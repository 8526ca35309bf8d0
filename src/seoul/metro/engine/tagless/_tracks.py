"""The side question's max-product passes, compiled (Numba): one loop over cells instead of ~40
NumPy calls per time bin.

A gate decides one phone's window at a time; for one window the NumPy formulation spent almost
all of its 10 ms in call overhead on 3,000-cell arrays (docs/metro-tagless.md "Latency",
ADR 0018). The arithmetic is the NumPy formulation's, step for step and in float32, so the
decisions are bit-identical: for every cell the x step (stay, then columns ``c-1``, ``c+1``,
``c-2``, ``c+2``; a candidate must be strictly better to win, so ties keep the earlier one)
reads the previous bin's scores, the y step reads the x step's, then the bin's emission and
the class's allowed-row term are added in that order. Positions beyond the grid score ``NEG``
exactly as the padded arrays did.

Compiled on first use and cached beside this file (``cache=True``); where the directory is not
writable Numba warns and compiles in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
import numpy.typing as npt
from numba import njit

F32 = npt.NDArray[np.float32]
I8 = npt.NDArray[np.int8]
I64 = npt.NDArray[np.int64]

# Moves in the order they are tried (after "stay"); index 1 of the cost pair is the two-step price.
_MOVES = (-1, 1, -2, 2)


def _forward_py(
    ll: F32,  # (N, T, R, X) emissions
    alpha: F32,  # (N, 4, R, X) scores after bin 0; overwritten with the scores after the last bin
    allowed: F32,  # (4, R) 0 where the class may be, NEG elsewhere
    zone: F32,  # (R,) NEG on rows where two-column moves are impossible, else 0
    cost_x: F32,  # (2,) one / two columns
    cost_y: F32,  # (2,) one / two rows
    neg: np.float32,
    back_x: I8,  # (T, N, 2, R, X) column step of the crossing classes' best move
    back_y: I8,  # (T, N, 2, R, X) row step
) -> None:
    n, bins, rows, cols = ll.shape
    classes = alpha.shape[1]
    step = np.empty((rows, cols), dtype=np.float32)
    for w in range(n):
        for t in range(1, bins):
            for k in range(classes):
                a = alpha[w, k]
                for r in range(rows):
                    for c in range(cols):
                        v = a[r, c]
                        best = 0
                        for d in _MOVES:
                            cc = c + d
                            src = a[r, cc] if 0 <= cc < cols else neg
                            cand = src - cost_x[abs(d) - 1]
                            if d == 2 or d == -2:
                                cand = cand + zone[r]
                            if cand > v:
                                v = cand
                                best = d
                        step[r, c] = v
                        if k < 2:
                            back_x[t, w, k, r, c] = best
                for r in range(rows):
                    for c in range(cols):
                        v = step[r, c]
                        best = 0
                        for d in _MOVES:
                            rr = r + d
                            src = step[rr, c] if 0 <= rr < rows else neg
                            cand = src - cost_y[abs(d) - 1]
                            if cand > v:
                                v = cand
                                best = d
                        v = v + ll[w, t, r, c]
                        a[r, c] = v + allowed[k, r]
                        if k < 2:
                            back_y[t, w, k, r, c] = best


def _backtrack_py(back_x: I8, back_y: I8, row: I64, col: I64, track: I64, track_col: I64) -> None:
    """From the best end cells ``row``/``col`` (N, 2), fill ``track``/``track_col`` (N, 2, T)."""
    bins, n = back_x.shape[0], back_x.shape[1]
    for w in range(n):
        for k in range(2):
            r, c = row[w, k], col[w, k]
            track[w, k, bins - 1], track_col[w, k, bins - 1] = r, c
            for t in range(bins - 1, 0, -1):
                r = r + back_y[t, w, k, r, c]  # the row the step came from (after the column step)
                c = c + back_x[t, w, k, r, c]
                track[w, k, t - 1], track_col[w, k, t - 1] = r, c


forward = cast(Callable[..., None], njit(cache=True, nogil=True)(_forward_py))
backtrack = cast(Callable[..., None], njit(cache=True, nogil=True)(_backtrack_py))
