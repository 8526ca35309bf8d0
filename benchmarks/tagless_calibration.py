"""Tagless gates: the radio margin a crossing keeps *in the lane of the passage that confirms it*.

Reads the JSON lines that ``benchmarks/tagless.py --dump-false-charges FILE --dump-all-charges``
writes (run with ``--any-lane``, so that any lane's passage may confirm) and prints, per charge,
the side margin less the shortfall of the confirming lane against the radio's best lane -- the
"lane-kept margin" the detector compares with ``min_margin`` to decide which lanes' passages may
confirm (``DetectorConfig.lane_keeps_margin``):

- **bystanders** (charged, did not pass) should all stay below the margin;
- **passers** (charged correctly; their own passage's lane) should nearly all keep it.

The dumps must come from seeds other than the benchmark's (docs/metro-tagless.md "Calibration")::

    .venv/bin/python benchmarks/tagless.py --passages 200000 --seed 108 --scenario-mix neighbour=1 \\
        --evader-share 1 --min-margin 0 --min-margin-ble 0 --any-lane --latency-sample 0 \\
        --dump-false-charges /tmp/cal108.jsonl --dump-all-charges
    .venv/bin/python benchmarks/tagless.py --passages 40000 --seed 105 --scenario-mix clean=1,pocket=1,crowd=1 \\
        --any-lane --latency-sample 0 --dump-false-charges /tmp/pass105.jsonl --dump-all-charges
    .venv/bin/python benchmarks/tagless_calibration.py /tmp/cal108.jsonl /tmp/pass105.jsonl

Prints the bystanders (largest lane-kept margin first), the passers' shares per scenario and
phone, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from seoul.metro.engine.tagless import DetectorConfig


def kept(record: dict[str, object], lane: object) -> tuple[float, float]:
    """(the lane's shortfall against the best lane, the side margin less it), nats."""
    scores, margin = record["lane_scores"], record["margin"]
    assert isinstance(scores, list) and isinstance(lane, int) and isinstance(margin, float | int)  # the dump's shape
    gap = float(max(scores) - scores[lane])
    return gap, float(margin) - gap


def summarise(records: list[dict[str, object]], need: float) -> dict[str, object]:
    bystanders = sorted(
        (
            (*kept(r, r["charged_lane"]), float(str(r["margin"])), bool(r["has_uwb"]))
            for r in records
            if r["false_charge"] and not r["true_passed"]
        ),
        key=lambda b: -b[1],
    )
    groups: dict[str, list[float]] = defaultdict(list)
    for r in records:
        if not r["false_charge"]:
            value = kept(r, r["true_lane"])[1]
            groups[f"{r['scenario']}/{'uwb' if r['has_uwb'] else 'ble_only'}"].append(value)
            groups["all"].append(value)
    shares = {k: round(sum(v >= need for v in vs) / len(vs), 5) for k, vs in sorted(groups.items())}
    print(f"bystander charges (any lane, no margin): {len(bystanders)}; largest lane-kept margins:")
    for gap, keep, margin, uwb in bystanders[:15]:
        print(f"  lane-kept {keep:>8.2f}  (side margin {margin:>7.2f}, lane shortfall {gap:>7.2f}), uwb {uwb}")
    print(f"passers whose own lane keeps a margin of {need:g} nats:")
    for key, share in shares.items():
        print(f"  {key:<22} {len(groups[key]):>7} {share:>9.3%}")
    return {
        "need": need,
        "bystander_charges": len(bystanders),
        "bystander_lane_kept_max": round(bystanders[0][1], 3) if bystanders else None,
        "bystanders_keeping_need": sum(b[1] >= need for b in bystanders),
        "bystanders_side_margin_over_need": sum(b[2] >= need for b in bystanders),
        "passers": {k: len(v) for k, v in sorted(groups.items())},
        "passers_keeping_need": shares,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dumps", nargs="+", type=Path, help="JSON lines from benchmarks/tagless.py --dump-all-charges")
    parser.add_argument("--need", type=float, default=DetectorConfig().min_margin_ble_only, help="nats")
    args = parser.parse_args()
    records = [json.loads(line) for path in args.dumps for line in path.read_text().splitlines() if line]
    print(json.dumps(summarise(records, args.need), sort_keys=True))


if __name__ == "__main__":
    main()
