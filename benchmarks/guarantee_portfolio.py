"""The portfolio after the surge (issue 18): ``--loans`` loans followed for ``--years`` years by
``seoul.guarantee.engine.portfolio.follow``, timed, with the book's figures.

    .venv/bin/python benchmarks/guarantee_portfolio.py [--loans 10000] [--years 5] [--seed 2020]
                                                       [--runs 5] [--default-scale 1] [--surge]

The loans are drawn like the surge's approved files would be — the four products in the surge's
proportions (emergency 80 % of the established, start-ups, re-challenges), the amounts the
synthetic applicants ask (5–50 M won, most capped at the product's maximum), credit scores
N(760, 110) clipped to 595–1000 (the eligible ones), paid out over the 30 days from
2020-03-02 — without running the discrete-event surge, so the timing is the portfolio's alone.
``--surge`` takes the loans of a real surge instead (3,500 applications a day, 160 examiners,
30 days: about 77,000 loans; the surge itself takes about 15 s and is not in the timing).

The first call is timed apart, then the median and the worst of ``--runs`` more; each run must
give the same book (same seed). Prints the figures by year and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from seoul.guarantee.engine import portfolio  # noqa: E402 - after the path
from seoul.guarantee.engine.catalogue import catalogue  # noqa: E402
from seoul.guarantee.engine.simulate import PaidOut, Params, compare  # noqa: E402

START = date(2020, 3, 2)
GOAL_S = 1.0  # 10,000 loans × 5 years in under a second


def drawn(n: int, seed: int) -> list[PaidOut]:
    cat = catalogue()
    rng = random.Random(seed)
    industries = ["restaurant", "retail", "personal_services", "manufacturing", "it_services", "education"]
    out = []
    for _ in range(n):
        product = rng.choices(["emergency_covid", "regular", "startup", "rechallenge"], weights=[64, 16, 15, 5])[0]
        amount = rng.choice([5, 10, 10, 15, 20, 20, 20, 30, 50]) * 1_000_000
        if rng.random() < 0.9:
            amount = min(amount, cat.products[product].max_amount)
        hours = rng.uniform(0, 30 * 24)
        out.append(
            PaidOut(
                product=product,
                amount=amount,
                industry=rng.choice(industries),
                credit_score=max(595, min(1000, int(rng.gauss(760, 110)))),
                pd=None,
                hours=hours,
                paid_out_on=START + timedelta(days=int(hours // 24)),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loans", type=int, default=10_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--default-scale", type=float, default=1.0)
    parser.add_argument("--surge", action="store_true", help="the loans of a real 30-day surge instead")
    args = parser.parse_args()

    if args.surge:
        loans: list[PaidOut] = []
        compare(Params(applications_per_day=3500, examiners=160, days=30, seed=args.seed), paid_out=loans)
        where = "a 30-day surge (3,500 a day, 160 examiners)"
    else:
        loans = drawn(args.loans, args.seed)
        where = "drawn like the surge's approved files"
    assumptions = portfolio.Assumptions(default_scale=args.default_scale)

    def once() -> portfolio.Portfolio:
        return portfolio.follow(loans, years=args.years, start=START, seed=args.seed, assumptions=assumptions)

    start = time.perf_counter()
    book = once()
    first = time.perf_counter() - start
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        again = once()
        times.append(time.perf_counter() - start)
        assert again.as_json() == book.as_json(), "same seed, same book"
    median, worst = statistics.median(times), max(times)
    total = portfolio.summary(book)

    print(f"{len(loans):,} loans ({where}), {total['paid_out'] / 1e9:,.1f} bn won, followed {args.years} years")
    print(f"  first call            {first * 1000:8.1f} ms")
    print(f"  median of {args.runs} calls    {median * 1000:8.1f} ms   (worst {worst * 1000:.1f} ms)")
    print(f"  {'year':>4} {'from':>8} {'active':>7} {'outst. bn':>10} {'defaults':>9} {'subrog. bn':>11}", end="")
    print(f" {'recov. bn':>10} {'w/o bn':>8} {'cum. loss bn':>13} {'dflt %':>7} {'recov %':>8}")
    for y in book.years:
        print(
            f"  {y.year:>4} {y.first:>8} {y.loans_active:>7,} {y.outstanding / 1e9:>10,.2f} {y.new_defaults:>9,}"
            f" {y.subrogation / 1e9:>11,.2f} {y.recoveries / 1e9:>10,.2f} {y.write_offs / 1e9:>8,.2f}"
            f" {y.cumulative_loss / 1e9:>13,.2f} {_pct(y.default_rate):>7} {_pct(y.recovery_rate):>8}"
        )
    print(
        f"  defaults {total['defaults']:,} of {total['loans']:,} loans ({total['cumulative_default_share']:.1%}), "
        f"loss {total['loss'] / 1e9:,.2f} bn won ({total['loss_rate']:.2%} of the amount paid out), "
        f"fees {total['fees'] / 1e9:,.2f} bn won"
    )
    reference = len(loans) <= 10_000 and args.years <= 5
    met = median < GOAL_S if reference else None
    if reference:
        print(f"goal: 10,000 loans × 5 years under {GOAL_S:g} s: {'met' if met else 'NOT met'} ({median:.3f} s)")
    else:
        print(f"(the goal is for 10,000 loans × 5 years; this run is larger: {median:.3f} s)")
    print(
        json.dumps(
            {
                "benchmark": "guarantee_portfolio",
                "loans": len(loans),
                "source": "surge" if args.surge else "drawn",
                "years": args.years,
                "seed": args.seed,
                "default_scale": args.default_scale,
                "first_s": round(first, 4),
                "median_s": round(median, 4),
                "worst_s": round(worst, 4),
                "runs_s": [round(t, 4) for t in times],
                "totals": total,
                "by_year": [y.as_json() for y in book.years],
                "goal_s": GOAL_S,
                "goal_met": met,
            },
            ensure_ascii=False,
        )
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}"


if __name__ == "__main__":
    main()
