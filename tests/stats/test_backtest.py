"""The planner's check, end to end: a log made by an event loop that is not the engine
(examples/data/make_log.py: its own queues, staffing changes and customers) is fitted, and the
fitted scenario run over the log's days with its staffing must reproduce the log: every
measure within the range of one simulated log, family-wise. A naive patience (the mean wait
of those who abandoned) must fail the same check, so the check has the power to see a wrong
model."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.fit.agents import read_agents
from sim.fit.backtest import backtest_scenario, compare, simulated_contacts
from sim.fit.log import read_log
from sim.fit.measures import log_contacts
from sim.fit.model import fit_log
from sim.fit.scenario import scenario_toml
from sim.runner.run import run
from sim.scenario.load import parse_scenario
from tests.support import load_make_log

DAYS = 14
REPLICATIONS = 12
ALPHA = 0.01  # family-wise over every channel's measures


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> tuple:
    folder: Path = tmp_path_factory.mktemp("log")
    contacts, agents = load_make_log().make_log(seed=77, days=DAYS)
    contacts.to_csv(folder / "contacts.csv", index=False)
    agents.to_csv(folder / "agents.csv", index=False)
    log = read_log(folder / "contacts.csv")
    fit = fit_log(log, 1800.0, {"email"}, read_agents(folder / "agents.csv", log.channels))
    scenario = parse_scenario(tomllib.loads(scenario_toml(fit, "fitted")))
    return log, fit, scenario


def backtest(log, fit, scenario):
    model = backtest_scenario(scenario, fit.days, log.start.weekday())
    result = run(model, REPLICATIONS, seed=5)
    return compare(log_contacts(log.table, log.start), simulated_contacts(result), fit.days,
                   model)


def outside(table) -> list[str]:
    """Measures whose observed value lies outside the Bonferroni prediction interval."""
    table = table[np.isfinite(table["observed"]) & (table["range_high"] > table["range_low"])]
    n = REPLICATIONS
    t95 = stats.t.ppf(0.975, n - 1)
    wide = stats.t.ppf(1 - ALPHA / (2 * len(table)), n - 1) / t95  # the 95% range, widened
    half = np.maximum(table["range_high"] - table["simulated"],  # one side may be clipped
                      table["simulated"] - table["range_low"]) * wide
    bad = (table["observed"] - table["simulated"]).abs() > half
    return [f"{r.channel} {r.metric}: observed {r.observed:.4g}, simulated {r.simulated:.4g} "
            f"±{h:.3g}" for r, h in zip(table[bad].itertuples(), half[bad], strict=True)]


def test_the_fitted_model_reproduces_a_log_it_did_not_make(fitted):
    bt = backtest(*fitted)
    assert set(bt.table["channel"]) == {"phone", "chat", "email"}
    assert len(bt.table) == 14  # 5 measures per realtime channel, 4 for email
    assert outside(bt.table) == []


def test_a_naive_patience_fails_the_backtest(fitted):
    log, fit, scenario = fitted
    phone = scenario.channels["phone"]
    naive = fit.channels["phone"].patience.naive_mean
    wrong = scenario.model_copy(update={"channels": {
        **scenario.channels,
        "phone": phone.model_copy(update={"patience": phone.patience.model_copy(
            update={"mean": naive})})}})
    assert naive < 0.5 * phone.patience.mean  # far below the censored estimate
    bt = backtest(log, fit, wrong)
    assert any(line.startswith("phone abandon_rate") for line in outside(bt.table))
