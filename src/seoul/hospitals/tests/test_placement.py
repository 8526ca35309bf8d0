"""Placing waiting patients: the min-cost flow's order of rules, the nearest-bed baseline, the
fallback, and a property test of the hard limits (capacity, tier, needs) and of rule (1).

Points are on one meridian where a distance must be worked out by hand: along a meridian the
great circle is R × Δlatitude, so 0.01° is 6371.0088 × 0.01 × π/180 = 1.11195 km, 1.44554 road km
(× 1.3), 2.891 minutes at 30 km/h.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoul.hospitals.engine import placement
from seoul.hospitals.engine.network import Need, Site
from seoul.hospitals.engine.placement import (
    WAIT,
    WAITED_DAY,
    Assignment,
    Free,
    Inpatient,
    Method,
    Move,
    Proposal,
    Wait,
    Waiting,
    WaitReason,
    nearest,
    place,
)
from seoul.hospitals.engine.report import TIERS, Tier

CRITICAL, SEVERE, MODERATE, MILD = Tier.CRITICAL, Tier.SEVERE, Tier.MODERATE, Tier.MILD
LAT, LON = 37.50, 127.00


def still() -> float:
    """A clock that never moves: the solver is never cut short on a busy machine."""
    return 0.0


def meridian_km(dlat: float) -> float:
    """Road km between two points dlat degrees apart on one meridian (independent of the engine)."""
    return 6371.0088 * math.radians(abs(dlat)) * 1.3


def haversine_road_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a)) * 1.3


def site(code: str, dlat: float = 0.0, region: str = "A", needs: Sequence[Need] = ()) -> Site:
    return Site(code, LAT + dlat, LON, region, frozenset(needs))


def patient(pid: str, tier: Tier, *, region: str = "A", waited: int = 0, needs: Sequence[Need] = ()) -> Waiting:
    return Waiting(pid, tier, LAT, LON, region, frozenset(needs), waited)


def where(proposal: Proposal) -> dict[str, tuple[str, Tier]]:
    return {a.patient: (a.hospital, a.bed) for a in proposal.assignments}


def optimise(waiting: Sequence[Waiting], sites: Sequence[Site], free: Free, **kw: object) -> Proposal:
    proposal = place(waiting, sites, free, clock=still, **kw)  # type: ignore[arg-type]
    assert proposal.method is Method.OPTIMISED
    assert proposal.fallback is None
    return proposal


# ---- rule (1): fewest waiting, most severe and longest waiting first -----------------------


def test_a_critical_patient_gets_the_only_critical_bed_before_an_earlier_severe_patient() -> None:
    sites = [site("H")]
    free = {("H", CRITICAL): 1}
    waiting = [patient("severe", SEVERE, waited=5), patient("critical", CRITICAL)]
    proposal = optimise(waiting, sites, free)
    assert where(proposal) == {"critical": ("H", CRITICAL)}
    assert proposal.waiting == (Wait("severe", WaitReason.NO_FREE_BED),)
    # first come, first served gives it to the severe patient who has waited longer
    baseline = nearest(waiting, sites, free)
    assert where(baseline) == {"severe": ("H", CRITICAL)}
    assert baseline.waiting == (Wait("critical", WaitReason.NO_FREE_BED),)


def test_within_a_tier_the_longest_waiting_goes_first() -> None:
    waiting = [patient("new", SEVERE, waited=0), patient("old", SEVERE, waited=3)]
    for proposal in (
        optimise(waiting, [site("H")], {("H", SEVERE): 1}),
        nearest(waiting, [site("H")], {("H", SEVERE): 1}),
    ):
        assert where(proposal) == {"old": ("H", SEVERE)}
        assert proposal.waiting == (Wait("new", WaitReason.NO_FREE_BED),)


def test_a_waiting_patient_is_placed_whenever_a_bed_is_left() -> None:
    # two beds: the critical bed goes to the critical patient, the severe one to a severe patient
    waiting = [patient("s1", SEVERE), patient("c", CRITICAL), patient("s2", SEVERE, waited=1)]
    proposal = optimise(waiting, [site("H")], {("H", CRITICAL): 1, ("H", SEVERE): 1})
    assert where(proposal) == {"c": ("H", CRITICAL), "s2": ("H", SEVERE)}
    assert proposal.waiting == (Wait("s1", WaitReason.NO_FREE_BED),)


def test_a_patient_never_goes_to_a_lower_tier() -> None:
    free = {("H", SEVERE): 2, ("H", MODERATE): 2, ("H", MILD): 2}
    waiting = [patient("c", CRITICAL)]
    for proposal in (optimise(waiting, [site("H")], free), nearest(waiting, [site("H")], free)):
        assert proposal.assignments == ()
        assert proposal.waiting == (Wait("c", WaitReason.NO_FREE_BED),)


# ---- special needs --------------------------------------------------------------------------


def test_a_child_goes_only_to_a_hospital_that_treats_children() -> None:
    sites = [site("plain", 0.01), site("children", 0.05, needs=[Need.CHILD])]
    free = {("plain", SEVERE): 5, ("children", SEVERE): 1}
    waiting = [patient("child", SEVERE, needs=[Need.CHILD])]
    for proposal in (optimise(waiting, sites, free), nearest(waiting, sites, free)):
        assert where(proposal) == {"child": ("children", SEVERE)}


def test_a_child_with_no_children_s_hospital_waits_for_want_of_a_capable_hospital() -> None:
    sites = [site("plain", 0.01), site("dialysis", 0.02, needs=[Need.DIALYSIS])]
    free = {("plain", SEVERE): 5, ("dialysis", SEVERE): 5}
    waiting = [patient("child", SEVERE, needs=[Need.CHILD])]
    for proposal in (optimise(waiting, sites, free), nearest(waiting, sites, free)):
        assert proposal.assignments == ()
        assert proposal.waiting == (Wait("child", WaitReason.NO_CAPABLE_HOSPITAL),)


def test_a_child_whose_children_s_hospital_is_full_waits_for_a_free_bed() -> None:
    sites = [site("plain", 0.01), site("children", 0.05, needs=[Need.CHILD])]
    free = {("plain", SEVERE): 5, ("children", SEVERE): 0, ("children", MODERATE): 3}  # moderate: below tier
    waiting = [patient("child", SEVERE, needs=[Need.CHILD])]
    for proposal in (optimise(waiting, sites, free), nearest(waiting, sites, free)):
        assert proposal.assignments == ()
        assert proposal.waiting == (Wait("child", WaitReason.NO_FREE_BED),)


def test_every_need_must_be_met_by_one_hospital() -> None:
    sites = [site("children", 0.01, needs=[Need.CHILD]), site("dialysis", 0.02, needs=[Need.DIALYSIS])]
    free = {("children", SEVERE): 1, ("dialysis", SEVERE): 1}
    waiting = [patient("p", SEVERE, needs=[Need.CHILD, Need.DIALYSIS])]
    assert optimise(waiting, sites, free).waiting == (Wait("p", WaitReason.NO_CAPABLE_HOSPITAL),)
    both = [*sites, site("both", 0.09, needs=[Need.CHILD, Need.DIALYSIS, Need.PREGNANCY])]
    assert where(optimise(waiting, both, {**free, ("both", SEVERE): 1})) == {"p": ("both", SEVERE)}


# ---- rule (2): own region -------------------------------------------------------------------


def test_own_region_is_preferred_even_when_another_region_s_hospital_is_nearer() -> None:
    sites = [site("other", 0.005, region="B"), site("own", 0.10, region="A")]
    free = {("other", SEVERE): 1, ("own", SEVERE): 1}
    waiting = [patient("p", SEVERE, region="A")]
    (given,) = optimise(waiting, sites, free).assignments
    assert (given.hospital, given.cross_region) == ("own", False)
    assert given.km == pytest.approx(meridian_km(0.10), rel=1e-9)
    (near,) = nearest(waiting, sites, free).assignments  # the baseline ignores regions
    assert (near.hospital, near.cross_region) == ("other", True)


def test_another_region_only_when_the_own_region_has_no_bed() -> None:
    sites = [site("other", 0.10, region="B"), site("own", 0.005, region="A")]
    free = {("other", SEVERE): 1, ("own", SEVERE): 0, ("own", MODERATE): 4}  # own region: only lower tiers
    (given,) = optimise([patient("p", SEVERE, region="A")], sites, free).assignments
    assert (given.hospital, given.bed, given.cross_region) == ("other", SEVERE, True)


def test_another_region_s_bed_of_the_tier_before_an_own_region_bed_above_it() -> None:
    """A bed above the patient's tier is a scarcer bed taken from someone sicker: the own
    region counts as full for the patient's tier when only higher beds are free there."""
    sites = [site("other", 0.005, region="B"), site("own", 0.05, region="A")]
    free = {("other", SEVERE): 1, ("own", CRITICAL): 1}
    (given,) = optimise([patient("p", SEVERE, region="A")], sites, free).assignments
    assert (given.hospital, given.bed, given.cross_region, given.above_tier) == ("other", SEVERE, True, 0)


def test_with_only_beds_above_the_tier_the_own_region_comes_first() -> None:
    sites = [site("other", 0.005, region="B"), site("own", 0.05, region="A")]
    free = {("other", CRITICAL): 1, ("own", CRITICAL): 1}
    (given,) = optimise([patient("p", SEVERE, region="A")], sites, free).assignments
    assert (given.hospital, given.bed, given.cross_region, given.above_tier) == ("own", CRITICAL, False, 1)


def test_the_lowest_adequate_tier_at_a_hospital() -> None:
    free = {("H", CRITICAL): 1, ("H", SEVERE): 1, ("H", MILD): 3}
    waiting = [patient("p", MODERATE)]
    for proposal in (optimise(waiting, [site("H")], free), nearest(waiting, [site("H")], free)):
        assert where(proposal) == {"p": ("H", SEVERE)}
        assert proposal.assignments[0].above_tier == 1


def test_a_farther_bed_of_the_tier_before_a_nearer_bed_above_it() -> None:
    sites = [site("near", 0.01), site("far", 0.05)]
    free = {("near", CRITICAL): 1, ("far", SEVERE): 1}
    waiting = [patient("p", SEVERE)]
    assert where(optimise(waiting, sites, free)) == {"p": ("far", SEVERE)}
    assert where(nearest(waiting, sites, free)) == {"p": ("near", CRITICAL)}


def test_the_nearest_of_equal_beds_and_its_distance() -> None:
    sites = [site("far", 0.05), site("near", 0.01), site("farther", -0.08)]
    free = {("far", SEVERE): 1, ("near", SEVERE): 1, ("farther", SEVERE): 1}
    proposal = optimise([patient("p", SEVERE)], sites, free)
    assert proposal.assignments == (
        Assignment(
            "p", SEVERE, "near", SEVERE, pytest.approx(1.445536, abs=1e-6), pytest.approx(2.891072, abs=1e-6), False
        ),
    )
    assert proposal.travel_km == pytest.approx(meridian_km(0.01), rel=1e-9)


def test_travel_km_is_the_road_distance_of_every_placement() -> None:
    sites = [
        Site("H1", 37.5665, 126.9780, "A"),
        Site("H2", 37.4979, 127.0276, "A"),
    ]
    waiting = [
        Waiting("p1", SEVERE, 37.5512, 126.9882, "A"),
        Waiting("p2", SEVERE, 37.5172, 127.0473, "A"),
    ]
    free = {("H1", SEVERE): 1, ("H2", SEVERE): 1}
    for proposal in (optimise(waiting, sites, free), nearest(waiting, sites, free)):
        assert where(proposal) == {"p1": ("H1", SEVERE), "p2": ("H2", SEVERE)}
        km = {a.patient: a.km for a in proposal.assignments}
        assert km["p1"] == pytest.approx(haversine_road_km(37.5512, 126.9882, 37.5665, 126.9780), rel=1e-9)
        assert km["p2"] == pytest.approx(haversine_road_km(37.5172, 127.0473, 37.4979, 127.0276), rel=1e-9)
        assert proposal.travel_km == pytest.approx(km["p1"] + km["p2"], rel=1e-12)
        for a in proposal.assignments:
            assert a.minutes == pytest.approx(a.km * 2, rel=1e-12)  # 30 km/h: 2 minutes a km


# ---- rule (3): step-down moves ---------------------------------------------------------------


def test_a_step_down_in_the_same_hospital_frees_the_critical_bed() -> None:
    inpatient = Inpatient("q", SEVERE, "H", CRITICAL)
    proposal = optimise([patient("c", CRITICAL)], [site("H")], {("H", SEVERE): 1}, inpatients=[inpatient])
    assert proposal.moves == (Move("q", SEVERE, "H", CRITICAL, "H", SEVERE, 0.0),)
    assert where(proposal) == {"c": ("H", CRITICAL)}
    assert proposal.waiting == ()


def test_a_step_down_to_another_hospital_frees_the_critical_bed() -> None:
    sites = [site("H"), site("H2", 0.01)]
    inpatient = Inpatient("q", SEVERE, "H", CRITICAL)
    proposal = optimise([patient("c", CRITICAL)], sites, {("H2", SEVERE): 1}, inpatients=[inpatient])
    (move,) = proposal.moves
    assert (move.patient, move.from_hospital, move.from_bed, move.to_hospital, move.to_bed) == (
        "q",
        "H",
        CRITICAL,
        "H2",
        SEVERE,
    )
    assert move.km == pytest.approx(meridian_km(0.01), rel=1e-9)
    assert where(proposal) == {"c": ("H", CRITICAL)}
    assert proposal.travel_km == pytest.approx(meridian_km(0.01), rel=1e-9)  # c is at H: 0 km


def test_no_move_when_nobody_waits() -> None:
    inpatient = Inpatient("q", SEVERE, "H", CRITICAL)
    proposal = optimise([], [site("H")], {("H", SEVERE): 1}, inpatients=[inpatient])
    assert proposal.moves == ()
    assert proposal.assignments == ()


def test_no_move_when_the_waiting_patient_fits_a_free_bed() -> None:
    inpatient = Inpatient("q", SEVERE, "H", CRITICAL)
    proposal = optimise([patient("s", SEVERE)], [site("H")], {("H", SEVERE): 1}, inpatients=[inpatient])
    assert proposal.moves == ()
    assert where(proposal) == {"s": ("H", SEVERE)}


def test_a_step_down_move_keeps_a_critical_bed_free() -> None:
    # q (moderate, in a severe bed) steps down so that m takes the severe bed, not the critical one
    inpatient = Inpatient("q", MODERATE, "H", SEVERE)
    free = {("H", MODERATE): 1, ("H", CRITICAL): 1}
    proposal = optimise([patient("m", SEVERE)], [site("H")], free, inpatients=[inpatient])
    assert proposal.moves == (Move("q", MODERATE, "H", SEVERE, "H", MODERATE, 0.0),)
    assert where(proposal) == {"m": ("H", SEVERE)}


def test_no_step_down_below_the_inpatient_s_own_tier() -> None:
    inpatient = Inpatient("q", SEVERE, "H", CRITICAL)
    proposal = optimise([patient("c", CRITICAL)], [site("H")], {("H", MODERATE): 3}, inpatients=[inpatient])
    assert proposal.moves == ()
    assert proposal.assignments == ()
    assert proposal.waiting == (Wait("c", WaitReason.NO_FREE_BED),)


def test_a_step_down_respects_the_inpatient_s_needs() -> None:
    sites = [site("H", needs=[Need.CHILD]), site("H2", 0.01)]
    inpatient = Inpatient("q", SEVERE, "H", CRITICAL, frozenset({Need.CHILD}))
    proposal = optimise([patient("c", CRITICAL)], sites, {("H2", SEVERE): 1}, inpatients=[inpatient])
    assert proposal.moves == ()
    assert proposal.waiting == (Wait("c", WaitReason.NO_FREE_BED),)


def test_a_step_down_keeps_a_waiting_patient_in_their_own_region() -> None:
    # rule (2) outranks rule (3): rather than send c to region B, q steps down to B's severe bed
    sites = [site("own", 0.0, region="A"), site("other", 0.02, region="B")]
    inpatient = Inpatient("q", SEVERE, "own", CRITICAL)
    free = {("other", CRITICAL): 1, ("other", SEVERE): 1}
    proposal = optimise([patient("c", CRITICAL, region="A")], sites, free, inpatients=[inpatient])
    assert [(m.patient, m.to_hospital, m.to_bed) for m in proposal.moves] == [("q", "other", SEVERE)]
    assert where(proposal) == {"c": ("own", CRITICAL)}
    assert proposal.assignments[0].cross_region is False


def test_the_nearest_rule_never_moves_anyone() -> None:
    # the same situation as the same-hospital step-down: nearest() knows no inpatients
    proposal = nearest([patient("c", CRITICAL)], [site("H")], {("H", SEVERE): 1})
    assert proposal.moves == ()
    assert proposal.waiting == (Wait("c", WaitReason.NO_FREE_BED),)


# ---- the nearest rule ----------------------------------------------------------------------


def test_nearest_takes_the_nearest_capable_hospital_with_a_bed_in_arrival_order() -> None:
    sites = [site("far", 0.05), site("near", 0.01)]
    free = {("far", MILD): 1, ("near", SEVERE): 1}
    waiting = [patient("a", MILD), patient("b", MILD), patient("c", MILD)]
    proposal = nearest(waiting, sites, free)
    assert proposal.method is Method.NEAREST
    assert where(proposal) == {"a": ("near", SEVERE), "b": ("far", MILD)}
    assert proposal.waiting == (Wait("c", WaitReason.NO_FREE_BED),)


# ---- the fallback ----------------------------------------------------------------------------


def test_a_solver_past_its_time_limit_falls_back_to_the_nearest_rule() -> None:
    ticks = itertools.count(0.0, 10.0)  # every reading of the clock is 10 s after the last

    def jumping() -> float:
        return next(ticks)

    sites = [site("H")]
    free = {("H", CRITICAL): 1}
    waiting = [patient("severe", SEVERE, waited=5), patient("critical", CRITICAL)]
    inpatients = [Inpatient("q", SEVERE, "H", CRITICAL)]
    proposal = place(waiting, sites, free, inpatients=inpatients, clock=jumping)
    assert proposal.method is Method.NEAREST
    assert proposal.fallback
    assert "2 s" in proposal.fallback
    baseline = nearest(waiting, sites, free)
    assert proposal.assignments == baseline.assignments
    assert where(proposal) == {"severe": ("H", CRITICAL)}  # what the nearest rule does, not the solver
    assert proposal.waiting == baseline.waiting
    assert proposal.moves == ()
    assert proposal.seconds >= 10.0


def test_a_clock_within_the_limit_keeps_the_solver() -> None:
    ticks = itertools.count(0.0, 10.0)

    def jumping() -> float:
        return next(ticks)

    proposal = place([patient("c", CRITICAL)], [site("H")], {("H", CRITICAL): 1}, time_limit=30.0, clock=jumping)
    assert proposal.method is Method.OPTIMISED
    assert proposal.fallback is None


def test_an_inpatient_outside_the_network_falls_back_saying_so() -> None:
    proposal = place(
        [patient("c", CRITICAL)],
        [site("H")],
        {("H", CRITICAL): 1},
        inpatients=[Inpatient("q", SEVERE, "ELSEWHERE", CRITICAL)],
        clock=still,
    )
    assert proposal.method is Method.NEAREST
    assert proposal.fallback is not None
    assert "ELSEWHERE" in proposal.fallback
    assert where(proposal) == {"c": ("H", CRITICAL)}


def a_day_with_choices() -> tuple[list[Waiting], list[Site], dict[tuple[str, Tier], int], list[Inpatient]]:
    sites = [site("near", 0.01), site("far", 0.05, region="B"), site("kids", 0.02, needs=[Need.CHILD])]
    free = {("near", SEVERE): 1, ("near", MILD): 1, ("far", SEVERE): 2, ("kids", MODERATE): 1, ("far", CRITICAL): 1}
    waiting = [
        patient("a", SEVERE, waited=2),
        patient("b", MILD),
        patient("c", MODERATE, needs=[Need.CHILD]),
        patient("d", SEVERE),
        patient("e", CRITICAL),
        patient("f", CRITICAL),
    ]
    return waiting, sites, free, [Inpatient("q", MILD, "far", SEVERE)]


def test_a_large_network_is_solved_in_a_child_process_to_the_same_proposal(monkeypatch: pytest.MonkeyPatch) -> None:
    waiting, sites, free, inpatients = a_day_with_choices()
    here = optimise(waiting, sites, free, inpatients=inpatients)
    monkeypatch.setattr(placement, "IN_PROCESS_ARCS", 0)
    monkeypatch.setattr(placement, "_solve", refuse_in_this_process(os.getpid()))
    in_child = optimise(waiting, sites, free, inpatients=inpatients)
    assert (in_child.assignments, in_child.moves, in_child.waiting) == (here.assignments, here.moves, here.waiting)
    assert multiprocessing.active_children() == []


def refuse_in_this_process(pid: int) -> Callable[..., np.ndarray]:
    solve = placement._solve

    def only_elsewhere(*network: np.ndarray) -> np.ndarray:
        if os.getpid() == pid:
            raise AssertionError("solved in the caller's process")
        return solve(*network)

    return only_elsewhere


def test_a_solver_that_does_not_answer_in_time_is_stopped_and_the_nearest_rule_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def stuck(*network: np.ndarray) -> np.ndarray:
        time.sleep(120)  # as OR-Tools would, holding on past any limit
        raise AssertionError("not stopped")

    waiting, sites, free, inpatients = a_day_with_choices()
    monkeypatch.setattr(placement, "IN_PROCESS_ARCS", 0)
    monkeypatch.setattr(placement, "_solve", stuck)
    proposal = place(waiting, sites, free, inpatients=inpatients, time_limit=0.5)
    assert proposal.method is Method.NEAREST
    assert proposal.fallback == "the solver did not answer within the 0.5 s limit"
    assert proposal.assignments == nearest(waiting, sites, free).assignments
    assert multiprocessing.active_children() == []  # the child was killed, not left solving


def test_a_solver_process_that_dies_falls_back_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def dies(*network: np.ndarray) -> np.ndarray:
        os._exit(3)

    waiting, sites, free, _ = a_day_with_choices()
    monkeypatch.setattr(placement, "IN_PROCESS_ARCS", 0)
    monkeypatch.setattr(placement, "_solve", dies)
    proposal = place(waiting, sites, free, clock=still)
    assert proposal.method is Method.NEAREST
    assert proposal.fallback == "the solver's process ended without an answer"


def test_nobody_waiting_and_no_hospital() -> None:
    proposal = optimise([], [], {})
    assert (proposal.assignments, proposal.moves, proposal.waiting) == ((), (), ())
    alone = optimise([patient("p", MILD)], [], {})
    assert alone.waiting == (Wait("p", WaitReason.NO_CAPABLE_HOSPITAL),)


# ---- properties on random small networks ----------------------------------------------------

NEEDS = (Need.CHILD, Need.DIALYSIS)
GRID = 0.01  # degrees between grid points: positions are 37.45..37.65, 126.90..127.10


@st.composite
def networks(draw: st.DrawFn, *, same_wait: bool = False) -> tuple[list[Waiting], list[Site], dict, list[Inpatient]]:
    n_sites = draw(st.integers(1, 3))
    sites = [
        Site(
            f"H{k}",
            37.45 + GRID * draw(st.integers(0, 20)),
            126.90 + GRID * draw(st.integers(0, 20)),
            draw(st.sampled_from("AB")),
            frozenset(draw(st.sets(st.sampled_from(NEEDS), max_size=2))),
        )
        for k in range(n_sites)
    ]
    free = {(s.code, t): draw(st.integers(0, 2)) for s in sites for t in TIERS}
    waited = draw(st.sampled_from([0, 2])) if same_wait else None
    waiting = [
        Waiting(
            f"p{i}",
            draw(st.sampled_from(TIERS)),
            37.45 + GRID * draw(st.integers(0, 20)),
            126.90 + GRID * draw(st.integers(0, 20)),
            draw(st.sampled_from("AB")),
            frozenset(draw(st.sets(st.sampled_from(NEEDS), max_size=1))),
            waited if waited is not None else draw(st.sampled_from([0, 1, 3, 150])),
        )
        for i in range(draw(st.integers(0, 7)))
    ]
    inpatients = []
    for k in range(draw(st.integers(0, 3))):
        tier = draw(st.sampled_from(TIERS[:-1]))
        bed = draw(st.sampled_from(TIERS[tier.rank + 1 :]))
        home = draw(st.sampled_from(sites))
        inpatients.append(
            Inpatient(f"q{k}", tier, home.code, bed, frozenset(draw(st.sets(st.sampled_from(NEEDS), max_size=1))))
        )
    return waiting, sites, free, inpatients


def wait_cost(p: Waiting) -> int:
    """The waiting term of the objective as documented: the tier first, then the days waited (up to 99)."""
    return WAIT * (p.tier.rank + 1) + WAITED_DAY * min(p.waited_days, 99)


def feasible(chosen: Sequence[Waiting], sites: Sequence[Site], free: Free, inpatients: Sequence[Inpatient]) -> bool:
    """Whether every chosen patient and every inpatient can hold a bed at once (Kuhn's augmenting
    paths over single bed slots; written apart from the engine's flow)."""
    by_code = {s.code: s for s in sites}
    slots = [key for key, n in free.items() for _ in range(n)] + [(q.hospital, q.bed) for q in inpatients]

    def fits_patient(p: Waiting, slot: tuple[str, Tier]) -> bool:
        return slot[1].rank >= p.tier.rank and by_code[slot[0]].can_treat(p.needs)

    def fits_inpatient(q: Inpatient, slot: tuple[str, Tier]) -> bool:
        if slot == (q.hospital, q.bed):
            return True
        return q.tier.rank <= slot[1].rank < q.bed.rank and by_code[slot[0]].can_treat(q.needs)

    options = [[j for j, s in enumerate(slots) if fits_patient(p, s)] for p in chosen]
    options += [[j for j, s in enumerate(slots) if fits_inpatient(q, s)] for q in inpatients]
    holder: dict[int, int] = {}

    def augment(agent: int, seen: set[int]) -> bool:
        for j in options[agent]:
            if j in seen:
                continue
            seen.add(j)
            if j not in holder or augment(holder[j], seen):
                holder[j] = agent
                return True
        return False

    return all(augment(agent, set()) for agent in range(len(options)))


def least_waiting_cost(
    waiting: Sequence[Waiting], sites: Sequence[Site], free: Free, inpatients: Sequence[Inpatient]
) -> int:
    """The smallest waiting term any placement can reach: the sets of patients that can be placed
    together form a matroid, so taking patients greedily by wait cost is optimal."""
    chosen: list[Waiting] = []
    for p in sorted(waiting, key=wait_cost, reverse=True):
        if feasible([*chosen, p], sites, free, inpatients):
            chosen.append(p)
    return sum(wait_cost(p) for p in waiting) - sum(wait_cost(p) for p in chosen)


def check_hard_limits(
    proposal: Proposal,
    waiting: Sequence[Waiting],
    sites: Sequence[Site],
    free: Free,
    inpatients: Sequence[Inpatient],
) -> None:
    by_id = {p.id: p for p in waiting}
    by_code = {s.code: s for s in sites}
    assigned = [a.patient for a in proposal.assignments]
    waited = [w.patient for w in proposal.waiting]
    assert len(assigned) == len(set(assigned)), "a patient assigned twice"
    assert sorted(assigned + waited) == sorted(by_id), "every patient is either placed or waiting, once"
    for a in proposal.assignments:
        p, s = by_id[a.patient], by_code[a.hospital]
        assert a.tier is p.tier
        assert a.bed.rank >= p.tier.rank, "a bed below the patient's tier"
        assert s.can_treat(p.needs), "a need not met"
        assert a.cross_region == (s.region != p.region)
        assert a.km == pytest.approx(haversine_road_km(p.lat, p.lon, s.lat, s.lon), rel=1e-9, abs=1e-9)
    for w in proposal.waiting:
        capable = any(s.can_treat(by_id[w.patient].needs) for s in sites)
        assert w.reason is (WaitReason.NO_FREE_BED if capable else WaitReason.NO_CAPABLE_HOSPITAL)
    inpatient = {q.id: q for q in inpatients}
    moved = [m.patient for m in proposal.moves]
    assert len(moved) == len(set(moved)), "an inpatient moved twice"
    for m in proposal.moves:
        q = inpatient[m.patient]
        assert (m.tier, m.from_hospital, m.from_bed) == (q.tier, q.hospital, q.bed)
        assert q.tier.rank <= m.to_bed.rank < q.bed.rank, "not a step down to a bed of their tier or above"
        assert by_code[m.to_hospital].can_treat(q.needs)
    into = Counter((a.hospital, a.bed) for a in proposal.assignments) + Counter(
        (m.to_hospital, m.to_bed) for m in proposal.moves
    )
    out_of = Counter((m.from_hospital, m.from_bed) for m in proposal.moves)
    held = Counter((q.hospital, q.bed) for q in inpatients)
    for key in set(into) | set(out_of):
        # inpatients who stay keep their beds: what comes in fits the free beds plus those left
        assert into[key] <= free.get(key, 0) + out_of[key], f"{key} over capacity"
        assert into[key] - out_of[key] <= free.get(key, 0) + held[key]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_placements_keep_every_hard_limit_and_leave_the_least_waiting(
    network: tuple[list[Waiting], list[Site], dict, list[Inpatient]],
) -> None:
    waiting, sites, free, inpatients = network
    optimised = optimise(waiting, sites, free, inpatients=inpatients)
    baseline = nearest(waiting, sites, free)
    check_hard_limits(optimised, waiting, sites, free, inpatients)
    check_hard_limits(baseline, waiting, sites, free, [])
    assert baseline.moves == ()
    if not waiting:
        assert optimised.moves == ()
    # Rule (1) exactly: with at most 7 placements and 3 moves the other terms add up to less than
    # 7 × (100,000 + 3 × 1,000 + 999) + 3 × (10,000 + 999) < 1,000,000 = WAITED_DAY, so the
    # solver's waiting term is the least any placement reaches.
    by_id = {p.id: p for p in waiting}

    def waiting_term(proposal: Proposal) -> int:
        return sum(wait_cost(by_id[w.patient]) for w in proposal.waiting)

    assert waiting_term(optimised) == least_waiting_cost(waiting, sites, free, inpatients)
    # the nearest rule's placement is one the solver could have made (nobody moved)
    assert waiting_term(optimised) <= waiting_term(baseline)
    # and the placeable sets form a matroid: a max-weight set is also a largest one
    assert len(optimised.waiting) <= len(baseline.waiting)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks(same_wait=True))
def test_with_equal_waits_the_solver_leaves_no_more_weighted_waiting_than_nearest(
    network: tuple[list[Waiting], list[Site], dict, list[Inpatient]],
) -> None:
    # With every patient waiting equally long the wait cost orders patients by tier alone, and a
    # max-weight set of a matroid is then also one of greatest total (tier rank + 1). With unequal
    # waits this is not implied by the objective (two mild patients who waited 99 days each weigh
    # 2 × 199,000,000 > one moderate and one mild who just came, 300,000,000), so it is only
    # asserted here.
    waiting, sites, free, inpatients = network
    rank = {p.id: p.tier.rank + 1 for p in waiting}
    optimised = optimise(waiting, sites, free, inpatients=inpatients)
    baseline = nearest(waiting, sites, free)
    assert sum(rank[w.patient] for w in optimised.waiting) <= sum(rank[w.patient] for w in baseline.waiting)
