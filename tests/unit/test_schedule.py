"""Scheduled (paid) and on-duty agents over time: shifts with breaks, across midnight and
days, shrinkage's floor; and bad breaks or shrinkage refused with their key path."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.staffing import duty_steps, on_duty, paid_steps, scheduled_for
from sim.model.units import DAY, HOUR
from sim.scenario.load import ScenarioError, parse_scenario
from sim.scenario.pools import Pool
from tests.support import edit


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
    assert at(paid, 10.2 * HOUR) == 5


def test_a_break_after_midnight_of_a_night_shift_repeats_every_day():
    p = pool(shifts=[{"start": "22h", "length": "8h", "count": 2,
                      "breaks": [{"at": "4h", "length": "1h"}]}])
    steps = duty_steps(p, 1800, -2 * HOUR, 2 * DAY)
    for day in (0, 1):
        assert at(steps, day * DAY + 1.5 * HOUR) == 2
        assert at(steps, day * DAY + 2.5 * HOUR) == 0  # 02:00-03:00 on break
        assert at(steps, day * DAY + 3.5 * HOUR) == 2
    assert at(steps, -HOUR) == 2  # the warm-up sees the previous evening's shift


def test_shrinkage_keeps_the_whole_agents_on_duty():
    assert [n for _, n in duty_steps(pool(agents=[10, 3, 0], shrinkage=0.3), 1800, 0,
                                     3 * 1800)] == [7, 2, 0]
    assert [n for _, n in paid_steps(pool(agents=[10, 3, 0], shrinkage=0.3), 1800, 0,
                                     3 * 1800)] == [10, 3, 0]


@given(st.integers(0, 500), st.floats(0, 0.95))
def test_scheduled_for_is_the_fewest_that_put_the_requirement_on_duty(required, shrinkage):
    n = scheduled_for(required, shrinkage)
    assert on_duty(n, shrinkage) == required
    assert n == 0 or on_duty(n - 1, shrinkage) < required


@pytest.mark.parametrize(("new", "path", "reason"), [
    ('shrinkage = 1.0\nagents = 3', "pools.team.shrinkage", "less than 1"),
    ('shrinkage = -0.1\nagents = 3', "pools.team.shrinkage", "greater than or equal to 0"),
    ('shifts = [{ start = "0h", length = "2h", count = 3, breaks = [{ at = "1h50min", '
     'length = "15min" }] }]', "pools.team.shifts.0", "past the shift"),
    ('shifts = [{ start = "0h", length = "4h", count = 3, breaks = [{ at = "1h", length = '
     '"30min" }, { at = "1h15min", length = "15min" }] }]', "pools.team.shifts.0",
     "before the previous break ends"),
])
def test_bad_breaks_and_shrinkage_are_refused_with_the_key_path(new, path, reason):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(tomllib.loads(edit("agents = 3", new)), source="s.toml")
    assert f"s.toml: {path}" in str(err.value) and reason in str(err.value)


def test_a_pool_without_breaks_or_shrinkage_is_as_before():
    p = pool(shifts=[{"start": "7h", "length": "8h", "count": 3}])
    assert duty_steps(p, 1800, 0, DAY) == paid_steps(p, 1800, 0, DAY)
    assert np.array_equal([n for _, n in duty_steps(p, 1800, 0, DAY)], [0, 3, 0])
