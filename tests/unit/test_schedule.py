"""Scheduled (paid) and on-duty agents over time: shifts with breaks, across midnight and
days, shrinkage's floor; and bad breaks or shrinkage refused with their key path."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cli import main
from sim.model.staffing import duty_steps, on_duty, paid_steps, scheduled_for, staffed_seconds
from sim.model.units import DAY, HOUR, MINUTE
from sim.scenario.load import ScenarioError, load_scenario
from sim.scenario.pools import Pool
from tests.support import edit, write


def pool(**keys) -> Pool:
    return Pool.model_validate({"skills": ["phone"], **keys})


def at(steps, t: float) -> int:
    return [n for s, n in steps if s <= t][-1]


def test_a_break_takes_its_agents_off_duty_but_not_off_pay():
    p = pool(shifts=[{"start": "8h", "length": "8h", "count": 4,
                      "breaks": [{"at": "2h", "length": "30min"}]},
                     {"start": "9h", "length": "8h", "count": 1}])
    duty, paid = duty_steps(p, 1800, 0, DAY), paid_steps(p, 1800, 0, DAY)
    assert duty == [(0, 0), (8 * HOUR, 4), (9 * HOUR, 5), (10 * HOUR, 1), (10.5 * HOUR, 5),
                    (16 * HOUR, 1), (17 * HOUR, 0)]
    assert paid == [(0, 0), (8 * HOUR, 4), (9 * HOUR, 5), (16 * HOUR, 1), (17 * HOUR, 0)]


def test_breaks_that_touch_each_other_or_the_shift_end_leave_no_gap_on_duty():
    p = pool(shifts=[{"start": "6h", "length": "4h", "count": 3, "breaks": [
        {"at": "1h", "length": "15min"}, {"at": "1h15min", "length": "15min"},
        {"at": "3h30min", "length": "30min"}]}])
    assert duty_steps(p, 1800, 0, DAY) == [(0, 0), (6 * HOUR, 3), (7 * HOUR, 0),
                                          (7.5 * HOUR, 3), (9.5 * HOUR, 0)]
    assert paid_steps(p, 1800, 0, DAY) == [(0, 0), (6 * HOUR, 3), (10 * HOUR, 0)]


def test_a_break_after_midnight_of_a_night_shift_repeats_every_day():
    p = pool(shifts=[{"start": "22h", "length": "8h", "count": 2,
                      "breaks": [{"at": "4h", "length": "1h"}]}])
    steps, paid = duty_steps(p, 1800, -2 * HOUR, 3 * DAY), paid_steps(p, 1800, -2 * HOUR, 3 * DAY)
    for day in (0, 1, 2):
        assert at(steps, day * DAY + 1.5 * HOUR) == 2
        assert at(steps, day * DAY + 2.5 * HOUR) == 0  # 02:00-03:00 on break
        assert at(paid, day * DAY + 2.5 * HOUR) == 2  # and paid
        assert at(steps, day * DAY + 3.5 * HOUR) == 2
        assert at(steps, day * DAY + 6.5 * HOUR) == 0  # the shift ended at 06:00
    assert steps[0] == (-2 * HOUR, 2)  # the warm-up sees the previous evening's shift
    assert len(steps) == 3 * 4 + 1  # per day: 02:00, 03:00, 06:00, 22:00


def test_shrinkage_keeps_the_whole_agents_on_duty():
    p = pool(agents=[10, 3, 0], shrinkage=0.3)
    assert [n for _, n in duty_steps(p, 1800, 0, 3 * 1800)] == [7, 2, 0]
    assert [n for _, n in paid_steps(p, 1800, 0, 3 * 1800)] == [10, 3, 0]
    assert duty_steps(pool(agents=40, shrinkage=0.25), 1800, -HOUR, DAY) == [(-HOUR, 30)]
    assert duty_steps(pool(agents=41, shrinkage=0.25), 1800, -HOUR, DAY) == [(-HOUR, 30)]


def test_shrinkage_floors_the_pool_total_after_breaks():
    # two shifts of 5 at 30%: 10 -> 7 together; 5 -> 3 while one is on break (not 7 - 3.5)
    p = pool(shrinkage=0.3, shifts=[
        {"start": "8h", "length": "8h", "count": 5, "breaks": [{"at": "2h", "length": "1h"}]},
        {"start": "8h", "length": "8h", "count": 5, "breaks": [{"at": "3h", "length": "1h"}]}])
    assert duty_steps(p, 1800, 0, DAY) == [(0, 0), (8 * HOUR, 7), (10 * HOUR, 3),
                                          (12 * HOUR, 7), (16 * HOUR, 0)]
    assert paid_steps(p, 1800, 0, DAY) == [(0, 0), (8 * HOUR, 10), (16 * HOUR, 0)]


def test_a_per_interval_list_repeats_with_its_own_length_over_several_days():
    p = pool(agents=[4, 0, 9, 2, 6], shrinkage=0.5)  # 5 intervals of 7 h: not a day
    steps = duty_steps(p, 7 * HOUR, -7 * HOUR, 4 * DAY)
    for t in np.arange(-7 * HOUR, 4 * DAY, HOUR):
        assert at(steps, t) == [2, 0, 4, 1, 3][math.floor(t / (7 * HOUR)) % 5]


def test_a_pool_without_breaks_or_shrinkage_is_as_before():
    p = pool(shifts=[{"start": "7h", "length": "8h", "count": 3}])
    assert duty_steps(p, 1800, 0, DAY) == paid_steps(p, 1800, 0, DAY)
    assert [n for _, n in duty_steps(p, 1800, 0, DAY)] == [0, 3, 0]


# ---- against a count agent by agent ----------------------------------------------------


@st.composite
def shifts_with_breaks(draw) -> list[dict]:
    out = []
    for _ in range(draw(st.integers(1, 4))):
        length = draw(st.integers(1, 96)) * 15 * MINUTE
        breaks, free = [], 0.0
        for _ in range(draw(st.integers(0, 3))):
            start = free + draw(st.integers(0, 8)) * 15 * MINUTE
            size = draw(st.integers(1, 4)) * 5 * MINUTE
            if start + size <= length:
                breaks.append({"at": start, "length": size})
                free = start + size
        out.append({"start": draw(st.integers(0, 95)) * 15 * MINUTE, "length": length,
                    "count": draw(st.integers(0, 9)), "breaks": breaks})
    return out


def brute_force(shifts: list[dict], shrinkage: float, t: float, breaks: bool) -> int:
    """Agents at time t, shift by shift and day by day, then shrinkage's floor."""
    n = 0
    for s in shifts:
        for day in range(math.floor(t / DAY) - 2, math.floor(t / DAY) + 1):
            begin = day * DAY + s["start"]
            away = breaks and any(begin + b["at"] <= t < begin + b["at"] + b["length"]
                                  for b in s["breaks"])
            n += s["count"] * (begin <= t < begin + s["length"] and not away)
    return on_duty(n, shrinkage)


@settings(max_examples=60)
@given(shifts_with_breaks(), st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.68]),
       st.integers(-96, 96), st.integers(1, 200))
def test_duty_and_paid_steps_match_a_count_agent_by_agent(shifts, shrinkage, start, length):
    p = pool(shifts=shifts, shrinkage=shrinkage)
    begin, end = start * 15 * MINUTE, (start + length) * 15 * MINUTE
    duty, paid = duty_steps(p, 1800, begin, end), paid_steps(p, 1800, begin, end)
    for steps, breaks, s in ((duty, True, shrinkage), (paid, False, 0.0)):
        assert steps[0][0] == begin
        assert all(a[0] < b[0] and a[1] != b[1] for a, b in pairwise(steps))
        for t in np.arange(begin, end, 5 * MINUTE):  # every break and shift edge falls here
            assert at(steps, t) == brute_force(shifts, s, t, breaks), t
        seconds = staffed_seconds(steps, end, np.array([begin, end]))[0]
        assert seconds == pytest.approx(sum(brute_force(shifts, s, t, breaks) * 5 * MINUTE
                                            for t in np.arange(begin, end, 5 * MINUTE)))


# ---- shrinkage's inverse ------------------------------------------------------------------


@given(st.integers(0, 2000), st.one_of(st.floats(0, 0.99),
                                         st.integers(0, 99).map(lambda k: k / 100),
                                         st.integers(1, 20).map(lambda k: 1 - 1 / k)))
def test_scheduled_for_is_the_fewest_that_put_the_requirement_on_duty(required, shrinkage):
    n = scheduled_for(required, shrinkage)
    assert on_duty(n, shrinkage) == required
    assert n == 0 or on_duty(n - 1, shrinkage) < required


def test_scheduled_for_is_not_fooled_by_rounding():
    assert scheduled_for(7, 0.3) == 10  # 7 / 0.7 = 10.000000000000002
    assert on_duty(10, 0.3) == 7  # 10 x 0.7 = 6.999999999999999
    assert scheduled_for(48, 0.68) == 150 and on_duty(150, 0.68) == 48
    assert scheduled_for(30, 0.25) == 40 and on_duty(41, 0.25) == 30


# ---- refused at the edge ------------------------------------------------------------------


SHIFT = 'shifts = [{{ start = "0h", length = "{length}", count = 3, breaks = [{breaks}] }}]'
BAD = [
    ("shrinkage-one", "shrinkage = 1.0\nagents = 3", "pools.team.shrinkage", "less than 1"),
    ("shrinkage-negative", "shrinkage = -0.1\nagents = 3", "pools.team.shrinkage",
     "greater than or equal to 0"),
    ("shrinkage-text", 'shrinkage = "10%"\nagents = 3', "pools.team.shrinkage", "number"),
    ("break-past-the-end", SHIFT.format(length="2h", breaks='{ at = "1h50min", length = '
                                                            '"15min" }'),
     "pools.team.shifts.0.breaks.0", "does not fit in the shift"),
    ("breaks-overlapping", SHIFT.format(length="4h", breaks='{ at = "1h", length = "30min" }, '
                                                            '{ at = "1h15min", length = '
                                                            '"15min" }'),
     "pools.team.shifts.0.breaks.1", "before the previous break ends"),
    ("breaks-out-of-order", SHIFT.format(length="4h", breaks='{ at = "3h", length = "5min" }, '
                                                             '{ at = "1h", length = "5min" }'),
     "pools.team.shifts.0.breaks.1", "in order"),
    ("break-before-the-shift", SHIFT.format(length="4h", breaks='{ at = "-5min", length = '
                                                                '"15min" }'),
     "pools.team.shifts.0.breaks.0.at", "greater than or equal to 0"),
    ("break-of-no-length", SHIFT.format(length="4h", breaks='{ at = "1h", length = "0s" }'),
     "pools.team.shifts.0.breaks.0.length", "greater than 0"),
    ("break-unknown-key", SHIFT.format(length="4h", breaks='{ at = "1h", length = "5min", '
                                                           'paid = false }'),
     "pools.team.shifts.0.breaks.0.paid", "unknown key"),
]


@pytest.mark.parametrize(("new", "key_path", "reason"),
                         [pytest.param(*case[1:], id=case[0]) for case in BAD])
def test_bad_breaks_and_shrinkage_are_refused_with_the_key_path(tmp_path, capsys, new,
                                                                key_path, reason):
    path = write(tmp_path, edit("agents = 3", new))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    lines = str(err.value).splitlines()
    assert any(line.startswith(f"{path}: {key_path}: ") and reason in line for line in lines), \
        lines
    assert main(["run", str(path), "--quiet", "--out", str(tmp_path / "out")]) == 2
    assert f"{path}: {key_path}: " in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_break_that_ends_with_the_shift_is_accepted(tmp_path):
    path = write(tmp_path, edit("agents = 3", SHIFT.format(
        length="2h", breaks='{ at = "1h45min", length = "15min" }')))
    assert load_scenario(path).pools["team"].shifts[0].breaks[0].at == 105 * MINUTE
