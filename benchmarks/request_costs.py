"""What one request of each throughput route costs inside the application: CPU time of this
process (not PostgreSQL's) and the number of database queries.

The same set-up as ``throughput.py`` (a throwaway PostgreSQL with reference and demo data, the
production settings, the same demo accounts), but requests go through Django's test client in
this process, one after another (the fare routes with a different question each time), so the
figures say where the time goes and move less than wrk's when other jobs share the cores.

    .venv/bin/python benchmarks/request_costs.py [--requests 300]

Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import ROUTES, fare_queries, prepared_platform, route_paths, throwaway_postgres


def measure(requests: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    queries = fare_queries(requests)
    out = {}
    print(f"{'route':<18}{'CPU ms/request':>16}{'queries':>9}")
    for route in ROUTES:
        client = Client()
        if route.user:
            client.force_login(get_user_model().objects.get(username=route.user))
        paths = route_paths(route, queries)  # the varied routes: a different question each time
        path = paths[0]
        assert client.get(path).status_code == 200, path  # warm: what is kept is kept now
        seen: list[str] = []

        def count(execute: Any, sql: str, *args: Any, seen: list[str] = seen) -> Any:
            seen.append(sql)
            return execute(sql, *args)

        with connection.execute_wrapper(count):
            client.get(path)
        start = time.process_time()
        for i in range(requests):
            client.get(paths[i % len(paths)])
        cpu_ms = (time.process_time() - start) / requests * 1000
        out[route.name] = {"cpu_ms": round(cpu_ms, 3), "queries": len(seen)}
        print(f"{route.name:<18}{cpu_ms:>16.2f}{len(seen):>9}")
    print(json.dumps({"benchmark": "request_costs", "requests": requests, "routes": out}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per route")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        measure(args.requests)
        return
    var = Path(tempfile.mkdtemp(prefix="seoul-costs-"))
    try:
        with throwaway_postgres() as url:
            env = prepared_platform(var, url, "testserver")
            inner = [sys.executable, __file__, "--inner", "--requests", str(args.requests)]
            subprocess.run(inner, env=env, check=True)  # noqa: S603
    finally:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
