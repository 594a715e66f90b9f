"""Small scenarios for the statistical tests, built in code so each test states its load point."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.scenario.load import parse_scenario
from sim.scenario.schema import Scenario


def phone_scenario(agents: int, per_hour: float, handle: float = 360.0,
                   patience: float | None = None, horizon: float = 24 * 3600.0,
                   warmup: float = 3600.0, within: float = 20.0) -> Scenario:
    """One realtime queue: Poisson arrivals, exponential handle (and patience) times."""
    phone = {"kind": "realtime", "handle_time": {"dist": "exponential", "mean": handle},
             "target": {"within": within, "share": 0.8}}
    if patience is not None:
        phone["patience"] = {"dist": "exponential", "mean": patience}
    return parse_scenario({
        "name": "test", "horizon": horizon, "warmup": warmup,
        "demand": {"per_hour": per_hour}, "choice": {"default": {"phone": 1.0}},
        "channels": {"phone": phone},
        "pools": {"phone": {"skills": ["phone"], "agents": agents}},
    })


def tolerance(values: np.ndarray, confidence: float = 0.999) -> float:
    """Half-width of the two-sided t-interval of the mean of i.i.d. replication values.

    99.9% rather than 95% so that a suite of many such checks stays quiet when the model is
    right, while a bias of a few standard errors still fails.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    return float(stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))


def paired_difference(base: Scenario, other: Scenario, channel: str, metric: str,
                      replications: int = 15, seed: int = 5,
                      confidence: float = 0.99) -> tuple[float, float]:
    """Mean and half-width of (other - base) per replication, both arms on the same seeds
    (common random numbers), from the paired t-interval."""
    from sim.runner.run import run

    values = []
    for scenario in (base, other):
        table = run(scenario, replications=replications, seed=seed).per_replication
        rows = table[(table.channel == channel) & (table.metric == metric)]
        values.append(rows.sort_values("replication")["value"].to_numpy())
    d = values[1] - values[0]
    return float(d.mean()), tolerance(d, confidence)
