"""A 60-day surge on 12 hospitals, played by ``simulate.run`` with the placement engine
(OPTIMISED) and with the nearest-available rule (NEAREST) on the same arrivals (issue: "runs a
60-day surge scenario for 12 hospitals in < 60 s").

    .venv/bin/python benchmarks/hospitals_surge.py [--seed 2020] [--repeat 1] [--without-moves]
                                                   [--arrival-order shuffled|severe-first|mild-first]
                                                   [--scenario FILE] [--write-scenario PATH]

``--without-moves`` also plays the solver with no inpatient allowed to step down (``place``
given no inpatients), to show what the step-down transfers are worth.

No Django and no database. The scenario is generated (below) unless ``--scenario`` names a
file; ``--write-scenario PATH`` writes the generated one as JSON and exits. The committed
``docs/scenarios/hospitals-surge-wave.json`` is this generator's output with the defaults:

    .venv/bin/python benchmarks/hospitals_surge.py --write-scenario docs/scenarios/hospitals-surge-wave.json

The scenario is parsed by ``simulate.parse`` with no registered hospitals (every hospital is
listed), district names resolved by ``districts.by_name``, district points from
``districts.centroids`` and sub-regions from ``hospitals/reference/district_regions.csv``: what
``seoul hospitals simulate`` does on a database holding only the reference data.

The generator (docs/hospitals-simulation.md has the reasoning):

- Start 2020-12-01, 60 days; lengths of stay 10/12/14/21 days (mild/moderate/severe/critical),
  the engine's defaults, written out.
- Hospitals: the 10 city hospitals with inpatient beds, with the demo allocation of beds per
  tier (``seoul.hospitals.demo.BEDS``, copied below because importing ``demo`` needs Django;
  isolation rooms left out: they overlap the tiers), at their reference coordinates where
  ``hospitals.csv`` has them, else their district's centre; ``district`` is given for every
  hospital so its sub-region is its district's. Plus two community treatment centres (mild
  beds only, 150 each) in 노원구 (north-east) and 송파구 (south-east), hypothetical. Occupied on
  day 0: OCCUPIED × beds per tier (critical 85 %, severe 75 %, moderate 65 %, mild 50 %).
- Arrivals: a city-level daily curve shaped like Seoul's December 2020 wave: 200 cases a day on
  day 0, rising exponentially to 500 on day 23 (24 December), then easing exponentially to 150
  on day 59; the network receives SHARE = 25 % of it, times a log-normal day-to-day noise
  (σ 0.1). Each day's patients get tiers drawn mild 50 %, moderate 36 %, severe 10 %, critical
  4 %, and arrive in clusters of up to CLUSTER patients of one tier from one district (mild 10,
  moderate 8, severe 4, critical 2: the file stays small), the district drawn by population.
  A day's lines are shuffled (``--arrival-order``): the nearest rule serves patients who waited
  equally long in the file's order, so lines sorted by tier would favour one tier.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hospitals import ROOT, district_points, district_regions, english_name, populations

from seoul.core.engine.districts import by_name
from seoul.hospitals.demo_beds import BEDS
from seoul.hospitals.engine import placement, simulate
from seoul.hospitals.engine.placement import Method
from seoul.hospitals.engine.report import TIERS, Tier

GOAL_S = 60.0
START = "2020-12-01"
DAYS = 60
STAY = {Tier.MILD: 10, Tier.MODERATE: 12, Tier.SEVERE: 14, Tier.CRITICAL: 21}
DEMO_BEDS = BEDS  # the demo's beds per tier (seoul.hospitals.demo_beds), not the real allocations
TREATMENT_CENTRES = {"CTC-NE": ("노원구", 150), "CTC-SE": ("송파구", 150)}  # hypothetical
OCCUPIED = {Tier.CRITICAL: 0.85, Tier.SEVERE: 0.75, Tier.MODERATE: 0.65, Tier.MILD: 0.5}
CURVE = (200.0, 23, 500.0, 150.0)  # cases on day 0, peak day, cases at the peak, cases on the last day
SHARE = 0.25
NOISE = 0.1
TIER_MIX = {Tier.MILD: 0.50, Tier.MODERATE: 0.36, Tier.SEVERE: 0.10, Tier.CRITICAL: 0.04}
CLUSTER = {Tier.MILD: 10, Tier.MODERATE: 8, Tier.SEVERE: 4, Tier.CRITICAL: 2}
ORDERS = ("shuffled", "severe-first", "mild-first")
HOSPITALS_CSV = ROOT / "src" / "seoul" / "hospitals" / "reference" / "hospitals.csv"


def city_cases(day: int) -> float:
    """The city-level curve: exponential rise to the peak, exponential easing after it."""
    first, peak_day, peak, last = CURVE
    if day <= peak_day:
        return float(first * (peak / first) ** (day / peak_day))
    return float(peak * (last / peak) ** ((day - peak_day) / (DAYS - 1 - peak_day)))


def scenario(seed: int, order: str = "shuffled") -> dict[str, Any]:
    rng = random.Random(seed)
    shuffler = random.Random(f"order-{seed}")
    with HOSPITALS_CSV.open(encoding="utf-8", newline="") as fh:
        reference = {row["code"]: row for row in csv.DictReader(fh)}
    hospitals: list[dict[str, Any]] = []
    beds_of: dict[str, dict[Tier, int]] = {
        code: dict(zip((Tier.CRITICAL, Tier.SEVERE, Tier.MODERATE, Tier.MILD), counts[:4], strict=True))
        for code, counts in DEMO_BEDS.items()
    }
    places: dict[str, tuple[str, str, str]] = {
        code: (reference[code]["district"], reference[code]["lat"], reference[code]["lon"]) for code in DEMO_BEDS
    }
    for code, (where, mild) in TREATMENT_CENTRES.items():
        beds_of[code] = {Tier.MILD: mild}
        places[code] = (where, "", "")
    for code, beds in beds_of.items():
        where, lat, lon = places[code]
        h: dict[str, Any] = {"id": code, "district": english_name(by_name(where).index)}
        if lat and lon:
            h["lat"], h["lon"] = float(lat), float(lon)
        h["beds"] = {t.value: beds[t] for t in TIERS if beds.get(t)}
        h["occupied"] = {t.value: round(OCCUPIED[t] * beds[t]) for t in TIERS if beds.get(t)}
        hospitals.append(h)

    people = populations()
    districts, weights = list(people), list(people.values())
    tiers, mix = list(TIER_MIX), list(TIER_MIX.values())
    arrivals: list[dict[str, Any]] = []
    for day in range(DAYS):
        n = round(SHARE * city_cases(day) * math.exp(rng.gauss(0, NOISE)))
        per_tier = Counter(rng.choices(tiers, weights=mix, k=n))
        today: list[dict[str, Any]] = []
        for tier in TIERS:
            left = per_tier[tier]
            lines: Counter[int] = Counter()
            while left > 0:
                size = min(left, CLUSTER[tier])
                lines[rng.choices(districts, weights=weights)[0]] += size
                left -= size
            for district in sorted(lines):
                today.append(
                    {"day": day, "district": english_name(district), "tier": tier.value, "count": lines[district]}
                )
        if order == "shuffled":
            shuffler.shuffle(today)
        else:
            today.sort(key=lambda a: Tier(a["tier"]).rank, reverse=order == "severe-first")
        arrivals.extend(today)
    return {
        "name": "Surge wave shaped like Seoul's December 2020 wave, on the demo's 10 city hospitals and two treatment centres",
        "generator": {
            "command": "benchmarks/hospitals_surge.py --write-scenario docs/scenarios/hospitals-surge-wave.json",
            "seed": seed,
            "arrival_order": order,
            "city_curve": {"day_0": CURVE[0], "peak_day": CURVE[1], "peak": CURVE[2], "last_day": CURVE[3]},
            "share": SHARE,
            "noise_sigma": NOISE,
            "tier_mix": {t.value: p for t, p in TIER_MIX.items()},
            "cluster": {t.value: k for t, k in CLUSTER.items()},
            "occupied_share": {t.value: p for t, p in OCCUPIED.items()},
            "beds": "seoul.hospitals.demo.BEDS (demo figures) and two hypothetical treatment centres",
        },
        "start": START,
        "days": DAYS,
        "length_of_stay_days": {t.value: STAY[t] for t in TIERS},
        "hospitals": hospitals,
        "arrivals": arrivals,
    }


def without_moves(
    parsed: simulate.Scenario, points: dict[int, tuple[float, float]], regions: dict[int, str]
) -> dict[str, Any]:
    """The solver's run with ``place`` given no inpatients: no one steps down to free a bed."""
    original = placement.place

    def place(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **{**kwargs, "inpatients": ()})

    simulate.place = place  # type: ignore[attr-defined]  # the name simulate.run calls
    try:
        return simulate.run(parsed, Method.OPTIMISED, district_point=points, district_region=regions).as_json()
    finally:
        simulate.place = original  # type: ignore[attr-defined]


def dumps(data: dict[str, Any]) -> str:
    """Indented JSON, with one hospital and one arrival line per row (a small, diffable file)."""
    head = {k: v for k, v in data.items() if k not in ("hospitals", "arrivals")}
    text = json.dumps(head, ensure_ascii=False, indent=2)[:-2]
    rows = ",\n".join(f"    {json.dumps(h, ensure_ascii=False)}" for h in data["hospitals"])
    arrivals = ",\n".join(f"    {json.dumps(a, ensure_ascii=False, separators=(',', ':'))}" for a in data["arrivals"])
    return f'{text},\n  "hospitals": [\n{rows}\n  ],\n  "arrivals": [\n{arrivals}\n  ]\n}}\n'


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each method (median reported)")
    ap.add_argument(
        "--arrival-order",
        choices=ORDERS,
        default="shuffled",
        help="order of a day's arrival lines, which breaks the nearest rule's ties (default: shuffled)",
    )
    ap.add_argument(
        "--without-moves",
        action="store_true",
        help="also play the solver with no inpatient allowed to step down (where the gains come from)",
    )
    ap.add_argument("--scenario", type=Path, help="play this scenario file instead of generating one")
    ap.add_argument("--write-scenario", type=Path, metavar="PATH", help="write the generated scenario and exit")
    args = ap.parse_args()

    if args.write_scenario:
        text = dumps(scenario(args.seed, args.arrival_order))
        args.write_scenario.parent.mkdir(parents=True, exist_ok=True)
        args.write_scenario.write_text(text, encoding="utf-8")
        print(f"wrote {args.write_scenario} ({len(text.encode()):,} bytes)")
        return
    data = (
        json.loads(args.scenario.read_text(encoding="utf-8"))
        if args.scenario
        else scenario(args.seed, args.arrival_order)
    )
    points, regions = district_points(), district_regions()
    parsed = simulate.parse(
        data,
        registered={},
        district_index=lambda name: by_name(name).index,
        district_point=points,
        district_region=regions,
    )
    arrivals = sum(a.count for a in parsed.arrivals)
    beds = {t.value: sum(h.beds.get(t, 0) for h in parsed.hospitals) for t in TIERS}
    print(
        f"{len(parsed.hospitals)} hospitals, {parsed.days} days from {parsed.start}, {arrivals:,} patients "
        f"in {len(parsed.arrivals)} arrival lines; beds {beds}"
    )

    seconds: dict[Method, list[float]] = {Method.OPTIMISED: [], Method.NEAREST: []}
    results: dict[Method, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for method in (Method.OPTIMISED, Method.NEAREST):
            start = time.perf_counter()
            out = simulate.run(parsed, method, district_point=points, district_region=regions)
            seconds[method].append(time.perf_counter() - start)
            results[method] = out.as_json()
    opt, near = results[Method.OPTIMISED], results[Method.NEAREST]
    print(f"{'':28}{'optimised':>12}{'nearest':>12}")
    for key in opt:
        if key != "by_tier":
            print(f"{key:28}{opt[key]!s:>12}{near[key]!s:>12}")
    for tier in TIERS:
        o, n = opt["by_tier"][tier.value], near["by_tier"][tier.value]
        print(
            f"  {tier.value:10} placed {o['placed']}/{o['patients']} vs {n['placed']}/{n['patients']}, "
            f"waiting patient-days {o['waiting_patient_days']} vs {n['waiting_patient_days']}, "
            f"peak waiting {o['peak_waiting']} vs {n['peak_waiting']}"
        )
    if args.without_moves:
        plain = without_moves(parsed, points, regions)
        print(
            "solver without step-down moves: "
            + ", ".join(f"{k} {plain[k]}" for k in ("surge_beds_needed", "waiting_patient_days", "transfers"))
            + ", peak waiting by tier "
            + str({t: v["peak_waiting"] for t, v in plain["by_tier"].items()})
        )
    opt_s, near_s = statistics.median(seconds[Method.OPTIMISED]), statistics.median(seconds[Method.NEAREST])
    met = opt_s < GOAL_S and opt["solver_fallback_days"] == 0
    print(
        f"wall seconds: optimised {[round(s, 2) for s in seconds[Method.OPTIMISED]]}, "
        f"nearest {[round(s, 2) for s in seconds[Method.NEAREST]]}"
    )
    print(f"goal: the optimised run under {GOAL_S:g} s: {'met' if met else 'NOT met'} ({opt_s:.2f} s)")
    print(
        json.dumps(
            {
                "benchmark": "hospitals_surge",
                "scenario": str(args.scenario)
                if args.scenario
                else f"generated, seed {args.seed}, {args.arrival_order}",
                "hospitals": len(parsed.hospitals),
                "days": parsed.days,
                "patients": arrivals,
                "optimised_s": round(opt_s, 3),
                "nearest_s": round(near_s, 3),
                "optimised_runs_s": [round(s, 3) for s in seconds[Method.OPTIMISED]],
                "nearest_runs_s": [round(s, 3) for s in seconds[Method.NEAREST]],
                "optimised": opt,
                "nearest": near,
                "goal_s": GOAL_S,
                "goal_met": met,
                **({"optimised_without_moves": plain} if args.without_moves else {}),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
