"""`sim staff` with a roster table: least-cost shifts with breaks that a confirming run on
other replications finds meeting every goal, and that `sim run` takes as they are."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.units import HOUR
from sim.scenario.load import parse_scenario

# Two humps, quiet nights: one weight per 30 minutes from midnight.
PROFILE = [2] * 12 + [4, 6, 10, 16, 24, 30, 34, 36, 36, 34, 30, 28] + \
    [28, 30, 34, 36, 34, 30, 24, 18, 12, 8, 6, 4] + [3] * 12
ROSTER = {"starts": {"from": "0h", "to": "23h", "every": "1h"}, "lengths": ["8h"],
          "breaks": [{"length": "30min", "earliest": "3h", "latest": "5h"}]}


def rostered(shrinkage: float = 0.2):
    return parse_scenario({
        "name": "rostered", "horizon": "24h", "warmup": "2h", "interval": "30min",
        "demand": {"daily": 2400, "profile": PROFILE}, "choice": {"default": {"phone": 1.0}},
        "channels": {"phone": {"kind": "realtime",
                               "handle_time": {"dist": "exponential", "mean": "5min"},
                               "target": {"within": "20s", "share": 0.8}}},
        "pools": {"phone": {"skills": ["phone"], "agents": 1, "shrinkage": shrinkage,
                            "cost_per_hour": 25.0, "roster": ROSTER}},
    })


@pytest.fixture(scope="module")
def result():
    return sim.staff(rostered(), seed=4, workers=2)


def test_the_roster_meets_every_goal_in_the_confirming_run(result):
    assert result.met
    assert result.confirmation.met, result.confirmation.goals
    assert set(result.rosters) == {"phone"}


def test_the_roster_covers_the_requirement_and_costs_at_least_the_curve(result):
    solution = result.rosters["phone"]
    assert (solution.coverage >= solution.requirement).all()
    rows = result.plan
    assert (rows.on_duty + 1e-9 >= rows.required).all()  # mean on duty over each interval
    pools = result.pools().set_index("pool")
    assert pools.loc["phone", "agent_hours"] >= pools.loc["phone", "curve_agent_hours"]
    assert pools.loc["phone", "agent_hours"] == pytest.approx(solution.paid_hours)
    assert 0 <= solution.gap <= 0.01


def test_the_staffed_file_gives_shifts_with_breaks_that_sim_run_takes(result):
    pool = result.staffed.pools["phone"]
    assert pool.agents is None and pool.shifts
    for shift in pool.shifts:
        assert len(shift.breaks) == 1
        (brk,) = shift.breaks
        assert brk.at >= 3 * HOUR and brk.at + brk.length <= 5 * HOUR
    again = sim.run(result.staffed, replications=4, seed=99).metrics
    level = again[(again.channel == "phone") & (again.metric == "service_level")]["mean"]
    assert float(level.iloc[0]) > 0.75


@pytest.mark.slow
def test_shrinkage_schedules_about_the_requirement_over_one_minus_shrinkage(result):
    no_shrinkage = sim.staff(rostered(0.0), seed=4, workers=2)
    paid = result.rosters["phone"].paid_hours
    bare = no_shrinkage.rosters["phone"].paid_hours
    assert paid / bare == pytest.approx(1 / 0.8, rel=0.08)
    assert np.allclose(result.plan.required.sum(), no_shrinkage.plan.required.sum(), rtol=0.05)
