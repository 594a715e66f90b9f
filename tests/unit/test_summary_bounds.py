"""Confidence intervals of metrics that cannot be negative (and shares that cannot pass 1) stay
within their range, and still cover the true value at the nominal rate."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.metrics.display import spread
from sim.metrics.summary import summarize, summarize_columns
from sim.report.html import _cells
from sim.runner.compare import compare_table
from sim.staffing.confirm import in_range

TRIALS = 20_000  # independent runs of a few replications each
NOMINAL = 0.95


def binomial_runs(p: float, contacts: int, replications: int, seed: int) -> np.ndarray:
    """A share per replication (rows) for TRIALS runs (columns): contacts judged with
    probability p of the event, no engine."""
    rng = np.random.default_rng(seed)
    return rng.binomial(contacts, p, size=(replications, TRIALS)) / contacts


@pytest.mark.parametrize(("p", "metric"), [(0.01, "abandon_rate"), (0.99, "service_level")])
def test_a_share_near_its_bound_keeps_its_interval_in_range_and_its_coverage(p, metric):
    # 3 replications of 200 contacts: the plain t interval crosses the bound in most runs
    values = binomial_runs(p, 200, 3, seed=1)
    plain = summarize_columns(values)
    cut = summarize_columns(values, metrics=[metric] * TRIALS)
    crossed = (plain.ci_low < 0) | (plain.ci_high > 1)
    assert crossed.mean() > 0.5  # the bound matters here
    assert (cut.ci_low >= 0).all() and (cut.ci_high <= 1).all()
    assert (cut.ci_low <= cut["mean"]).all() and (cut["mean"] <= cut.ci_high).all()
    covered = ((cut.ci_low <= p) & (p <= cut.ci_high)).mean()
    # the coverage of TRIALS runs is binomial around the nominal rate: 4 standard errors
    assert abs(covered - NOMINAL) < 4 * np.sqrt(NOMINAL * (1 - NOMINAL) / TRIALS)
    assert covered == ((plain.ci_low <= p) & (p <= plain.ci_high)).mean()  # nothing lost


def per_rep(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    return pd.DataFrame([(r, c, m, v) for (c, m), vs in values.items()
                         for r, v in enumerate(vs)],
                        columns=["replication", "channel", "metric", "value"])


def test_each_metric_is_cut_to_its_own_range_only_when_asked():
    table = per_rep({("phone", "wait_p50"): [0.0, 0.0, 1.2],  # a time: at least 0
                     ("pool:a", "occupancy"): [0.99, 1.0, 1.02],  # may pass 1
                     ("phone", "service_level"): [1.0, 0.9, 1.0],
                     ("phone", "not_a_metric"): [0.0, 0.0, 1.2],  # left as it is
                     ("chat", "wait_mean"): [5.0, np.nan, np.nan]})  # one value: NaN
    plain = summarize(table, ["channel", "metric"]).set_index("metric")
    cut = summarize(table, ["channel", "metric"], bounded=True).set_index("metric")
    assert plain.loc["wait_p50", "ci_low"] < 0 and cut.loc["wait_p50", "ci_low"] == 0
    assert cut.loc["wait_p50", "ci_high"] == plain.loc["wait_p50", "ci_high"]
    assert cut.loc["occupancy", "ci_high"] == plain.loc["occupancy", "ci_high"] > 1
    assert plain.loc["service_level", "ci_high"] > 1 and cut.loc["service_level", "ci_high"] == 1
    assert cut.loc["not_a_metric", "ci_low"] == plain.loc["not_a_metric", "ci_low"] < 0
    assert np.isnan(cut.loc["wait_mean", "ci_low"]) and np.isnan(cut.loc["wait_mean", "ci_high"])
    assert (cut["mean"] == plain["mean"]).all()


def test_compare_cuts_each_arms_interval_but_not_the_difference():
    base = per_rep({("phone", "abandon_rate"): [0.30, 0.32, 0.31]})
    other = per_rep({("phone", "abandon_rate"): [0.0, 0.0, 0.03]})
    table = compare_table({"base": base, "other": other}).set_index("arm")
    assert table.loc["other", "ci_low"] == 0
    assert table.loc["other", "diff_high"] < 0  # a fall in the rate: a negative difference
    assert table.loc["other", "diff_low"] < -0.31  # wider than the range allows an arm


def test_a_cut_interval_shows_the_half_width_of_its_whole_side():
    # an abandon rate of 0.2% whose t interval -0.1%..0.5% was cut at 0: ±0.3 pt, not ±0.25
    assert spread(0.002, 0.0, 0.005) == pytest.approx(0.003)
    assert spread(0.5, 0.4, 0.6) == pytest.approx(0.1)  # uncut: the half-width itself
    assert math.isnan(spread(0.5, math.nan, math.nan))  # one replication: no CI


def test_a_staffing_goals_shown_interval_is_cut_but_its_verdict_is_not():
    low, high = in_range("service_level", np.array([0.98, 0.02]), np.array([0.05, 0.05]))
    assert list(high) == [1.0, pytest.approx(0.07)] and list(low) == [pytest.approx(0.93), 0]
    low, high = in_range("occupancy", 0.99, 0.05)  # may pass 1
    assert high[0] == pytest.approx(1.04)


def test_the_report_shows_an_occupancy_interval_past_100_percent():
    row = pd.Series({"metric": "occupancy", "mean": 0.99, "ci_low": 0.97, "ci_high": 1.01})
    assert "101" in _cells(row)[2]
