"""The Python API of `sim fit`: fit a log, write its scenario, backtest a scenario on it."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from pathlib import Path

from sim.fit.agents import read_agents
from sim.fit.backtest import Backtest, backtest_scenario, compare, simulated_contacts
from sim.fit.log import read_log
from sim.fit.measures import log_contacts
from sim.fit.model import LogFit, fit_contacts
from sim.fit.scenario import scenario_toml
from sim.runner.replications import Replication
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED, run
from sim.scenario.load import parse_scenario
from sim.scenario.schema import Scenario

DEFAULT_INTERVAL = 1800.0


def fit_log(log: str | Path, *, columns: dict[str, str] | None = None,
        interval: float = DEFAULT_INTERVAL, deferred: Iterable[str] = (),
        agents: str | Path | None = None, drop_bad: bool = False) -> LogFit:
    """The log at `log` fitted (see docs/fit.md); `agents` is the staffing file that handled
    it. Raises LogError or FitError (ValueErrors) on bad input."""
    contacts = read_log(Path(log), columns, drop_bad)
    staffing = read_agents(Path(agents), contacts.channels, drop_bad) if agents else None
    return fit_contacts(contacts, interval, set(deferred), staffing)


def fitted_scenario(fit: LogFit, name: str = "fitted", source: str | None = None) -> Scenario:
    """The scenario `sim fit` writes, validated as `sim run` reads it (errors name
    `source`, the file it goes to)."""
    return parse_scenario(tomllib.loads(scenario_toml(fit, name)), source or f"{name}.toml")


def backtest(fit: LogFit, scenario: Scenario | None = None,
             replications: int = DEFAULT_REPLICATIONS, seed: int = DEFAULT_SEED,
             workers: int = 1, scheduler: str | None = None,
             on_done: Callable[[Replication], None] | None = None) -> Backtest:
    """`scenario` (default: the fitted one) over the log's days, against the log."""
    scenario = scenario or fitted_scenario(fit)
    model = backtest_scenario(scenario, fit.days, fit.log.start.weekday())
    result = run(model, replications, seed, workers, on_done, scheduler=scheduler,
                 records="all")  # the simulated logs, in memory
    return compare(log_contacts(fit.log.table, fit.log.start), simulated_contacts(result),
                   fit.days, model)
