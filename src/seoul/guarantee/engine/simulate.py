"""The surge: a discrete-event model of a wave of applications, screened by the real rules.

Synthetic applicants (:func:`synthetic_applicant`) arrive during the day (08:00–20:00) for
``days`` days. Every application is screened by ``screening.screen`` — the rules and
scorecard the service runs — and then flows through one of two processes:

* **with automation** (the untact service): documents are fetched with consent in minutes;
  ineligible files are rejected with their reasons and eligible low-risk files inside the
  auto-approval limit are approved without an examiner; only referred files queue for an
  examiner (``review_hours_automated`` of work each, the documents already in the file);
  the applicant signs online and the bank executes after an electronic certificate.
* **without automation** (2020 before the service): the applicant gathers paper documents
  (1–3 days), *every* file queues for an examiner (``review_hours_manual``: document checks,
  scoring, an interview), the agreement needs a branch visit (1–3 days) and the bank
  executes in 1–3 days.

Examiners are a multi-server FIFO queue working 09:00–18:00 on weekdays (8 productive hours
of the 9). Arrivals stop after ``days`` days, the queue then runs dry, so every approved file
of the surge gets its time to loan (no survivor bias); ``backlog_at_end`` counts files still
waiting for (or in) examination at the end of the arrival period.

``run(..., paid_out=[])`` also appends a :class:`PaidOut` record for every approved file (what
``engine/portfolio.py`` follows after the surge); the returned figures are the same with or
without it, and so are the random draws.
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from seoul.guarantee.engine.catalogue import Catalogue, catalogue
from seoul.guarantee.engine.screening import Facts, Outcome, screen

WORK_START = 9.0
WORK_HOURS = 8.0  # productive hours in the 09:00–18:00 day
DAY = 24.0
INDUSTRY_WEIGHTS = {
    "restaurant": 30,
    "retail": 25,
    "personal_services": 15,
    "manufacturing": 8,
    "it_services": 6,
    "education": 6,
    "accommodation": 4,
    "entertainment_bar": 3,
    "real_estate_rental": 3,
}


@dataclass(frozen=True)
class Params:
    applications_per_day: int
    examiners: int
    days: int
    seed: int = 2020
    review_hours_manual: float = 1.5
    review_hours_automated: float = 0.75
    start: date = date(2020, 3, 2)  # a Monday in the 2020 surge


@dataclass(frozen=True)
class PaidOut:
    """An approved file's loan as the bank paid it out: the product, the amount (the amount asked:
    the model's examiners approve or refuse, they do not lower it), what the scorecard knew of the
    business and when the money arrived (``hours`` from the start, a Monday 00:00)."""

    product: str
    amount: int
    industry: str
    credit_score: int | None
    pd: float | None
    hours: float
    paid_out_on: date


@dataclass(frozen=True)
class Applicant:
    facts: Facts
    product: str
    amount: int


def synthetic_applicant(rng: random.Random, today: date, cat: Catalogue | None = None) -> Applicant:
    """A small business applying in a 2020-like surge (sales falling, mostly emergency loans)."""
    cat = cat or catalogue()
    months = min(360, int(rng.expovariate(1 / 70)) + 1)
    prior_closure = rng.random() < 0.06
    sales_before = int(rng.lognormvariate(math.log(150_000_000), 0.7))
    trend = max(0.2, rng.gauss(0.85, 0.2))
    facts = Facts(
        opened_on=today - timedelta(days=int(months * 30.4)),
        in_seoul=rng.random() < 0.97,
        closed=rng.random() < 0.01,
        industry=rng.choices(list(INDUSTRY_WEIGHTS), weights=list(INDUSTRY_WEIGHTS.values()))[0],
        credit_score=max(300, min(1000, int(rng.gauss(760, 110)))),
        tax_arrears=rng.random() < 0.04,
        sales_last_year=int(sales_before * trend),
        sales_year_before=sales_before,
        existing_guarantee_balance=0 if rng.random() < 0.7 else rng.randrange(5, 60) * 1_000_000,
        prior_closure=prior_closure,
    )
    if prior_closure and months <= 36:
        product = "rechallenge"
    elif months <= 24 and rng.random() < 0.4:
        product = "startup"
    else:
        product = rng.choices(["emergency_covid", "regular"], weights=[80, 20])[0]
    amount = rng.choice([5, 10, 10, 15, 20, 20, 20, 30, 50]) * 1_000_000
    if rng.random() < 0.9:  # most applicants read the product's maximum before asking
        amount = min(amount, cat.products[product].max_amount)
    return Applicant(facts, product, amount)


class WorkClock:
    """Converts calendar hours (from the start, a Monday 00:00) to cumulative working hours."""

    def __init__(self, start: date) -> None:
        self.offset = start.weekday()

    def _workday(self, day: int) -> bool:
        return (day + self.offset) % 7 < 5

    def to_work(self, t: float) -> float:
        day = int(t // DAY)
        full_weeks = day // 7
        done = sum(1 for d in range(full_weeks * 7, day) if self._workday(d))
        worked = (full_weeks * 5 + done) * WORK_HOURS
        if self._workday(day):
            worked += min(WORK_HOURS, max(0.0, (t - day * DAY) - WORK_START))
        return worked

    def from_work(self, w: float) -> float:
        days, rest = divmod(w, WORK_HOURS)
        n = int(days)
        if rest == 0 and n > 0:  # the end of a working day, not the start of the next
            n -= 1
            rest = WORK_HOURS
        day = 0
        while not self._workday(day):
            day += 1
        while n > 0:
            day += 1
            if self._workday(day):
                n -= 1
        return day * DAY + WORK_START + rest


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
    return round(ordered[k], 1)


def run(
    params: Params, *, automation: bool, cat: Catalogue | None = None, paid_out: list[PaidOut] | None = None
) -> dict[str, object]:
    """The surge's figures; with ``paid_out`` (a list), each approved file's loan is appended to it
    in the order the files were decided."""
    cat = cat or catalogue()
    rng = random.Random(params.seed)  # noqa: S311 - simulation, not security
    delays = random.Random(params.seed + (1 if automation else 2))  # noqa: S311
    clock = WorkClock(params.start)
    end = params.days * DAY
    review = params.review_hours_automated if automation else params.review_hours_manual
    # (ready time, arrival, sequence, approved?) for every file that needs an examiner
    jobs: list[tuple[float, float, int, bool]] = []
    to_loan: list[float] = []
    outcomes = {"auto_approved": 0, "auto_rejected": 0, "referred": 0, "examined": 0}
    approved_total = 0
    seq = 0
    files: dict[int, tuple[Applicant, float | None]] = {}  # examined files, by sequence, when recording

    def record(a: Applicant, pd: float | None, at: float) -> None:
        if paid_out is not None:
            on = params.start + timedelta(days=int(at // DAY))
            paid_out.append(PaidOut(a.product, a.amount, a.facts.industry, a.facts.credit_score, pd, at, on))

    for day in range(params.days):
        today = params.start + timedelta(days=day)
        for _ in range(params.applications_per_day):
            seq += 1
            arrival = day * DAY + 8.0 + rng.random() * 12.0
            a = synthetic_applicant(rng, today, cat)
            result = screen(a.facts if automation else _paper(a.facts), a.product, a.amount, today, cat)
            if automation:
                ready = arrival + delays.uniform(0.05, 0.3)  # documents fetched with consent
                if result.outcome is Outcome.APPROVE:
                    outcomes["auto_approved"] += 1
                    approved_total += 1
                    paid = ready + _after_approval(delays, automation)
                    to_loan.append(paid - arrival)
                    record(a, result.score.pd if result.score else None, paid)
                    continue
                if result.outcome is Outcome.REJECT:
                    outcomes["auto_rejected"] += 1
                    continue
                outcomes["referred"] += 1
                approve = _examiner_approves(a, today, cat)
            else:
                ready = arrival + delays.uniform(24.0, 72.0)  # paper documents gathered
                approve = result.outcome is not Outcome.REJECT and _examiner_approves(a, today, cat)
            if approve and paid_out is not None:
                files[seq] = (a, result.score.pd if result.score else None)
            jobs.append((ready, arrival, seq, approve))
    jobs.sort()
    servers = [0.0] * max(1, params.examiners)  # free-at, in working hours
    heapq.heapify(servers)
    backlog_at_end = 0
    busy = 0.0
    for ready, arrival, job, approve in jobs:
        free = heapq.heappop(servers)
        start_w = max(free, clock.to_work(ready))
        finish_w = start_w + review
        heapq.heappush(servers, finish_w)
        finish = clock.from_work(finish_w)
        busy += review
        outcomes["examined"] += 1
        if ready < end and finish > end:
            backlog_at_end += 1
        if approve:
            approved_total += 1
            paid = finish + _after_approval(delays, automation)
            to_loan.append(paid - arrival)
            if job in files:
                record(*files[job], paid)
    capacity = clock.to_work(end) * params.examiners
    return {
        "applications": seq,
        "approved": approved_total,
        "median_hours_to_loan": _pct(to_loan, 0.5),
        "p90_hours_to_loan": _pct(to_loan, 0.9),
        "mean_days_to_loan": round(statistics.fmean(to_loan) / 24, 1) if to_loan else None,
        "backlog_at_end": backlog_at_end,
        "examined": outcomes["examined"],
        "auto_approved": outcomes["auto_approved"],
        "auto_rejected": outcomes["auto_rejected"],
        "referred": outcomes["referred"] if automation else outcomes["examined"],
        "examiner_utilisation_in_period": round(min(1.0, busy / capacity), 3) if capacity else None,
    }


def _paper(facts: Facts) -> Facts:
    """Without the untact service the same rules run, but nothing is auto-approved."""
    return Facts(**{**facts.__dict__, "documents_fetched": False})


def _examiner_approves(a: Applicant, today: date, cat: Catalogue) -> bool:
    """Examiners approve eligible referred files unless the probability of default exceeds 10 %."""
    result = screen(a.facts, a.product, a.amount, today, cat)
    return result.outcome is not Outcome.REJECT and result.score is not None and result.score.pd <= 0.10


def _after_approval(rng: random.Random, automation: bool) -> float:
    if automation:
        return rng.uniform(0.5, 12.0) + rng.uniform(2.0, 24.0)  # sign online; bank executes
    return rng.uniform(24.0, 72.0) + rng.uniform(24.0, 72.0)  # branch visit; bank processing


def compare(params: Params, *, paid_out: list[PaidOut] | None = None) -> dict[str, dict[str, object]]:
    """Both runs; ``paid_out`` receives the loans of the run with automation (the approved files
    are the same in both runs — the same rules decide them — only the days they are paid out differ)."""
    return {
        "with_automation": run(params, automation=True, paid_out=paid_out),
        "without_automation": run(params, automation=False),
    }
