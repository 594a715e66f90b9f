"""Shrinkage and breaks against theory: N scheduled agents with shrinkage s serve as
floor(N (1 - s)) agents would in Erlang C, whether N (1 - s) is whole or not (and not as one
agent more or fewer); occupancy counts only time on duty, `agents` and `cost` every paid hour."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.staffing import duty_steps, paid_steps, staffed_seconds
from sim.runner.run import run
from sim.theory.erlang import erlang_c, mmc_mean_wait
from tests.stats.factory import phone_scenario, tolerance

PER_HOUR, HANDLE = 450, 360.0  # 45 Erlangs
REPLICATIONS = 30
METRICS = ("delayed_share", "wait_mean", "occupancy", "agents", "on_duty", "cost")


def shrunk(agents: int, shrinkage: float, per_hour: float = PER_HOUR, handle: float = HANDLE,
           horizon: float = 24 * 3600.0, **pool):
    scenario = phone_scenario(agents, per_hour, handle, horizon=horizon)
    update = {"shrinkage": shrinkage, **pool}
    pools = {"phone": scenario.pools["phone"].model_copy(update=update)}
    return scenario.model_copy(update={"pools": pools})


def phone_values(scenario, replications: int = REPLICATIONS, seed: int = 21) -> dict:
    table = run(scenario, replications=replications, seed=seed).per_replication
    rows = table[table.channel.isin(["phone", "pool:phone"])]
    return {m: rows[rows.metric == m].sort_values("replication")["value"].to_numpy()
            for m in METRICS}


def assert_erlang_c_for(values: dict, on_duty: int, per_hour: float, handle: float) -> None:
    """The delayed share and mean wait agree with Erlang C for the agents on duty, and at
    least one of them disagrees with one agent more and with one fewer (the test's power)."""
    load, rate = per_hour * handle / 3600, per_hour / 3600
    for c, close in ((on_duty, True), (on_duty - 1, False), (on_duty + 1, False)):
        theory = {"delayed_share": erlang_c(c, load), "wait_mean": mmc_mean_wait(c, rate, handle)}
        hits = [abs(values[m].mean() - t) <= tolerance(values[m]) for m, t in theory.items()]
        assert all(hits) == close, (c, {m: values[m].mean() for m in theory}, theory)
    # busy time over time on duty: the offered load over the agents on duty
    assert abs(values["occupancy"].mean() - load / on_duty) <= tolerance(values["occupancy"])


@pytest.mark.parametrize(("agents", "shrinkage", "on_duty"), [
    (64, 0.25, 48),   # 48 exactly
    (65, 0.25, 48),   # 48.75: the fraction is not on duty
    (75, 0.34, 49),   # 49.5: the fraction is not on duty
    (150, 0.68, 48),  # 47.99999999999999 in floating point: 48 on duty, not 47
])
def test_scheduled_agents_serve_as_the_whole_agents_on_duty(agents, shrinkage, on_duty):
    values = phone_values(shrunk(agents, shrinkage))
    assert_erlang_c_for(values, on_duty, PER_HOUR, HANDLE)
    assert (values["agents"] == agents).all()  # what is paid: every scheduled agent
    assert (values["on_duty"] == on_duty).all()


def test_occupancy_counts_only_time_on_duty_through_breaks():
    # 8 day-long shifts of 8 agents at 10% shrinkage: 57 on duty, 50 while one shift is on
    # a break (an hour and a half hour each, staggered: 12 hours of the day). Busy time is the work
    # offered (the queue is as long at the end of the day as at its start, on average), so
    # occupancy is the load times the horizon over the on-duty seconds, not the paid ones.
    shifts = [{"start": 0.0, "length": 24 * 3600.0, "count": 8, "breaks": [
        {"at": (1 + k) * 3600.0, "length": 3600.0},
        {"at": (12 + k) * 3600.0 + 900, "length": 1800.0}]} for k in range(8)]
    scenario = phone_scenario(0, PER_HOUR, HANDLE, horizon=24 * 3600.0)
    pool = scenario.pools["phone"].model_validate(
        {"skills": ["phone"], "shifts": shifts, "shrinkage": 0.1, "cost_per_hour": 20.0})
    scenario = scenario.model_copy(update={"pools": {"phone": pool}})
    values = phone_values(scenario)
    horizon, edges = scenario.horizon, np.array([0.0, scenario.horizon])
    duty = staffed_seconds(duty_steps(pool, scenario.interval, 0, horizon), horizon, edges)[0]
    paid = staffed_seconds(paid_steps(pool, scenario.interval, 0, horizon), horizon, edges)[0]
    assert duty == pytest.approx((57 * 12 + 50 * 12) * 3600) and paid == 64 * horizon
    expected = PER_HOUR * HANDLE / 3600 * horizon / duty
    assert abs(values["occupancy"].mean() - expected) <= tolerance(values["occupancy"])
    assert abs(values["occupancy"].mean() - expected * duty / paid) > \
        tolerance(values["occupancy"])  # the test tells on-duty from paid time apart
    assert np.allclose(values["on_duty"], duty / horizon)
    assert (values["agents"] == 64).all() and (values["cost"] == 64 * 24 * 20.0).all()


@pytest.mark.slow
@pytest.mark.parametrize(("agents", "shrinkage", "on_duty"), [
    (12, 0.25, 9),    # 9 exactly, at 7.2 Erlangs
    (13, 0.25, 9),    # 9.75
    (14, 0.3, 9),     # 9.8
])
def test_a_small_pool_serves_as_its_whole_agents_on_duty(agents, shrinkage, on_duty):
    # one agent matters less in absolute terms at a light load: a day and more replications
    values = phone_values(shrunk(agents, shrinkage, per_hour=72, horizon=24 * 3600.0),
                          replications=60)
    assert_erlang_c_for(values, on_duty, 72, HANDLE)
