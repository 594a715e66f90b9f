"""Frontdoor: a discrete-event simulator of omnichannel customer service.

The Python API, for notebooks and scripts:

    import sim
    result = sim.run("scenarios/twitter-2015.toml", replications=20)
    result                  # in a notebook: the key figures per channel, missed targets marked
    result.summary()        # a row per channel and pool, a column per (metric, mean/ci_low/
                            # ci_high), in seconds and fractions
    result.metrics          # the same, long: a row per channel and metric (as metrics.csv)
    result.contacts         # one row per contact; result.needs: one per need
    scenario = sim.load("scenarios/erlang-c.toml", set={"pools.phone.agents": 46})
                            # a validated Scenario, dotted keys changed (a bad one refused)
    comparison = sim.compare(["a.toml", scenario])
    comparison.summary()    # rows (channel, arm); also the paired difference to the first arm
    grid = sim.sweep("scenarios/erlang-c.toml", {"pools.phone.agents": range(46, 55, 2)})
    grid.table              # one row per point, channel and metric; the swept keys as columns
    grid.summary()          # rows (swept values..., channel), as result.summary()
    plan = sim.staff("scenarios/rostered-2015.toml")  # cheapest staffing meeting every goal
    plan.plan, plan.staffed  # agents per interval and pool (shifts where rostered); the file
    plan.confirmation.goals  # each goal in a confirming run on other seeds, with its CI
    fit = sim.fit_log("contacts.csv", deferred=["email"], agents="agents.csv")
    check = sim.backtest(fit)  # the fitted scenario over the log's days, against the log
    check.table             # per channel and measure: observed, simulated, CI, range of a log

Every result shows itself in a notebook as a small table and prints as a few lines.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "run": ("sim.runner.run", "run"),
    "compare": ("sim.runner.compare", "compare"),
    "sweep": ("sim.runner.sweep", "sweep"),
    "staff": ("sim.staffing.staff", "staff"),
    "load": ("sim.scenario.load", "load_scenario"),
    "fit_log": ("sim.fit.run", "fit_log"),
    "fitted_scenario": ("sim.fit.run", "fitted_scenario"),
    "backtest": ("sim.fit.run", "backtest"),
    "Scenario": ("sim.scenario.schema", "Scenario"),
}


def __getattr__(name: str) -> Any:
    """Import the API on first use, so that `import sim` stays light (workers, the CLI)."""
    if name not in _API:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    from importlib import import_module

    module, attribute = _API[name]
    return getattr(import_module(module), attribute)


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
