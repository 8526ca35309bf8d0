"""One room's airborne infection risk at 100,000 Monte-Carlo samples (issue 17: under 5 s).

    .venv/bin/python benchmarks/care_risk.py [--samples 100000] [--runs 7] [--month 1]

The room is a daycare playroom (보육실): 150 m³ at 20 °C and 40 % humidity, 15 children and 2
teachers from 09:00 to 17:00 with lunch out 12:00–13:00; one child infected (Omicron, light
activity, breathing 70 % / speaking 30 %, no mask), the 14 other children and the 2 teachers
exposed. Two sliding windows (1.2 m high, opened 10 cm) aired 15 minutes every hour, a hinged
transom (0.6 × 1.0 m, opened 15 cm) open all day, an air cleaner (300 m³/h) always on, and
0.25 h⁻¹ of infiltration; Seoul's outdoor temperatures of ``--month``.

Each run is the whole ``seoul.care.engine.risk`` call (validation, the deterministic
concentration and exposure over 192 particle sizes and every 6-minute step, the sampling and the
summary). The first run is timed apart (caches warm up), then the median and the worst of
``--runs`` more. Prints the figures and one JSON line.
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

from seoul.care.engine import airborne, parse_scenario, risk  # noqa: E402 - after the path

PRESENCE = [[9, 12], [13, 17]]


def daycare(samples: int, month: int) -> dict[str, object]:
    return {
        "room": {"volume_m3": 150, "inside_temp_k": 293.15, "humidity": 0.4},
        "location": {"lat": 37.5665, "lon": 126.978},
        "month": month,
        "ventilation": [
            {
                "type": "window_sliding",
                "height_m": 1.2,
                "opening_m": 0.1,
                "count": 2,
                "schedule": [[h, h + 0.25] for h in (9, 10, 11, 13, 14, 15, 16)],
            },
            {
                "type": "window_hinged",
                "height_m": 0.6,
                "opening_m": 0.15,
                "width_m": 1.0,
                "count": 1,
                "schedule": "always",
            },
            {"type": "hepa", "flow_m3h": 300, "schedule": "always"},
            {"type": "ach", "ach": 0.25, "schedule": "always"},
        ],
        "infected": {
            "count": 1,
            "virus": "Omicron",
            "activity": "Light activity",
            "expiration": {"Breathing": 0.7, "Speaking": 0.3},
            "mask": "none",
            "presence": PRESENCE,
        },
        "exposed": {"count": 16, "activity": "Light activity", "mask": "none", "presence": PRESENCE},
        "samples": samples,
        "seed": 17,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--month", type=int, default=1)
    args = parser.parse_args()
    scenario = daycare(args.samples, args.month)

    start = time.perf_counter()
    result = risk(scenario)
    first = time.perf_counter() - start
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        again = risk(scenario)
        times.append(time.perf_counter() - start)
        assert again == result, "same seed, same result"

    # Where the time goes, once: the deterministic part against the sampling.
    model = parse_scenario(scenario).model
    start = time.perf_counter()
    fixed = airborne.deterministic_part(model)
    deterministic = time.perf_counter() - start
    start = time.perf_counter()
    airborne.simulate(model, args.samples, 17)
    whole_simulation = time.perf_counter() - start
    steps = len(
        airborne.build_timeline(
            model.room, model.ventilation, 1, model.infected.presence, model.exposed.presence
        ).starts
    )

    median, worst = statistics.median(times), max(times)
    print(f"daycare room, month {args.month}, {args.samples:,} samples, {steps} time steps × 192 particle sizes")
    print(f"  first call            {first * 1000:8.1f} ms")
    print(f"  median of {args.runs} calls    {median * 1000:8.1f} ms   (worst {worst * 1000:.1f} ms)")
    print(f"  deterministic part    {deterministic * 1000:8.1f} ms   simulate() {whole_simulation * 1000:.1f} ms")
    print(
        f"  P(infection) {result['p_infection_percent']:.2f} % (p05 {result['p_infection_percent_p05']:.3g}, p95 {result['p_infection_percent_p95']:.3g}), "
        f"expected cases {result['expected_cases']:.2f} of 16, mean dose {result['mean_dose']:.3g}, "
        f"emission {result['emission_rate']:.0f} virions/h, {fixed.mean_air_changes:.2f} air changes/h"
    )
    print(
        json.dumps(
            {
                "benchmark": "care_risk",
                "samples": args.samples,
                "month": args.month,
                "time_steps": steps,
                "first_call_s": round(first, 4),
                "median_s": round(median, 4),
                "worst_s": round(worst, 4),
                "deterministic_s": round(deterministic, 4),
                "under_5_s": worst < 5.0 and first < 5.0,
                "p_infection_percent": round(result["p_infection_percent"], 4),
                "expected_cases": round(result["expected_cases"], 4),
                "mean_dose": round(result["mean_dose"], 4),
                "emission_rate": round(result["emission_rate"], 2),
                "mean_air_changes_per_hour": round(fixed.mean_air_changes, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
