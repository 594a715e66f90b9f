"""The backtest: run the fitted scenario over the log's own days with the observed staffing,
and put each measure of the log beside the simulated one.

One replication is one simulated log of the same length (its weekdays in the log's order,
the staffing repeated a day past the end so the last evening's queue is served), so the
spread of replications says how far a log of that length strays from the model by chance.
The observed value is consistent when it lies within the prediction interval of one
replication (mean +- t * sd * sqrt(1 + 1/n)). The day's measures are judged together
(Bonferroni, family-wise 95%), so that a right model passes every one in 95% of logs; the
intraday bands are plain 95% intervals, for the eye. The 95% CI of the simulated mean is
shown too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.fit.measures import Contacts, measures
from sim.metrics import summarize
from sim.metrics.catalogue import metric
from sim.metrics.summary import t_quantile
from sim.model.units import DAY
from sim.runner.run import RunResult
from sim.scenario.schema import Scenario

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Backtest:
    """`table`: per channel and measure, observed, the simulated mean with its CI, and the
    prediction interval of one log (`range_low`, `range_high`) with `consistent`.
    `intraday`: the same per interval of the day (interval_start in seconds)."""

    table: pd.DataFrame
    intraday: pd.DataFrame
    replications: int
    days: int


def backtest_scenario(fitted: Scenario, days: int, first_weekday: int) -> Scenario:
    """The fitted scenario over `days` days starting on `first_weekday` (Monday 0), with one
    more day so the queue left at the end is served."""
    demand = fitted.demand.model_dump()
    for volume in (demand["channels"] or {}).values():
        if volume.get("weekdays"):
            w = volume["weekdays"]
            volume["weekdays"] = w[first_weekday:] + w[:first_weekday]
    return fitted.model_copy(update={"horizon": (days + 1) * DAY,
                                     "demand": type(fitted.demand).model_validate(demand)})


def simulated_contacts(result: RunResult) -> list[Contacts]:
    """Each replication's contacts offered to agents (a closed door is not a log row)."""
    c = result.contacts
    c = c[c["status"] != "closed"] if "status" in c else c
    return [Contacts(rep["channel"].astype(str).to_numpy(), rep["arrival"].to_numpy(),
                     rep["answered"].to_numpy(), rep["ended"].to_numpy())
            for _, rep in c.groupby("replication", sort=True)]


def compare(observed: Contacts, runs: list[Contacts], days: int, scenario: Scenario) -> Backtest:
    """Observed against simulated, per channel and measure and per interval of the day."""
    kinds = {name: spec.kind for name, spec in scenario.channels.items()}
    within = {name: spec.target.within if spec.target else np.inf
              for name, spec in scenario.channels.items()}

    def measure(c: Contacts) -> pd.DataFrame:
        return measures(c, days, scenario.interval, kinds, within)

    seen = measure(observed).rename(columns={"value": "observed"})
    per_rep = pd.concat([measure(c).assign(replication=k) for k, c in enumerate(runs)],
                        ignore_index=True)
    keys = ["channel", "interval_start", "metric"]
    per_rep["interval_start"] = per_rep["interval_start"].fillna(-1.0)
    seen["interval_start"] = seen["interval_start"].fillna(-1.0)
    summary = summarize(per_rep, keys, CONFIDENCE)
    spread = per_rep.groupby(keys, sort=False)["value"].std().rename("sd").reset_index()
    table = seen.merge(summary, on=keys, how="left").merge(spread, on=keys, how="left")
    whole = (table["interval_start"] < 0).to_numpy()
    judged = int(np.sum(whole & np.isfinite(table["observed"].to_numpy())))
    # the day's measures are judged together: a right model passes them all in 95% of logs
    level = np.where(whole, 1 - (1 - CONFIDENCE) / max(judged, 1), CONFIDENCE)
    n = table["replications"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantile(0.5 + level / 2, np.where(n > 1, n - 1, np.nan))
        half = t * table["sd"].to_numpy() * np.sqrt(1 + 1 / n)
    # every measure is at least 0, and a share at most 1
    top = np.where([metric(m).kind == "share" for m in table["metric"]], 1.0, np.inf)
    table["ci_low"] = table["ci_low"].clip(lower=0)
    table["ci_high"] = np.minimum(table["ci_high"], top)
    table["range_low"] = (table["mean"] - half).clip(lower=0)
    table["range_high"] = np.minimum(table["mean"] + half, top)
    observed_value = table["observed"].to_numpy()
    table["consistent"] = (observed_value >= table["range_low"] - 1e-12) & (
        observed_value <= table["range_high"] + 1e-12)
    table = table.drop(columns="sd").rename(columns={"mean": "simulated"})
    return Backtest(table[whole].drop(columns="interval_start").reset_index(drop=True),
                    table[~whole].reset_index(drop=True), len(runs), days)

