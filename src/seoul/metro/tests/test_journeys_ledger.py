from __future__ import annotations

import random
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from seoul.core.engine.time import SEOUL
from seoul.metro.engine.journeys import Status, Tap, apply_caps, build_journeys
from seoul.metro.engine.ledger import balances, reconcile

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=SEOUL)
NOW = T0 + timedelta(days=2)


def tap(i: int, kind: str, minutes: int, station: str = "서울역") -> Tap:
    return Tap(f"e{i}", kind, station, "1", T0 + timedelta(minutes=minutes))


def test_pairs_and_incomplete_policy() -> None:
    taps = [
        tap(1, "entry", 0),
        tap(2, "exit", 30, "시청"),
        tap(3, "exit", 60),  # exit with no entry
        tap(4, "entry", 100),
        tap(5, "entry", 120),  # leaves e4 without an exit
        tap(6, "exit", 120 + 10 * 60 + 1),  # 10 h 1 min after e5: too late to close it
    ]
    drafts = build_journeys(taps, NOW)
    assert [(d.key, d.status) for d in drafts] == [
        ("e1", Status.COMPLETE),
        ("e3", Status.NO_ENTRY),
        ("e4", Status.NO_EXIT),
        ("e5", Status.NO_EXIT),
        ("e6", Status.NO_ENTRY),
    ]


def test_an_exit_over_five_hours_after_the_entry_completes_it_over_the_limit() -> None:
    """Over 5 hours inside the paid area is one journey (one more base fare), not two
    incomplete ones; up to 10 hours (tariffs.json over_five_hours)."""
    for minutes, status, over in [
        (300, Status.COMPLETE, False),
        (301, Status.COMPLETE, True),
        (600, Status.COMPLETE, True),
    ]:
        drafts = build_journeys([tap(1, "entry", 0), tap(2, "exit", minutes)], NOW)
        assert [(d.status, d.over_limit) for d in drafts] == [(status, over)], minutes
    drafts = build_journeys([tap(1, "entry", 0), tap(2, "exit", 601)], NOW)
    assert [d.status for d in drafts] == [Status.NO_EXIT, Status.NO_ENTRY]


def test_exactly_five_hours_still_closes() -> None:
    drafts = build_journeys([tap(1, "entry", 0), tap(2, "exit", 300)], NOW)
    assert [d.status for d in drafts] == [Status.COMPLETE]


def test_open_entry_is_in_progress_until_five_hours() -> None:
    entry = tap(1, "entry", 0)
    assert build_journeys([entry], T0 + timedelta(hours=5))[0].status == Status.IN_PROGRESS
    assert build_journeys([entry], T0 + timedelta(hours=5, seconds=1))[0].status == Status.NO_EXIT


tap_lists = st.lists(
    st.tuples(st.sampled_from(["entry", "exit"]), st.integers(0, 3000), st.sampled_from(["서울역", "시청", "강남"])),
    max_size=25,
).map(lambda xs: [tap(i, k, m, s) for i, (k, m, s) in enumerate(xs)])


@settings(max_examples=200)
@given(tap_lists, st.randoms(use_true_random=False), st.integers(0, 3))
def test_journeys_do_not_depend_on_order_or_duplicates(taps: list[Tap], rnd: random.Random, dup: int) -> None:
    shuffled = taps + [rnd.choice(taps) for _ in range(dup if taps else 0)]
    rnd.shuffle(shuffled)
    assert build_journeys(shuffled, NOW) == build_journeys(taps, NOW)


@given(tap_lists)
def test_every_tap_belongs_to_exactly_one_journey(taps: list[Tap]) -> None:
    drafts = build_journeys(taps, NOW)
    used = [t.event_id for d in drafts for t in (d.entry, d.exit) if t is not None]
    assert sorted(used) == sorted(t.event_id for t in taps)


def test_caps_limit_day_and_month() -> None:
    drafts = build_journeys(
        [tap(i, "entry", i * 60) for i in range(0, 10, 2)] + [tap(i + 1, "exit", i * 60 + 30) for i in range(0, 10, 2)],
        NOW,
    )
    priced = [(d, 1550, {}) for d in drafts if d.status == Status.COMPLETE]
    day = apply_caps(priced, daily_cap=4000, monthly_cap=None, local_day=lambda a: (a.year, a.month, a.day))
    assert [p.charge for p in day] == [1550, 1550, 900, 0, 0]
    assert day[2].breakdown["cap_reduction"] == 650
    month = apply_caps(priced, daily_cap=None, monthly_cap=2000, local_day=lambda a: (a.year, a.month, a.day))
    assert sum(p.charge for p in month) == 2000


desired_maps = st.dictionaries(st.sampled_from([f"j{i}" for i in range(6)]), st.integers(0, 5000), max_size=6)


@given(st.lists(desired_maps, min_size=1, max_size=6))
def test_reconcile_converges_on_the_last_desired_state(states: list[dict[str, int]]) -> None:
    postings = []
    for desired in states:
        posted: dict[str, int] = {}
        revision: dict[str, int] = {}
        for p in postings:
            posted[p.journey] = posted.get(p.journey, 0) + p.amount
            revision[p.journey] = revision.get(p.journey, 0) + 1
        new = reconcile("rider:x", desired, posted, revision)
        assert len({p.key for p in postings} | {p.key for p in new}) == len(postings) + len(new)  # keys never reused
        postings += new
        # Reconciling the same state again posts nothing.
        posted = {
            j: posted.get(j, 0) + sum(p.amount for p in new if p.journey == j)
            for j in set(posted) | {p.journey for p in new}
        }
        assert (
            reconcile("rider:x", desired, posted, revision | {p.journey: revision.get(p.journey, 0) + 1 for p in new})
            == []
        )
    final = states[-1]
    total = balances(postings)
    assert total.get("rider:x", 0) == sum(final.values())
    assert sum(total.values()) == 0  # every transaction balances
