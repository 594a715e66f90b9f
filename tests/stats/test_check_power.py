"""Proof that `sim check` works: it flags a policy made 10% worse in mean wait in at least
95% of trials, and flags an unchanged policy in at most 5%.

Each trial draws its own seed s: a baseline of fifo with seed s, then `sim check` (the same
Python functions: measure, compare, decide) of three changes of fifo's code run with the
same seeds:
- worse: every handle time longer by the factor that makes the M/M/c mean wait 10% longer
  (Erlang C; the measured effect is printed and checked against it);
- identical: fifo itself (identical numbers: must always pass);
- neutral: handle times drawn again from another stream (tests/stats/variants.py): the same
  law, other sample paths, so the false-alarm rate is measured on real noise.

The scenario is one phone queue, M/M/10 at 80% load (mean wait 74 s, so the 5% tolerance
is 3.7 s), 24 hours after a 1-hour warm-up, with `sim baseline`'s default replications.
With TRIALS = 120, if the true rates were 0.99 (flagging the worse policy) and 0.01
(flagging a neutral one), each assertion on a rate would fail with probability 2.2e-4
(P(Binomial(120, 0.01) >= 7)); the seeds are fixed, so the outcome is reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

from sim.check.baseline import make_baseline
from sim.check.measure import measure
from sim.check.verdict import compare, decide
from sim.cli.baseline import REPLICATIONS
from sim.theory.erlang import mmc_mean_wait
from tests.stats.factory import phone_scenario
from tests.stats.variants import fifo_replaced, neutral, slowed

SERVERS, LOAD, HANDLE = 10, 0.8, 360.0
EFFECT = 0.10  # the worse variant's mean wait, relative to fifo's
TRIALS = 120
FIRST_SEED = 70_000


def slowdown_factor() -> float:
    """The handle-time factor that makes the M/M/c mean wait EFFECT longer (Erlang C)."""
    rate = LOAD * SERVERS / HANDLE

    def ratio(k: float) -> float:
        return mmc_mean_wait(SERVERS, rate, k * HANDLE) / mmc_mean_wait(SERVERS, rate, HANDLE)

    return optimize.brentq(lambda k: ratio(k) - 1 - EFFECT, 1.0, 1.5)


def rate_line(name: str, hits: list[bool]) -> str:
    k, n = sum(hits), len(hits)
    ci = stats.binomtest(k, n).proportion_ci(method="exact")
    return f"{name}: {k}/{n} = {k / n:.3f} (95% CI {ci.low:.3f} to {ci.high:.3f})"


@pytest.mark.slow
def test_check_flags_a_ten_percent_worse_wait_and_not_an_unchanged_policy(capsys):
    scenario = phone_scenario(SERVERS, LOAD * SERVERS * 3600 / HANDLE, handle=HANDLE)
    factor = slowdown_factor()
    arms: dict[str, list[bool]] = {"worse": [], "worse, phone:wait_mean itself": [],
                                   "identical": [], "neutral": []}
    effects = []
    for trial in range(TRIALS):
        seed = FIRST_SEED + trial
        [values] = measure([(scenario, seed, REPLICATIONS)])
        baseline = make_baseline(scenario, Path("mmc.toml"), values, seed, REPLICATIONS)

        def check(variant=None, baseline=baseline, seed=seed):
            if variant is None:
                [new] = measure([(scenario, seed, REPLICATIONS)])
            else:
                with fifo_replaced(variant):
                    [new] = measure([(scenario, seed, REPLICATIONS)])
            return decide(compare(baseline, new))

        worse = check(lambda: slowed(factor))
        wait = next(c for c in worse if (c.channel, c.metric) == ("phone", "wait_mean"))
        effects.append(wait.test.new_mean / wait.test.base_mean - 1)
        arms["worse"].append(any(c.failed for c in worse))
        arms["worse, phone:wait_mean itself"].append(wait.failed)
        identical = check()
        assert all(c.verdict == "same" for c in identical)
        arms["identical"].append(any(c.failed for c in identical))
        arms["neutral"].append(any(c.failed for c in check(neutral)))

    effect = float(np.mean(effects))
    with capsys.disabled():
        print(f"\nsim check power test: M/M/{SERVERS} at load {LOAD}, {REPLICATIONS} "
              f"replications per baseline, {TRIALS} trials per arm; handle times x{factor:.4f}"
              f" make the mean wait {effect:+.1%} longer (Erlang C: {EFFECT:+.0%})")
        for name, hits in arms.items():
            print("  flagged, " + rate_line(name, hits))
    assert abs(effect - EFFECT) < 0.01, "the worse variant is not 10% worse in mean wait"
    assert np.mean(arms["worse"]) >= 0.95
    assert np.mean(arms["worse, phone:wait_mean itself"]) >= 0.95
    assert not any(arms["identical"])
    assert np.mean(arms["neutral"]) <= 0.05
