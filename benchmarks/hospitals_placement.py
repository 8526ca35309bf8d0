"""Placing a day's waiting list: ``placement.place`` (OR-Tools min-cost flow) and the
nearest-capable-bed rule ``placement.nearest`` on a generated network (issue: "places 500
waiting patients across 30 hospitals × 4 tiers in < 2 s").

    .venv/bin/python benchmarks/hospitals_placement.py [--patients 500] [--hospitals 30]
                                                       [--repeat 5] [--seed 2020]

No Django and no database: the engine is called directly. The generator (seeded, ``--seed``):

- Hospitals: the first 25 one in each district (in the districts' code order), the rest in
  districts drawn by population; each at its district's centroid moved by up to ±0.01° (about
  1 km) in latitude and longitude, in its district's sub-region (district_regions.csv).
  Every 6th hospital (0, 6, 12, ...) offers dialysis and pregnancy, hospital 1 children and
  hospital 2 psychiatric patients; the others no special need.
- Free staffed beds: a fifth of the hospitals (drawn) are full, no free bed of any tier. The
  others share, per tier, SUPPLY × the tier's waiting patients (mild 0.6, moderate 0.9, severe
  0.9, critical 0.8), each hospital in proportion to a size drawn from U(0.2, 1); mild beds
  only at every third hospital (treatment-centre places). So some patients must wait, and
  mild patients compete for beds above their tier.
- Waiting patients: tiers drawn mild 40 %, moderate 35 %, severe 17 %, critical 8 %; living in a
  district drawn by population, at its centroid ±0.01°; 4 % with one special need (dialysis
  40 %, pregnancy 30 %, child 20 %, psychiatric 10 %); waited 0-5 days (uniform).
- Inpatients above their tier (who may step down to free a bed): 10 % as many as the waiting
  patients, tier mild/moderate/severe (uniform), in a bed of a higher tier (uniform among
  them), at a hospital drawn uniformly (their bed counts as held, not free).

Times ``--repeat`` calls of each (wall clock; min and median), checks every proposal keeps
the engine's promises (no bed used twice, no patient below their tier, needs met) and prints a
table and one JSON line. The goal is met when the median ``place`` is under 2 s and the solver
answered every time (``place`` falls back to the nearest rule when it runs out of time).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _hospitals import district_points, district_regions, populations

from seoul.hospitals.engine.network import Need, Site
from seoul.hospitals.engine.placement import Inpatient, Method, Proposal, Waiting, nearest, place
from seoul.hospitals.engine.report import TIERS, Tier

GOAL_S = 2.0
TIER_MIX = {Tier.MILD: 0.40, Tier.MODERATE: 0.35, Tier.SEVERE: 0.17, Tier.CRITICAL: 0.08}
SUPPLY = {Tier.MILD: 0.6, Tier.MODERATE: 0.9, Tier.SEVERE: 0.9, Tier.CRITICAL: 0.8}
FULL_SHARE = 0.2
NEEDS_SHARE = 0.04
NEED_MIX = {Need.DIALYSIS: 0.4, Need.PREGNANCY: 0.3, Need.CHILD: 0.2, Need.PSYCHIATRIC: 0.1}
INPATIENT_SHARE = 0.1
JITTER = 0.01  # degrees


T = TypeVar("T")
Free = dict[tuple[str, Tier], int]  # free staffed beds per (hospital, tier)


def _draw(rng: random.Random, weights: dict[T, float], k: int = 1) -> list[T]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


def build(n_hospitals: int, n_patients: int, seed: int) -> tuple[list[Site], Free, list[Waiting], list[Inpatient]]:
    rng = random.Random(seed)
    points, regions, people = district_points(), district_regions(), populations()

    def near(district: int) -> tuple[float, float]:
        lat, lon = points[district]
        return lat + rng.uniform(-JITTER, JITTER), lon + rng.uniform(-JITTER, JITTER)

    sites: list[Site] = []
    for k in range(n_hospitals):
        district = k if k < len(points) else _draw(rng, people)[0]
        caps: frozenset[Need] = frozenset()
        if k % 6 == 0:
            caps = frozenset({Need.DIALYSIS, Need.PREGNANCY})
        elif k == 1:
            caps = frozenset({Need.CHILD})
        elif k == 2:
            caps = frozenset({Need.PSYCHIATRIC})
        sites.append(Site(f"H{k:02d}", *near(district), regions[district], caps))

    tiers = _draw(rng, TIER_MIX, n_patients)
    waiting: list[Waiting] = []
    for i, tier in enumerate(tiers):
        district = _draw(rng, people)[0]
        needs = frozenset(_draw(rng, NEED_MIX)) if rng.random() < NEEDS_SHARE else frozenset()
        waiting.append(Waiting(f"w{i}", tier, *near(district), regions[district], needs, rng.randint(0, 5)))

    full = set(rng.sample(range(n_hospitals), round(FULL_SHARE * n_hospitals)))
    size = {k: rng.uniform(0.2, 1.0) for k in range(n_hospitals) if k not in full}
    demand = Counter(tiers)
    free: Free = {}
    for tier in TIERS:
        takers = [k for k in size if tier is not Tier.MILD or k % 3 == 0] or list(size)
        supply = round(SUPPLY[tier] * demand[tier])
        for k in _draw(rng, {k: size[k] for k in takers}, supply) if takers else []:
            free[sites[k].code, tier] = free.get((sites[k].code, tier), 0) + 1

    inpatients: list[Inpatient] = []
    for i in range(round(INPATIENT_SHARE * n_patients)):
        tier = TIERS[rng.randint(0, 2)]
        bed = TIERS[rng.randint(tier.rank + 1, 3)]
        inpatients.append(Inpatient(f"q{i}", tier, sites[rng.randrange(n_hospitals)].code, bed))
    return sites, free, waiting, inpatients


def check(
    proposal: Proposal, sites: list[Site], free: Free, waiting: list[Waiting], inpatients: list[Inpatient]
) -> None:
    """The engine's promises: each patient placed once at their tier or above where their needs
    are met, no bed used beyond the free ones (plus those the moves free)."""
    by_code = {s.code: s for s in sites}
    patients = {p.id: p for p in waiting}
    held = Counter((q.hospital, q.bed) for q in inpatients)
    left = Counter(free)
    for m in proposal.moves:
        assert held[m.from_hospital, m.from_bed] > 0, m
        left[m.from_hospital, m.from_bed] += 1
        left[m.to_hospital, m.to_bed] -= 1
        assert m.to_bed.rank >= m.tier.rank, m
    seen = set()
    for a in proposal.assignments:
        p = patients[a.patient]
        assert a.patient not in seen, a
        seen.add(a.patient)
        assert a.bed.rank >= p.tier.rank, a
        assert by_code[a.hospital].can_treat(p.needs), a
        left[a.hospital, a.bed] -= 1
    assert all(n >= 0 for n in left.values()), {k: n for k, n in left.items() if n < 0}
    assert len(proposal.assignments) + len(proposal.waiting) == len(waiting)


def timed(fn, repeat: int) -> tuple[list[float], list[Proposal]]:  # type: ignore[no-untyped-def]
    times, results = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        results.append(fn())
        times.append(time.perf_counter() - start)
    return times, results


def summary(p: Proposal) -> dict[str, object]:
    return {
        "placed": len(p.assignments),
        "waiting": len(p.waiting),
        "moves": len(p.moves),
        "placed_by_tier": {t.value: sum(1 for a in p.assignments if a.tier is t) for t in TIERS},
        "above_tier": sum(1 for a in p.assignments if a.above_tier > 0),
        "cross_region": sum(1 for a in p.assignments if a.cross_region),
        "travel_km": round(p.travel_km, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=500)
    ap.add_argument("--hospitals", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=2020)
    args = ap.parse_args()

    sites, free, waiting, inpatients = build(args.hospitals, args.patients, args.seed)
    free_beds = {t.value: sum(n for (_, tier), n in free.items() if tier is t) for t in TIERS}
    wanted = {t.value: sum(1 for p in waiting if p.tier is t) for t in TIERS}
    print(
        f"{len(sites)} hospitals × {len(TIERS)} tiers, {len(waiting)} waiting, {len(inpatients)} inpatients above "
        f"their tier; free beds {free_beds}, waiting by tier {wanted}"
    )

    place_s, proposals = timed(lambda: place(waiting, sites, free, inpatients=inpatients), args.repeat)
    nearest_s, baselines = timed(lambda: nearest(waiting, sites, free), args.repeat)
    for p in proposals:
        check(p, sites, free, waiting, inpatients)
    check(baselines[-1], sites, free, waiting, [])
    fallbacks = [p.fallback for p in proposals if p.method is not Method.OPTIMISED]
    solved = [p for p in proposals if p.method is Method.OPTIMISED]
    proposal, baseline = (solved or proposals)[-1], baselines[-1]

    opt, near_ = summary(proposal), summary(baseline)
    print(f"{'':16}{'min s':>9}{'median s':>10}  runs")
    print(
        f"{'place (solver)':16}{min(place_s):9.3f}{statistics.median(place_s):10.3f}  {[round(s, 3) for s in place_s]}"
    )
    print(
        f"{'nearest rule':16}{min(nearest_s):9.3f}{statistics.median(nearest_s):10.3f}  {[round(s, 3) for s in nearest_s]}"
    )
    print(f"{'':16}{'placed':>9}{'waiting':>9}{'moves':>7}{'above tier':>12}{'cross-region':>14}{'km':>9}")
    for name, s in (("place (solver)", opt), ("nearest rule", near_)):
        print(
            f"{name:16}{s['placed']:>9}{s['waiting']:>9}{s['moves']:>7}{s['above_tier']:>12}"
            f"{s['cross_region']:>14}{s['travel_km']:>9}"
        )
    print(f"placed by tier: solver {opt['placed_by_tier']}, nearest {near_['placed_by_tier']}")
    met = statistics.median(place_s) < GOAL_S and not fallbacks
    print(
        f"goal: place() under {GOAL_S:g} s: {'met' if met else 'NOT met'} "
        f"(the solver answered {len(solved)} of {len(proposals)} calls{'; ' + str(fallbacks[0]) if fallbacks else ''})"
    )
    print(
        json.dumps(
            {
                "benchmark": "hospitals_placement",
                "seed": args.seed,
                "hospitals": len(sites),
                "patients": len(waiting),
                "inpatients": len(inpatients),
                "free_beds": free_beds,
                "place_min_s": round(min(place_s), 4),
                "place_median_s": round(statistics.median(place_s), 4),
                "place_runs_s": [round(s, 4) for s in place_s],
                "nearest_min_s": round(min(nearest_s), 4),
                "nearest_median_s": round(statistics.median(nearest_s), 4),
                "solver_answered": len(solved),
                "fallbacks": fallbacks,
                "placed": opt["placed"],
                "waiting": opt["waiting"],
                "moves": opt["moves"],
                "nearest_placed": near_["placed"],
                "nearest_waiting": near_["waiting"],
                "optimised": opt,
                "nearest": near_,
                "goal_s": GOAL_S,
                "goal_met": met,
            }
        )
    )


if __name__ == "__main__":
    main()
