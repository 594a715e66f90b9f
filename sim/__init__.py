"""Frontdoor: a discrete-event simulator of omnichannel customer service.

The Python API, for notebooks and scripts:

    import sim
    result = sim.run("scenarios/twitter-2015.toml", replications=20)
    result.metrics          # mean and 95% CI per channel and metric (as metrics.csv)
    result.contacts         # one row per contact; result.needs: one per need
    comparison = sim.compare(["a.toml", "b.toml"])
    grid = sim.sweep("scenarios/erlang-c.toml", {"pools.phone.agents": range(46, 55, 2)})
    grid.table              # one row per point, channel and metric; the swept keys as columns
    plan = sim.staff("scenarios/rostered-2015.toml")  # cheapest staffing meeting every goal
    plan.plan, plan.staffed  # agents per interval and pool (shifts where rostered); the file
    plan.confirmation.goals  # each goal in a confirming run on other seeds, with its CI
    scenario = sim.load("scenarios/erlang-c.toml")   # a validated Scenario model
    fit = sim.fit_log("contacts.csv", deferred=["email"], agents="agents.csv")
    check = sim.backtest(fit)  # the fitted scenario over the log's days, against the log
    check.table             # per channel and measure: observed, simulated, CI, range of a log
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
