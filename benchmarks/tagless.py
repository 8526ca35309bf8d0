"""Tagless gates: simulate phones at a gate array, decide every window, score against ground truth.

    .venv/bin/python benchmarks/tagless.py --passages 1000000 --seed 20261202 --workers 2
    .venv/bin/python benchmarks/tagless.py --passages 20000 --seed 7 --scenario-mix clean=1,crowd=1 --uwb-share 1

A charge needs the radio's crossing ("did this phone cross the gate line, which way, when",
with the detector's margin) confirmed by a free passage of the array's lane sensors within 1 s
(``engine/tagless/sensors.py``; the windows of a scene arrive in a random order, the strongest
radio evidence claims first). Tables: per scenario, per carry (hand/pocket/bag), per phone (BLE
only/UWB) and per scenario and phone; "charged" is the share of true passages charged correctly
without a tap, "false" counts charges that are not a true passage in that direction at that time
(bystander charges are the false charges of people who did not pass at all), and the lane
columns say how often the confirming passage's lane was the person's own lane ("lane ok"), another
lane ("lane bad": in a crowd, the passage of the person beside them), and how often the true lane
was among the radio's candidates.

Generation and decisions run in chunks (vectorised over the windows of a chunk) across
``--workers`` processes; decisions are identical to calling ``detect`` on each window. Latency is
measured separately, with ``time.perf_counter`` around single ``detect`` calls on the first
``--latency-sample`` windows (spread over the chunks, so while the other workers run), and
reported as p50/p99; each worker loads the compiled track passes once before its first chunk.
Prints a table and one JSON line.

Diagnostics (the table and JSON line are unchanged)::

    .venv/bin/python benchmarks/tagless.py --passages 1000000 --seed 20261125 \
        --only-chunks 3,242 --dump-false-charges /tmp/false.jsonl

``--dump-false-charges`` writes one JSON line per false charge (``--dump-all-charges``: per charge)
with the scenario, carry, UWB, winning/runner-up classes and margin, the UWB mean ranges near the
crossing, per-lane beacon means, true vs charged lane, and seed/passages/chunk/index, so that
``plan(passages, seed, mix)[chunk]`` + ``run_job`` + ``readings[index]`` regenerates the window.
``--only-chunks`` / ``--only-scenarios`` run part of the plan with exactly the same events.
"""

from __future__ import annotations

import os

# One BLAS thread per worker: the matrices are small and the workers already fill the cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from seoul.metro.engine.tagless import DEFAULT_MIX, SCENARIOS, DetectorConfig, GateArray, SimParams  # noqa: E402
from seoul.metro.engine.tagless.detector import detect, detect_batch, explain_batch  # noqa: E402
from seoul.metro.engine.tagless.metrics import TIME_TOLERANCE_S, Metrics, ScenarioCounts  # noqa: E402
from seoul.metro.engine.tagless.model import Decision, ReadingBatch, ReadingWindow  # noqa: E402
from seoul.metro.engine.tagless.simulator import Job, SimBatch, confirm_batch, plan, run_job  # noqa: E402


def parse_mix(text: str) -> dict[str, float]:
    if not text:
        return dict(DEFAULT_MIX)
    mix: dict[str, float] = {}
    for part in text.split(","):
        name, _, weight = part.partition("=")
        if name.strip() not in SCENARIOS:
            raise argparse.ArgumentTypeError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
        mix[name.strip()] = float(weight or 1)
    return mix


ChunkArgs = tuple[Job, GateArray, SimParams, DetectorConfig, int, int, str]


def warm_up(gates: GateArray, config: DetectorConfig) -> None:
    """Load the compiled track passes once per worker, as a gate controller does when it starts:
    the first call of a process loads (or compiles) them, which is start-up, not a decision."""
    empty = ReadingWindow(t0=0.0, t=np.empty(0), beacon=np.empty(0, dtype=np.int64), rssi=np.empty(0))
    detect(empty, gates, config)


def run_chunk(args: ChunkArgs) -> tuple[Metrics, float, float, list[dict[str, object]]]:
    job, gates, params, config, latency_n, chunk_index, dump = args
    t0 = time.perf_counter()
    batch = run_job(job, gates, params)
    t1 = time.perf_counter()
    decisions = detect_batch(batch.readings, gates, config)
    t2 = time.perf_counter()
    # A charge needs a free lane-sensor passage; windows of a scene arrive in a random order.
    confirmed = confirm_batch(decisions, batch, seed=chunk_index)
    metrics = Metrics()
    metrics.score(confirmed, batch.truth)
    records = _charge_records(batch, confirmed, gates, config, chunk_index, dump) if dump else []
    for i in range(min(latency_n, batch.readings.size)):
        window = batch.readings[i]
        start = time.perf_counter()
        single = detect(window, gates, config)
        metrics.latencies_s.append(time.perf_counter() - start)
        if (single.charged, single.lane_id, single.direction, single.reason) != (
            decisions[i].charged,
            decisions[i].lane_id,
            decisions[i].direction,
            decisions[i].reason,
        ):
            raise AssertionError("batched and single decisions differ")
    return metrics, t1 - t0, t2 - t1, records


def _charge_records(
    batch: SimBatch, decisions: list[Decision], gates: GateArray, config: DetectorConfig, chunk_index: int, dump: str
) -> list[dict[str, object]]:
    """Diagnostic records for the false charges (``dump == "false"``) or all charges (``"charged"``) of a chunk."""
    truth = batch.truth
    correct = np.zeros(len(decisions), dtype=bool)
    for i, dec in enumerate(decisions):
        ti = truth[i]
        correct[i] = (
            dec.charged
            and ti.passed
            and dec.direction == ti.direction
            and ti.crossed_at is not None
            and dec.crossed_at is not None
            and abs(dec.crossed_at - ti.crossed_at) <= TIME_TOLERANCE_S
        )
    charged = np.array([d.charged for d in decisions], dtype=bool)
    picked = np.flatnonzero(charged & (~correct if dump == "false" else True))
    if not len(picked):
        return []
    sub = ReadingBatch.of([batch.readings[int(i)] for i in picked])
    explained = explain_batch(sub, gates, config)
    out: list[dict[str, object]] = []
    for pick, info in zip(picked, explained, strict=True):
        i = int(pick)
        ti = truth[i]
        dec = decisions[i]
        out.append(
            {
                "chunk": chunk_index,
                "index": int(i),
                "scenario": ti.scenario,
                "false_charge": not bool(correct[i]),
                "carry": ti.carry,
                "uwb": ti.uwb,
                "true_passed": ti.passed,
                "true_lane": ti.lane,
                "true_direction": ti.direction,
                "true_crossed_at": ti.crossed_at,
                "charged_lane": dec.lane_id,
                "lane_candidates": list(dec.lane_candidates),
                "charged_direction": dec.direction,
                "charged_crossed_at": dec.crossed_at,
                **info,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=20_000, help="simulated phone windows (events)")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument(
        "--scenario-mix", type=parse_mix, default=dict(DEFAULT_MIX), help="e.g. clean=3,crowd=2,linger=1"
    )
    parser.add_argument("--uwb-share", type=float, default=SimParams().uwb_share, help="share of phones with UWB")
    parser.add_argument(
        "--evader-share",
        type=float,
        default=SimParams().neighbour_evader_share,
        help="share of neighbour scenes whose passer has no tagless phone (1: every bystander in the next lane "
        "has a free passage beside them -- the calibration of the margin and the dwell limit)",
    )
    parser.add_argument(
        "--neighbour-stand",
        type=lambda text: tuple(float(v) for v in text.split("-")),
        default=SimParams().neighbour_stand_s,
        help="seconds the neighbour bystander stands in the next lane, e.g. 0.3-1.5",
    )
    parser.add_argument("--lanes", type=int, default=6)
    parser.add_argument(
        "--window",
        type=float,
        default=DetectorConfig().window,
        help="seconds of readings per window (the crossing still falls 8-12 s in; a longer window hears more of "
        "where the phone went afterwards)",
    )
    parser.add_argument(
        "--min-margin", type=float, default=DetectorConfig().min_margin, help="nats, crossing margin, UWB phones"
    )
    parser.add_argument(
        "--min-margin-ble", type=float, default=DetectorConfig().min_margin_ble_only, help="nats, BLE-only"
    )
    parser.add_argument(
        "--any-lane",
        action="store_true",
        help="let a passage in any lane confirm (the calibration's setting; by default only a lane in which the "
        "crossing keeps the margin)",
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--chunk", type=int, default=SimParams().chunk, help="windows per chunk")
    parser.add_argument("--latency-sample", type=int, default=5000, help="windows timed with single detect() calls")
    parser.add_argument(
        "--dump-false-charges",
        metavar="FILE.jsonl",
        help="write one diagnostic JSON line per false charge (scenario, UWB, hypotheses, margins, "
        "UWB ranges, true vs charged lane, and seed/chunk/index to regenerate the event)",
    )
    parser.add_argument(
        "--dump-all-charges", action="store_true", help="with --dump-false-charges: record every charge, not only false"
    )
    parser.add_argument(
        "--only-scenarios",
        default="",
        help="run only the chunks of these scenarios (e.g. clean,pocket,crowd) from the plan of the full run; "
        "the events are the same as in the full run",
    )
    parser.add_argument(
        "--only-chunks", default="", help="run only these chunk indices of the plan (e.g. 3,17,250), same events"
    )
    args = parser.parse_args()

    gates = GateArray(lanes=args.lanes)
    params = replace(
        SimParams(),
        uwb_share=args.uwb_share,
        chunk=args.chunk,
        neighbour_evader_share=args.evader_share,
        neighbour_stand_s=args.neighbour_stand,
        window=args.window,
    )
    config = replace(
        DetectorConfig(),
        window=args.window,
        min_margin=args.min_margin,
        min_margin_ble_only=args.min_margin_ble,
        lane_keeps_margin=not args.any_lane,
    )
    jobs = plan(args.passages, args.seed, args.scenario_mix, params)
    # Time single calls on the first windows of every chunk, in proportion to its size (all scenarios).
    per_job_latency = [-(-args.latency_sample * job.windows // max(args.passages, 1)) for job in jobs]
    dump = ("charged" if args.dump_all_charges else "false") if args.dump_false_charges else ""
    selected: list[int] = list(range(len(jobs)))
    if args.only_scenarios:
        wanted = {name.strip() for name in args.only_scenarios.split(",")}
        selected = [i for i in selected if jobs[i].scenario in wanted]
    if args.only_chunks:
        chosen = {int(c) for c in args.only_chunks.split(",")}
        selected = [i for i in selected if i in chosen]
    started = time.perf_counter()
    total = Metrics()
    sim_s = det_s = 0.0
    work: list[ChunkArgs] = [(jobs[i], gates, params, config, per_job_latency[i], i, dump) for i in selected]
    records: list[dict[str, object]] = []
    with ProcessPoolExecutor(max_workers=args.workers, initializer=warm_up, initargs=(gates, config)) as pool:
        for i, (metrics, s, d, recs) in enumerate(pool.map(run_chunk, work)):
            total.merge(metrics)
            sim_s += s
            det_s += d
            records.extend(recs)
            if (i + 1) % 50 == 0:
                print(f"  {i + 1}/{len(work)} chunks, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    wall = time.perf_counter() - started
    if args.dump_false_charges:
        regen = {
            "seed": args.seed,
            "passages": args.passages,
            "scenario_mix": args.scenario_mix,
            "uwb_share": args.uwb_share,
            "evader_share": args.evader_share,
            "neighbour_stand_s": list(args.neighbour_stand),
            "window_s": args.window,
            "lanes": args.lanes,
            "chunk_size": args.chunk,
        }
        with open(args.dump_false_charges, "w") as fh:
            for rec in records:
                fh.write(json.dumps({**regen, **rec}, sort_keys=True) + "\n")
        print(f"wrote {len(records)} records to {args.dump_false_charges}", file=sys.stderr)

    result = total.as_dict()
    result.update(
        {
            "seed": args.seed,
            "scenario_mix": args.scenario_mix,
            "uwb_share": args.uwb_share,
            "evader_share": args.evader_share,
            "neighbour_stand_s": list(args.neighbour_stand),
            "window_s": args.window,
            "lanes": args.lanes,
            "min_margin": args.min_margin,
            "min_margin_ble_only": args.min_margin_ble,
            "lane_keeps_margin": not args.any_lane,
            "wall_seconds": round(wall, 1),
            "simulate_cpu_seconds": round(sim_s, 1),
            "detect_cpu_seconds": round(det_s, 1),
            "detect_batched_ms_per_window": round(1000 * det_s / max(total.total.events, 1), 4),
            "workers": args.workers,
        }
    )
    t = total.total
    for title, groups in (
        ("scenario", total.by_scenario),
        ("carry", total.by_carry),
        ("phone", total.by_phone),
        ("scenario/phone", total.by_scenario_phone),
    ):
        print_table(title, groups, t)
    print(
        f"false charges {t.false_charges} ({total.false_charges_per_million:.2f} per million events; "
        f"{t.swapped} of them passers confirmed by a neighbour's passage); "
        f"bystander charges {t.bystander_charges} in {t.events - t.passages} non-passing events "
        f"({result['false_charges_per_million_non_passing']} per million); "
        f"lane resolved {t.lane_resolved}, wrong {t.lane_wrong}, accuracy {total.lane_accuracy:.4%}; "
        f"latency p50 {result['latency_ms_p50']} ms, p99 {result['latency_ms_p99']} ms "
        f"({result['latency_samples']} single calls); wall {wall:.0f} s"
    )
    print(json.dumps(result, sort_keys=True))


def print_table(title: str, groups: dict[str, ScenarioCounts], total: ScenarioCounts) -> None:
    print(
        f"{title:<22} {'events':>9} {'passages':>9} {'charged':>9} {'charged%':>9} {'fallback%':>9} "
        f"{'false':>6} {'bystander':>9} {'lane ok':>8} {'lane bad':>8} {'in cand':>8}"
    )
    for name, c in [*groups.items(), ("total", total)]:
        if not c.events:
            continue
        rate = f"{c.charged_rate:.2%}" if c.passages else "-"
        fb = f"{c.fallback_rate:.2%}" if c.passages else "-"
        print(
            f"{name:<22} {c.events:>9} {c.passages:>9} {c.correct:>9} {rate:>9} {fb:>9} {c.false_charges:>6} "
            f"{c.bystander_charges:>9} {c.lane_resolved - c.lane_wrong:>8} {c.lane_wrong:>8} {c.lane_in_candidates:>8}"
        )
    print()


if __name__ == "__main__":
    main()
