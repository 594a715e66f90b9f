"""The planner's check, end to end: a log made by an event loop that is not the engine
(examples/data/make_log.py: its own queues, staffing changes and customers) is fitted, and the
fitted scenario run over the log's days with its staffing must reproduce the log: every
measure within the range of one simulated log. A naive patience (the mean wait
of those who abandoned) must fail the same check, so the check has the power to see a wrong
model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.fit.run import backtest, fit_log, fitted_scenario
from tests.support import load_make_log

DAYS = 14
REPLICATIONS = 12


@pytest.fixture(scope="module")
def fitted(tmp_path_factory) -> tuple:
    folder: Path = tmp_path_factory.mktemp("log")
    contacts, agents = load_make_log().make_log(seed=77, days=DAYS)
    contacts.to_csv(folder / "contacts.csv", index=False)
    agents.to_csv(folder / "agents.csv", index=False)
    fit = fit_log(folder / "contacts.csv", deferred=["email"], agents=folder / "agents.csv")
    return fit, fitted_scenario(fit)


def outside(table) -> list[str]:
    """Measures outside the range of one log widened from the backtest's family-wise 95% to
    family-wise 99%, so that a right model fails this test on 1% of seeds at most."""
    table = table[np.isfinite(table["observed"]) & (table["range_high"] > table["range_low"])]
    m, dof = len(table), REPLICATIONS - 1
    wider = stats.t.ppf(1 - 0.01 / (2 * m), dof) / stats.t.ppf(1 - 0.05 / (2 * m), dof)
    half = np.maximum(table["range_high"] - table["simulated"],  # one side may be clipped
                      table["simulated"] - table["range_low"]) * wider
    bad = (table["observed"] - table["simulated"]).abs() > half
    return [f"{r.channel} {r.metric}: observed {r.observed:.4g}, simulated {r.simulated:.4g} "
            f"±{h:.3g}" for r, h in zip(table[bad].itertuples(), half[bad], strict=True)]


def test_the_fitted_model_reproduces_a_log_it_did_not_make(fitted):
    bt = backtest(*fitted, replications=REPLICATIONS, seed=5)
    assert set(bt.table["channel"]) == {"phone", "chat", "email"}
    assert len(bt.table) == 14  # 5 measures per realtime channel, 4 for email
    assert outside(bt.table) == []


def test_a_naive_patience_fails_the_backtest(fitted):
    fit, scenario = fitted
    phone = scenario.channels["phone"]
    naive = fit.channels["phone"].patience.naive_mean
    wrong = scenario.model_copy(update={"channels": {
        **scenario.channels,
        "phone": phone.model_copy(update={"patience": phone.patience.model_copy(
            update={"mean": naive})})}})
    assert naive < 0.5 * phone.patience.mean  # far below the censored estimate
    bt = backtest(fit, wrong, replications=REPLICATIONS, seed=5)
    assert any(line.startswith("phone abandon_rate") for line in outside(bt.table))
