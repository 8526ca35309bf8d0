"""Granian against gunicorn serving the platform, measured with wrk on loopback.

Both servers run the same WSGI application with 2 worker processes (the machine has
2 cores), DEBUG off, against the same SQLite database with reference and demo data.
Rounds alternate between the servers; the table shows medians over rounds.

    .venv/bin/python benchmarks/wsgi_servers.py [--rounds 3] [--seconds 8] [--connections 16]

Needs Debian's `wrk` (apt-get install wrk). Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
URLS = {"healthz": "/healthz", "api_visions": "/api/v1/plan/visions", "public_page": "/plan/"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SERVERS = ("granian", "granian-bt4", "gunicorn")


def server_command(name: str, port: int) -> list[str]:
    if name.startswith("granian"):
        extra = ["--blocking-threads", "4", "--backpressure", "16"] if name == "granian-bt4" else []
        return [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            "2",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-ws",
            "--log-level",
            "warning",
            *extra,
            "seoul.wsgi:application",
        ]
    return [
        str(BIN / "gunicorn"),
        "--workers",
        "2",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "seoul.wsgi:application",
    ]


def wait_ready(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not become ready")


def wrk(port: int, path: str, seconds: int, connections: int) -> tuple[float, float]:
    out = subprocess.run(  # noqa: S603 - fixed command
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx responses from {path}:\n{out}")
    return rps, p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")

    var = Path(tempfile.mkdtemp(prefix="seoul-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seoul.settings",
        "SEOUL_VAR_DIR": str(var),
        "SEOUL_DEBUG": "0",
        "SEOUL_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    seoul = str(BIN / "seoul")
    for cmd in (["manage", "migrate", "-v", "0"], ["load-reference"], ["demo-data", "--quiet-accounts"]):
        subprocess.run([seoul, *cmd], env=env, check=True, capture_output=True)  # noqa: S603
    subprocess.run([seoul, "manage", "collectstatic", "--no-input", "-v", "0"], env=env, check=True)  # noqa: S603

    results: dict[str, dict[str, list[tuple[float, float]]]] = {name: {} for name in SERVERS}
    for _ in range(args.rounds):
        for name in SERVERS:
            port = free_port()
            proc = subprocess.Popen(server_command(name, port), env=env, cwd=ROOT)  # noqa: S603
            try:
                wait_ready(port)
                for key, path in URLS.items():
                    wrk(port, path, 2, args.connections)  # warm-up
                    results[name].setdefault(key, []).append(wrk(port, path, args.seconds, args.connections))
            finally:
                proc.terminate()
                proc.wait(timeout=20)

    summary: dict[str, dict[str, float]] = {}
    print(f"{'url':<14}{'server':<12}{'req/s (median)':>16}{'p99 ms (median)':>17}")
    for key in URLS:
        for name in SERVERS:
            rps = statistics.median(r for r, _ in results[name][key])
            p99 = statistics.median(p for _, p in results[name][key])
            summary[f"{name}.{key}.rps"] = round(rps, 1)
            summary[f"{name}.{key}.p99_ms"] = round(p99, 2)
            print(f"{key:<14}{name:<12}{rps:>16.1f}{p99:>17.2f}")
        for name in SERVERS[:-1]:
            ratio = summary[f"{name}.{key}.rps"] / summary[f"gunicorn.{key}.rps"]
            summary[f"ratio.{key}.{name}_over_gunicorn"] = round(ratio, 2)
            print(f"{key:<14}{name + '/gunicorn':<22}{ratio:>4.2f}")
    print(
        json.dumps(
            {
                "benchmark": "wsgi_servers",
                "rounds": args.rounds,
                "seconds": args.seconds,
                "connections": args.connections,
                **summary,
            }
        )
    )
    shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
