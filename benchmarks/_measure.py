"""Shared by the benchmarks: the peak memory of this process.

``getrusage().ru_maxrss`` survives ``exec`` on Linux, so a child started by a parent that had
grown large reports the parent's peak. ``VmHWM`` in ``/proc/self/status`` belongs to the
process's own address space and starts afresh at ``exec``.
"""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (not Linux?)")
