"""Throughput of the public pages, read APIs and staff worklists under a press-release crowd.

Sets up a throwaway PostgreSQL (Debian's, as the ``postgres`` user when run as root, on a free
port in a temporary directory) unless ``DATABASE_URL`` names an empty database, migrates it,
loads reference and demo data, then serves the platform exactly as ``seoul run`` does
(gunicorn, 2 sync workers) with the production settings (``seoul.settings_production``, DEBUG
off; TLS redirect off because wrk speaks plain HTTP on loopback, where a deployment's proxy
terminates TLS). wrk (2 threads, 16 connections) then loads each route in turn, ``/healthz``
first as the floor of the same run:

- public: ``/plan/``, ``/api/v1/plan/visions``, ``/metro/`` (the empty calculator) and the fare
  calculator and fare API with varied query strings (random origin/destination pairs from
  the shipped network, rider categories, payment and some boarding times);
- staff worklists, each with its own signed-in session cookie (signed in through the login
  form with the demo accounts): the plan dashboard (plan viewer), the tracing worklist
  (tracer), the guarantee examiner queue and the metro disputes list (fare staff).

Every response that is not 2xx counts as an error (a Lua hook counts them; wrk itself counts
only 4xx/5xx), as do socket errors and timeouts.

    .venv/bin/python benchmarks/throughput.py [--seconds 10] [--rounds 1] [--only plan_public,...]

Needs Debian's `wrk` (apt-get install -y wrk) and PostgreSQL (apt-get install -y postgresql).
Prints a table and one JSON line. Targets (issue #11 §4): public routes >= 1,000 req/s with
p99 <= 100 ms, staff worklists >= 300 req/s, no errors anywhere.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
KST = ZoneInfo("Asia/Seoul")
PUBLIC_RPS, PUBLIC_P99_MS, STAFF_RPS = 1000.0, 100.0, 300.0


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    target_rps: float | None  # None: the floor, no target
    user: str = ""  # demo account whose session cookie is sent
    varied: str = ""  # "api" or "page": the path gets varied fare query strings


ROUTES = [
    Route("healthz", "/healthz", None),
    Route("plan_public", "/plan/", PUBLIC_RPS),
    Route("api_visions", "/api/v1/plan/visions", PUBLIC_RPS),
    Route("metro_page", "/metro/", PUBLIC_RPS),
    Route("metro_page_fares", "/metro/", PUBLIC_RPS, varied="page"),
    Route("api_fare", "/api/v1/metro/fare", PUBLIC_RPS, varied="api"),
    Route("plan_dashboard", "/plan/dashboard/", STAFF_RPS, user="plan.viewer"),
    Route("tracing_worklist", "/tracing/", STAFF_RPS, user="tracer.mapo"),
    Route("guarantee_queue", "/guarantee/queue/", STAFF_RPS, user="guarantee.examiner"),
    Route("metro_disputes", "/metro/disputes/", STAFF_RPS, user="metro.staff"),
]

# One Lua state per wrk thread: ``paths`` are cycled from a per-thread offset, every
# response outside 200-299 is counted, and ``done`` prints one JSON line with the figures.
LUA = r"""
local paths = {%(paths)s}
local threads = {}
local counter = 1
non2xx = 0

function setup(thread)
  thread:set("offset", #threads * 7919)
  table.insert(threads, thread)
end

function init(args)
  counter = (offset or 0) %% #paths + 1
  %(headers)s
end

function request()
  local p = paths[counter]
  counter = counter %% #paths + 1
  return wrk.format("GET", p)
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local bad = 0
  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %%d, "duration_us": %%d, "non2xx": %%d, "connect": %%d, "read": %%d, ' ..
    '"write": %%d, "timeout": %%d, "p50_us": %%d, "p99_us": %%d}\n',
    summary.requests, summary.duration, bad, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary directory on a free port; yields its DATABASE_URL."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        sys.exit("PostgreSQL is not installed: apt-get install -y postgresql (or set DATABASE_URL)")
    pg_bin = versions[-1].parent
    base = Path(tempfile.mkdtemp(prefix="seoul-throughput-pg-"))
    base.chmod(0o755)
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    run = {"check": True, "stdout": subprocess.DEVNULL}
    subprocess.run(_as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"]), **run)  # noqa: S603
    options = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=50"
    ctl = [str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-o", options]
    subprocess.run(_as_postgres([*ctl, "start"]), **run)  # noqa: S603
    try:
        subprocess.run(  # noqa: S603
            [str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "seoul_bench"], **run
        )
        yield f"postgres://postgres@127.0.0.1:{port}/seoul_bench"
    finally:
        subprocess.run(_as_postgres([*ctl, "-m", "fast", "stop"]), stdout=subprocess.DEVNULL, check=False)  # noqa: S603
        shutil.rmtree(base, ignore_errors=True)


def wait_ready(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(port, "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not become ready")


def get(port: int, path: str, cookie: str = "") -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, body


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the login form as a browser would; returns the Cookie header to send.

    The production settings mark cookies Secure; a browser would not send them over plain
    HTTP, so they are kept here by hand (the server does not see the flag)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/accounts/login/")
    r = conn.getresponse()
    page = r.read().decode()
    jar = _cookies(r)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": username, "password": password})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
        "Referer": f"http://127.0.0.1:{port}/accounts/login/",
    }
    conn.request("POST", "/accounts/login/", body=body, headers=headers)
    r = conn.getresponse()
    r.read()
    jar.update(_cookies(r))
    conn.close()
    if r.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"signing in as {username} failed: HTTP {r.status}")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def fare_queries(n: int, seed: int = 11) -> list[dict[str, str]]:
    """``n`` fare questions a crowd might ask: random pairs of stations, mostly adult card
    fares boarded now, some for other riders, cash, or a boarding time in the last month."""
    import csv

    with (ROOT / "src/seoul/metro/reference/stations.csv").open(encoding="utf-8", newline="") as fh:
        names = sorted({row["station"] for row in csv.DictReader(fh)})
    rng = random.Random(seed)
    now = datetime.now(KST).replace(second=0, microsecond=0)
    out = []
    for _ in range(n):
        origin, destination = rng.sample(names, 2)
        q = {
            "origin": origin,
            "destination": destination,
            "card": rng.choices(["adult", "youth", "child", "senior"], weights=[80, 8, 4, 8])[0],
            "payment": "cash" if rng.random() < 0.1 else "card",
        }
        if rng.random() < 0.2:
            q["at"] = (now - timedelta(minutes=rng.randrange(30 * 24 * 60))).strftime("%Y-%m-%dT%H:%M")
        out.append(q)
    return out


def route_paths(route: Route, queries: list[dict[str, str]]) -> list[str]:
    if not route.varied:
        return [route.path]
    # The page's form sends every field; the API takes a time with its zone.
    if route.varied == "page":
        qs = [{"at": "", "sinbundang": "", **q} for q in queries]
    else:
        qs = [{**q, "at": q["at"] + ":00+09:00"} if "at" in q else q for q in queries]
    return [f"{route.path}?{urllib.parse.urlencode(q)}" for q in qs]


def wrk(port: int, paths: list[str], cookie: str, seconds: int, connections: int, script_dir: Path) -> dict[str, float]:
    headers = f'wrk.headers["Cookie"] = "{cookie}"' if cookie else ""
    script = script_dir / "route.lua"
    script.write_text(LUA % {"paths": ", ".join(json.dumps(p) for p in paths), "headers": headers})
    out = subprocess.run(  # noqa: S603 - fixed command
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"^WRKJSON (.*)$", out, re.MULTILINE)
    if not found:
        raise RuntimeError(f"no figures from wrk:\n{out}")
    f = json.loads(found.group(1))
    errors = f["non2xx"] + f["connect"] + f["read"] + f["write"] + f["timeout"]
    return {
        "rps": f["requests"] / (f["duration_us"] / 1e6),
        "p50_ms": f["p50_us"] / 1000,
        "p99_ms": f["p99_us"] / 1000,
        "errors": errors,
        "requests": f["requests"],
    }


def meets(route: Route, r: dict[str, float]) -> bool | None:
    if route.target_rps is None:
        return None
    ok = r["rps"] >= route.target_rps and r["errors"] == 0
    return ok and (route.user != "" or r["p99_ms"] <= PUBLIC_P99_MS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10, help="seconds of load per route (after 2 s of warm-up)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds over all routes; medians are shown")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--queries", type=int, default=2000, help="distinct fare questions")
    parser.add_argument("--only", default="", help="comma-separated route names (healthz always runs)")
    parser.add_argument("--label", default="", help="a label for the JSON line (e.g. before/after)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    routes = [r for r in ROUTES if not args.only or r.name == "healthz" or r.name in args.only.split(",")]

    var = Path(tempfile.mkdtemp(prefix="seoul-throughput-"))
    try:
        if os.environ.get("DATABASE_URL"):
            run(args, routes, var, os.environ["DATABASE_URL"])
        else:
            with throwaway_postgres() as url:
                run(args, routes, var, url)
    finally:
        shutil.rmtree(var, ignore_errors=True)


def prepared_platform(var: Path, database_url: str, hosts: str) -> dict[str, str]:
    """The environment of a production-like platform on ``database_url``, migrated, with
    reference and demo data and collected static files (the demo passwords in ``var``)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seoul.settings_production",
        "DATABASE_URL": database_url,
        "SEOUL_VAR_DIR": str(var),
        "SEOUL_DEBUG": "0",
        "SEOUL_SSL_REDIRECT": "0",
        "SEOUL_ALLOWED_HOSTS": hosts,
        "SEOUL_LOG_LEVEL": "WARNING",
    }
    seoul = str(BIN / "seoul")
    for cmd in (
        ["manage", "migrate", "-v", "0"],
        ["load-reference"],
        ["demo-data", "--quiet-accounts"],
        ["manage", "collectstatic", "--no-input", "-v", "0"],
    ):
        subprocess.run([seoul, *cmd], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return env


def run(args: argparse.Namespace, routes: list[Route], var: Path, database_url: str) -> None:
    env = prepared_platform(var, database_url, "127.0.0.1,localhost")
    passwords = json.loads((var / "demo_accounts.json").read_text())
    queries = fare_queries(args.queries)

    port = free_port()
    # As `seoul run` serves (gunicorn, 2 workers, access log on stdout, which goes nowhere here;
    # the server's own log is shown if something fails).
    server_log = (var / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [str(BIN / "seoul"), "run", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
    )
    results: dict[str, list[dict[str, float]]] = {r.name: [] for r in routes}
    try:
        wait_ready(port)
        cookies = {r.user: sign_in(port, r.user, passwords[r.user]) for r in routes if r.user}
        for r in routes:  # each route answers 200 before it is loaded (a sample of the varied ones)
            for path in route_paths(r, queries)[:3]:
                status, body = get(port, path, cookies.get(r.user, ""))
                if status != 200:
                    raise RuntimeError(f"{r.name}: {path} answered {status}:\n{body[:2000]}")
        for _ in range(args.rounds):
            for r in routes:
                paths, cookie = route_paths(r, queries), cookies.get(r.user, "")
                wrk(port, paths, cookie, 2, args.connections, var)  # warm-up
                results[r.name].append(wrk(port, paths, cookie, args.seconds, args.connections, var))
    except BaseException:
        print((var / "server.log").read_text()[-5000:], file=sys.stderr)
        raise
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()

    load = os.getloadavg()
    floor = statistics.median(x["rps"] for x in results["healthz"])
    summary: dict[str, object] = {}
    print(f"{'route':<18}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'of floor':>10}  target")
    for r in routes:
        med = {k: statistics.median(x[k] for x in results[r.name]) for k in ("rps", "p50_ms", "p99_ms")}
        med["errors"] = sum(x["errors"] for x in results[r.name])
        ok = meets(r, med)
        if r.target_rps is None:
            target = "floor"
        elif r.user:
            target = f">= {r.target_rps:,.0f} req/s, 0 errors: {'met' if ok else 'NOT MET'}"
        else:
            target = (
                f">= {r.target_rps:,.0f} req/s, p99 <= {PUBLIC_P99_MS:.0f} ms, 0 errors: {'met' if ok else 'NOT MET'}"
            )
        print(
            f"{r.name:<18}{med['rps']:>9,.0f}{med['p50_ms']:>9.1f}{med['p99_ms']:>9.1f}{med['errors']:>8.0f}"
            f"{med['rps'] / floor:>10.2f}  {target}"
        )
        summary[r.name] = {k: round(v, 2) for k, v in med.items()} | {"met": ok}
    met = all(v["met"] is not False for v in summary.values())  # type: ignore[index]
    print(f"all targets met: {met}; load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        json.dumps(
            {
                "benchmark": "throughput",
                "label": args.label,
                "seconds": args.seconds,
                "rounds": args.rounds,
                "connections": args.connections,
                "threads": 2,
                "workers": 2,
                "routes": summary,
                "all_met": met,
                "loadavg": [round(x, 2) for x in load],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
