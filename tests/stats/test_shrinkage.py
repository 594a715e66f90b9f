"""Shrinkage against Erlang C: N scheduled agents with shrinkage s serve as floor(N (1 - s))
agents would, whether N (1 - s) is whole or not, and the occupancy counts only their time."""

from __future__ import annotations

import pytest

from sim.runner.run import run
from sim.theory.erlang import erlang_c, mmc_mean_wait
from tests.stats.factory import phone_scenario, tolerance

PER_HOUR, HANDLE = 450, 360.0  # 45 Erlangs


def shrunk(agents: int, shrinkage: float):
    scenario = phone_scenario(agents, PER_HOUR, HANDLE, horizon=12 * 3600.0)
    pools = {"phone": scenario.pools["phone"].model_copy(update={"shrinkage": shrinkage})}
    return scenario.model_copy(update={"pools": pools})


def phone_values(scenario) -> dict:
    table = run(scenario, replications=20, seed=21).per_replication
    rows = table[table.channel.isin(["phone", "pool:phone"])]
    return {m: rows[rows.metric == m].sort_values("replication")["value"].to_numpy()
            for m in ("delayed_share", "wait_mean", "occupancy", "agents")}


@pytest.mark.parametrize(("agents", "shrinkage", "on_duty"), [
    (64, 0.25, 48),   # 48 exactly
    (65, 0.25, 48),   # 48.75: the fraction is not on duty
    (75, 0.34, 49),   # 49.5: the fraction is not on duty
    (150, 0.68, 48),  # 47.99999999999999 in floating point: 48 on duty, not 47
])
def test_scheduled_agents_serve_as_the_whole_agents_on_duty(agents, shrinkage, on_duty):
    values = phone_values(shrunk(agents, shrinkage))
    load, rate = PER_HOUR * HANDLE / 3600, PER_HOUR / 3600
    for c, close in ((on_duty, True), (on_duty - 1, False), (on_duty + 1, False)):
        theory = {"delayed_share": erlang_c(c, load), "wait_mean": mmc_mean_wait(c, rate, HANDLE)}
        hits = [abs(values[m].mean() - t) <= tolerance(values[m]) for m, t in theory.items()]
        assert all(hits) == close, (c, {m: values[m].mean() for m in theory}, theory)
    # busy time over time on duty: the offered load over the agents on duty
    assert abs(values["occupancy"].mean() - load / on_duty) <= tolerance(values["occupancy"])
    assert (values["agents"] == agents).all()  # what is paid: every scheduled agent
