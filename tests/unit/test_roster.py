"""The roster integer program: a brute force agrees on tiny days; a realistic day is covered
in every slot, by agents whose breaks lie in their windows, as recomputed here in seconds
from the shifts alone; shrinkage, midnight, a binding `max_agents` and the refusals."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from sim.model.units import DAY, HOUR, MINUTE, parse_duration
from sim.scenario.pools import Shift
from sim.scenario.roster import Roster
from sim.staffing.roster import (
    RELATIVE_GAP,
    RosterError,
    RosterSolution,
    as_shifts,
    scheduled_needed,
    solve_roster,
)

EPS = 1e-9


def roster(starts, lengths, breaks=(), max_agents=None) -> Roster:
    """A Roster from hours (floats) and breaks as (length, earliest, latest) in hours."""
    data = {"starts": [h * HOUR for h in starts], "lengths": [h * HOUR for h in lengths],
            "breaks": [{"length": n * HOUR, "earliest": lo * HOUR, "latest": hi * HOUR}
                       for n, lo, hi in breaks]}
    if max_agents is not None:
        data["max_agents"] = max_agents
    return Roster.model_validate(data)


def at_work(start, length, breaks, t) -> np.ndarray:
    """Whether an agent with this shift works (on shift, not on break) at times of day t."""
    since = (np.asarray(t) - start) % DAY
    works = since < length
    for at, n in breaks:
        works &= ~((since >= at) & (since < at + n))
    return works


def scheduled_at(solution: RosterSolution, t) -> np.ndarray:
    """Agents at work at times t, recomputed from the solution's shifts only."""
    total = np.zeros(len(t), dtype=np.int64)
    for s in solution.shifts:
        total += s.count * at_work(s.start, s.length, s.breaks, t)
    return total


def on_duty(n, s):
    return np.floor((1 - s) * np.asarray(n) + EPS).astype(np.int64)


# ---------------------------------------------------------------- brute force

def brute_force(requirement, interval, starts, lengths, breaks, s, max_agents=None):
    """The fewest paid hours by enumerating agents per pattern (template x one start per
    break, hourly: every time here is whole hours and break lengths are 1h), checked at the
    middle of every hour. None if no count meets the requirement. A pattern never needs more
    agents than the most needed where it works (one fewer would still cover). "uncovered"
    if a needed time has no pattern, "too large" past 200,000 combinations."""
    points = np.arange(24) * HOUR + HOUR / 2
    need_on_duty = np.asarray(requirement)[(points // interval).astype(int)]
    need = scheduled_needed(need_on_duty, s)
    patterns, hours = [], []
    for a, n in itertools.product(starts, lengths):
        windows = [range(round(lo), round(hi - m) + 1) for m, lo, hi in breaks]
        for placed in itertools.product(*windows):
            brk = [(p * HOUR, m * HOUR) for p, (m, _, _) in zip(placed, breaks, strict=True)]
            patterns.append(at_work(a * HOUR, n * HOUR, brk, points))
            hours.append(n)
    works = np.array(patterns, dtype=np.int64)
    if np.any((need > 0) & (works.sum(0) == 0)):
        return "uncovered"
    most = [int(need[w.astype(bool)].max(initial=0)) for w in works]
    if math.prod(m + 1 for m in most) > 200_000:
        return "too large"
    counts = np.array(list(itertools.product(*(range(m + 1) for m in most))), dtype=np.int64)
    ok = np.all(on_duty(counts @ works, s) >= need_on_duty, axis=1)
    if max_agents is not None:
        ok &= counts.sum(1) <= max_agents
    return float((counts[ok] @ np.array(hours)).min()) if ok.any() else None


def check_brute_force(requirement, interval, starts, lengths, breaks, s,
                      max_agents=None) -> str:
    """How the integer program was checked: "optimal", "shortfall", "uncovered" or (not
    checked) "too large"."""
    best = brute_force(requirement, interval, starts, lengths, breaks, s, max_agents)
    r = roster(starts, lengths, breaks, max_agents)
    if best == "too large":
        return best
    if best == "uncovered":
        with pytest.raises(RosterError, match="no shift of the roster works at"):
            solve_roster(np.array(requirement), interval, r, s)
        return best
    solution = solve_roster(np.array(requirement), interval, r, s, cost_per_hour=2.0,
                            relative_gap=0.0)  # proven optimal, to equal the brute force
    assert solution.status == "optimal"
    t = np.arange(0, DAY, solution.slot) + solution.slot / 2
    assert np.array_equal(scheduled_at(solution, t), solution.scheduled)
    if best is None:  # only max_agents stops it
        assert solution.shortfall > 0
        assert sum(x.count for x in solution.shifts) <= max_agents
        return "shortfall"
    assert solution.shortfall == 0
    assert solution.paid_hours == pytest.approx(best)
    assert solution.cost == pytest.approx(2.0 * best)
    assert np.all(solution.coverage >= solution.requirement)
    return "optimal"


def test_brute_force_agrees_on_a_tiny_day():
    requirement = [0, 0, 1, 2, 2, 1, 1, 0]  # per 3h
    for s in (0.0, 0.25):
        assert check_brute_force(requirement, 3 * HOUR, [6, 9, 13], [8], [(1, 3, 5)], s) \
            == "optimal"
    assert check_brute_force(requirement, 3 * HOUR, [6, 13], [9], [(1, 2, 4), (1, 4, 6)],
                             0.0) == "optimal"
    assert check_brute_force(requirement, 3 * HOUR, [6, 13], [8, 9], [(1, 2, 4)], 0.0,
                             max_agents=2) == "shortfall"
    assert check_brute_force(requirement, 3 * HOUR, [6], [8], [(1, 2, 4)], 0.0) == "uncovered"


@settings(max_examples=40, deadline=None)
@given(interval=st.sampled_from([3 * HOUR, 6 * HOUR]),
       starts=st.lists(st.integers(0, 23), min_size=1, max_size=2, unique=True),
       lengths=st.lists(st.sampled_from([4, 6, 9]), min_size=1, max_size=2, unique=True),
       windows=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), max_size=2),
       s=st.sampled_from([0.0, 0.2, 0.5]),
       max_agents=st.one_of(st.none(), st.integers(1, 3)),
       keep_uncovered=st.integers(0, 4).map(lambda k: k == 0),
       data=st.data())
def test_brute_force_agrees_on_random_tiny_days(interval, starts, lengths, windows, s,
                                                max_agents, keep_uncovered, data):
    breaks, opens = [], 1
    for gap, extra in windows:  # 1h breaks, each window 1 or 2 starts, after the last one
        lo = opens + gap
        breaks.append((1, lo, lo + 1 + extra))
        opens = lo + 1 + extra
    assume(not breaks or breaks[-1][2] <= min(lengths))
    n = round(DAY / interval)
    requirement = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)))
    if not keep_uncovered:  # mostly: nothing needed where no shift ever is
        hour = np.arange(24) + 0.5
        on_shift = np.any([(hour - a) % 24 < m for a in starts for m in lengths], axis=0)
        requirement[~on_shift.reshape(n, -1).all(axis=1)] = 0
    checked = check_brute_force(requirement, interval, starts, lengths, breaks, s, max_agents)
    assume(checked != "too large")
    event(checked)


# ---------------------------------------------------------------- a realistic day

REALISTIC = Roster.model_validate({
    "starts": {"from": "6h", "to": "14h", "every": "30min"}, "lengths": ["8h", "9h"],
    "breaks": [{"length": "15min", "earliest": "1h30min", "latest": "3h"},
               {"length": "30min", "earliest": "3h30min", "latest": "5h30min"},
               {"length": "15min", "earliest": "6h", "latest": "7h30min"}]})


def two_humps(intervals: int) -> np.ndarray:
    """Agents on duty per interval: a morning and an afternoon peak, none at night."""
    hour = (np.arange(intervals) + 0.5) * 24 / intervals
    need = 4 + 14 * np.exp(-((hour - 10.5) / 2) ** 2) + 11 * np.exp(-((hour - 15.5) / 2.2) ** 2)
    return np.where((hour > 6) & (hour < 23), np.rint(need), 0).astype(np.int64)


@pytest.fixture(scope="module")
def realistic() -> RosterSolution:
    return solve_roster(two_humps(48), 30 * MINUTE, REALISTIC, 0.0, cost_per_hour=25.0)


def test_realistic_day_is_covered_in_every_slot(realistic):
    assert realistic.status == "optimal" and realistic.shortfall == 0
    assert realistic.slot == 15 * MINUTE
    assert np.array_equal(realistic.requirement, np.repeat(two_humps(48), 2))
    t = np.arange(0, DAY, realistic.slot) + realistic.slot / 2
    assert np.array_equal(scheduled_at(realistic, t), realistic.scheduled)
    assert np.all(realistic.coverage >= realistic.requirement)
    hours = sum(s.count * s.length for s in realistic.shifts) / HOUR
    assert realistic.paid_hours == pytest.approx(hours)
    assert realistic.cost == pytest.approx(25.0 * hours)
    assert 0 <= realistic.gap <= RELATIVE_GAP


def test_realistic_breaks_lie_in_their_windows_and_never_overlap(realistic):
    assert realistic.shifts
    for shift in realistic.shifts:
        assert shift.start in REALISTIC.start_times() and shift.length in (8 * HOUR, 9 * HOUR)
        assert len(shift.breaks) == len(REALISTIC.breaks)
        for (at, n), window in zip(shift.breaks, REALISTIC.breaks, strict=True):
            assert n == window.length and window.earliest <= at <= window.latest - n
        ends = [at + n for at, n in shift.breaks]
        assert all(ends[k] <= shift.breaks[k + 1][0] for k in range(len(ends) - 1))
    combos = [(s.start, s.length, s.breaks) for s in realistic.shifts]
    assert len(set(combos)) == len(combos)  # identical agents are counted together


def test_as_shifts_reads_back_as_the_scenarios_shift(realistic):
    written = as_shifts(realistic)
    assert len(written) == len(realistic.shifts)
    for row, shift in zip(written, realistic.shifts, strict=True):
        assert parse_duration(row["start"]) == shift.start
        assert parse_duration(row["length"]) == shift.length
        assert [(parse_duration(b["at"]), parse_duration(b["length"])) for b in row["breaks"]] \
            == list(shift.breaks)
        has_breaks = "breaks" in Shift.model_fields
        model = Shift.model_validate(row if has_breaks else
                                     {k: v for k, v in row.items() if k != "breaks"})
        assert (model.start, model.length, model.count) == (shift.start, shift.length,
                                                            shift.count)
    bare = solve_roster(np.ones(4, dtype=int), 6 * HOUR, roster([0, 12], [12]))
    assert all("breaks" not in row for row in as_shifts(bare))
    assert [Shift.model_validate(row).count for row in as_shifts(bare)] == [1, 1]


def test_shrinkage_schedules_requirement_over_one_minus_s_and_still_covers():
    r = roster([6, 8, 10, 12, 15], [8], [(0.5, 3, 5)])
    requirement = two_humps(24)
    solution = solve_roster(requirement, HOUR, r, shrinkage=0.2, relative_gap=0.0)
    assert solution.shortfall == 0
    assert np.array_equal(solution.coverage, on_duty(solution.scheduled, 0.2))
    assert np.all(solution.coverage >= solution.requirement)
    assert np.all(solution.scheduled >= np.ceil(solution.requirement / 0.8 - EPS))
    # the same program as covering ceil(requirement / 0.8) agents with no shrinkage
    inflated = solve_roster(np.ceil(requirement / 0.8 - EPS).astype(int), HOUR, r,
                            relative_gap=0.0)
    assert solution.paid_hours == inflated.paid_hours
    plain = solve_roster(requirement, HOUR, r, relative_gap=0.0)
    assert plain.paid_hours / 0.8 <= solution.paid_hours <= inflated.paid_hours


def test_scheduled_needed_is_the_fewest_whose_floor_reaches_the_requirement():
    r = np.arange(0, 60)
    for s in (0.0, 0.1, 0.2, 0.3, 1 / 3, 0.35, 0.9, 1 - 1 / (3 + 1e-7)):
        n = scheduled_needed(r, s)
        assert np.all(on_duty(n, s) >= r)
        assert np.all((n == 0) | (on_duty(n - 1, s) < r))


def test_a_shift_past_midnight_covers_the_early_hours():
    requirement = np.zeros(24, dtype=int)
    requirement[[22, 23, 0, 1, 2, 3, 4, 5]] = [1, 1, 2, 2, 1, 1, 1, 1]
    solution = solve_roster(requirement, HOUR, roster([22, 12], [8, 9]))
    assert solution.shortfall == 0 and np.all(solution.coverage >= solution.requirement)
    assert solution.paid_hours == 16  # two 8h shifts from 22:00
    assert [(s.start, s.length, s.count) for s in solution.shifts] == [(22 * HOUR, 8 * HOUR, 2)]
    assert np.all(scheduled_at(solution, np.array([0.5, 5.5]) * HOUR) == 2)


def test_too_few_agents_reports_the_shortfall_instead_of_failing():
    r = roster([6, 8, 10, 12, 15], [8], [(0.5, 3, 5)], max_agents=3)
    solution = solve_roster(two_humps(24), HOUR, r)
    assert sum(s.count for s in solution.shifts) == 3  # every agent allowed is used
    short = np.maximum(solution.requirement - solution.coverage, 0).sum()
    assert solution.shortfall == short > 0


def test_a_needed_time_no_shift_works_is_refused_with_its_time_of_day():
    requirement = np.zeros(48, dtype=int)
    requirement[[20, 41]] = [3, 2]  # 10:00 and 20:30
    with pytest.raises(RosterError, match=r"works at 20:30, where 2 agents must be on duty"):
        solve_roster(requirement, 30 * MINUTE, roster([8], [8]))
    # a break whose window is its length always takes 10:00-11:00 off an 8:00 shift
    with pytest.raises(RosterError, match=r"works at 10:00, where 3 agents"):
        solve_roster(requirement, 30 * MINUTE, roster([8, 12], [4], [(1, 2, 3)]))


def test_grids_too_fine_or_too_large_are_refused_with_what_to_coarsen():
    fine = Roster.model_validate({"starts": ["8h", "8h0min30s"], "lengths": ["8h"]})
    with pytest.raises(RosterError, match="30 s grid, finer than 1 minute"):
        solve_roster(np.ones(24, dtype=int), HOUR, fine)
    large = Roster.model_validate({"starts": {"from": 0, "to": "23h59min", "every": "1min"},
                                   "lengths": ["8h", "9h"],
                                   "breaks": [{"length": "1min", "earliest": "1h",
                                               "latest": "2h"}]})
    with pytest.raises(RosterError, match=r"variables .* coarser grid"):
        solve_roster(np.ones(24, dtype=int), HOUR, large)


def test_bad_requirement_or_shrinkage_is_refused():
    r = roster([8], [8])
    for requirement in (np.ones(23), np.full(24, 1.5), -np.ones(24), np.ones((2, 12))):
        with pytest.raises(RosterError, match="requirement"):
            solve_roster(requirement, HOUR, r)
    with pytest.raises(RosterError, match="shrinkage"):
        solve_roster(np.ones(24, dtype=int), HOUR, r, shrinkage=1.0)
