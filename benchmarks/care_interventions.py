"""What to change first, on the example centre: the time of ``interventions.evaluate`` (issue 17).

    .venv/bin/python benchmarks/care_interventions.py [--samples 20000] [--runs 5] [--month 1]

``evaluate`` runs the eight design checks and the airborne risk of every room where children
stay (7 rooms, 13 scenarios of the contract) on the example centre
(``src/seoul/care/reference/example_centre.json``), proposes the candidate interventions (10 on
the example), and for each one re-runs the checks on the changed plan and the risks of the rooms
whose scenario changed (same seed per room), then ranks them. The first call is timed apart
(imports, caches), then the median and the worst of ``--runs`` more; the parts are timed once.
Also times the whole evaluation at other sample sizes and reports how much the top of the
ranking depends on them. Prints the figures, the ranking, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.care.engine.checks import run_checks  # noqa: E402 - after the path
from seoul.care.engine.facility import example_path, load_facility  # noqa: E402
from seoul.care.engine.interventions import candidates, evaluate  # noqa: E402
from seoul.care.engine.rooms import room_risks, room_scenarios  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--month", type=int, default=1)
    args = parser.parse_args()
    facility = load_facility(example_path())

    start = time.perf_counter()
    result = evaluate(facility, month=args.month, samples=args.samples)
    first = time.perf_counter() - start
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        again = evaluate(facility, month=args.month, samples=args.samples)
        times.append(time.perf_counter() - start)
        assert again.to_dict() == result.to_dict(), "same seed, same evaluation"

    # The parts, once.
    start = time.perf_counter()
    checks = run_checks(facility)
    t_checks = time.perf_counter() - start
    start = time.perf_counter()
    scenarios = room_scenarios(facility, month=args.month, samples=args.samples)
    room_risks(facility, month=args.month, samples=args.samples)
    t_risks = time.perf_counter() - start
    start = time.perf_counter()
    found = candidates(facility, month=args.month, checks=checks, check_valid=False)
    t_candidates = time.perf_counter() - start
    n_scenarios = sum(len(groups) for groups in scenarios.values())
    rooms_rerun = sum(len(r.rooms) for r in result.results)

    # Other sample sizes: time and whether the ranking holds.
    sizes = {}
    for samples in (5_000, 20_000, 100_000):
        start = time.perf_counter()
        other = evaluate(facility, month=args.month, samples=samples)
        sizes[samples] = {
            "s": round(time.perf_counter() - start, 3),
            "same_ranking": other.ranking() == result.ranking(),
            "cases_per_month_before": round(other.cases_per_month_before, 3),
        }

    median, worst = statistics.median(times), max(times)
    print(
        f"example centre, month {args.month}, {args.samples:,} samples per scenario: {len(result.rooms_before)} rooms "
        f"({n_scenarios} scenarios), {len(found)} candidates, {rooms_rerun} room re-runs"
    )
    print(f"  first call                 {first * 1000:8.1f} ms")
    print(f"  median of {args.runs} calls         {median * 1000:8.1f} ms   (worst {worst * 1000:.1f} ms)")
    print(
        f"  parts: checks {t_checks * 1000:.1f} ms, all rooms' risks {t_risks * 1000:.1f} ms, "
        f"candidates {t_candidates * 1000:.1f} ms"
    )
    for samples, figures in sizes.items():
        print(
            f"  {samples:>7,} samples: {figures['s'] * 1000:7.1f} ms, ranking {'the same' if figures['same_ranking'] else 'DIFFERENT'}, "
            f"{figures['cases_per_month_before']} cases a month before"
        )
    print(
        f"  before: {result.cases_per_month_before:.2f} expected cases a month; failing {', '.join(result.failed_before)}"
    )
    for r in result.results:
        per = r.cases_averted_per_million_won
        print(
            f"  {r.rank:2d}. [{r.tier}] {r.intervention.id:32s} fixes {','.join(r.checks_newly_passed) or '-':22s} "
            f"averted {r.cases_averted_per_month:7.3f} ± {r.cases_averted_std_error:.3f}/month  "
            f"cost {r.cost_won:>12,.0f} won  {'free' if per is None else f'{per:.3f} per M won'}"
        )
    print(
        json.dumps(
            {
                "benchmark": "care_interventions",
                "samples": args.samples,
                "month": args.month,
                "rooms": len(result.rooms_before),
                "scenarios": n_scenarios,
                "candidates": len(found),
                "room_reruns": rooms_rerun,
                "first_call_s": round(first, 4),
                "median_s": round(median, 4),
                "worst_s": round(worst, 4),
                "checks_s": round(t_checks, 4),
                "room_risks_s": round(t_risks, 4),
                "candidates_s": round(t_candidates, 4),
                "by_samples": {str(k): v for k, v in sizes.items()},
                "cases_per_month_before": round(result.cases_per_month_before, 4),
                "ranking": result.ranking(),
            }
        )
    )


if __name__ == "__main__":
    main()
