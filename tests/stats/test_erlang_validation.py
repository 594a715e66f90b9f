"""The simulator against Erlang C and Erlang A at several load points.

Each check: the theoretical value lies within the 99.9% t-interval of the
replication means. The seed is fixed so a failure reproduces, but no seeded
number is pinned: the target is the formula.
"""

from __future__ import annotations

import pytest

from sim.runner.run import run
from sim.theory.erlang import erlang_a, erlang_c, mmc_mean_wait, mmc_service_level
from tests.stats.factory import phone_scenario, tolerance

REPLICATIONS = 30


def _per_replication(scenario, seed: int) -> dict[str, list[float]]:
    table = run(scenario, replications=REPLICATIONS, seed=seed).per_replication
    phone = table[table.channel == "phone"]
    return {m: phone[phone.metric == m].sort_values("replication")["value"].to_numpy()
            for m in phone.metric.unique()}


def _assert_close(name: str, values, theory: float) -> None:
    mean, tol = values.mean(), tolerance(values)
    assert abs(mean - theory) <= tol, (
        f"{name}: simulated {mean:.5g} ± {tol:.3g} (99.9% CI), theory {theory:.5g}"
    )


@pytest.mark.parametrize(("agents", "per_hour", "handle"), [
    (5, 120, 60.0),      # light: rho 0.4
    (50, 450, 360.0),    # rho 0.9, the classic 80/20 call centre
    (10, 570, 60.0),     # rho 0.95, few agents
])
def test_erlang_c(agents, per_hour, handle):
    lam = per_hour / 3600
    values = _per_replication(phone_scenario(agents, per_hour, handle), seed=11)
    _assert_close("delayed_share", values["delayed_share"], erlang_c(agents, lam * handle))
    _assert_close("wait_mean", values["wait_mean"], mmc_mean_wait(agents, lam, handle))
    _assert_close("service_level", values["service_level"],
                  mmc_service_level(agents, lam, handle, 20.0))
    assert values["abandon_rate"].max() == 0


@pytest.mark.parametrize(("agents", "per_hour", "handle", "patience"), [
    (10, 300, 60.0, 120.0),     # rho 0.5, little abandonment
    (50, 480, 360.0, 60.0),     # rho 0.96, the shipped erlang-a scenario
    (20, 1260, 60.0, 120.0),    # rho 1.05: overloaded, only patience keeps it stable
])
def test_erlang_a(agents, per_hour, handle, patience):
    lam = per_hour / 3600
    theory = erlang_a(agents, lam, handle, patience)
    values = _per_replication(phone_scenario(agents, per_hour, handle, patience), seed=12)
    _assert_close("delayed_share", values["delayed_share"], theory.p_wait)
    _assert_close("abandon_rate", values["abandon_rate"], theory.p_abandon)
    _assert_close("wait_mean (answered)", values["wait_mean"], theory.mean_wait_served)
