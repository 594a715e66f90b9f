"""Results in a notebook: a short repr, one small HTML table of key figures with the missed
targets marked, and `summary()`, the metrics made wide (sim/runner/show.py).

erlang-c is 45 Erlangs: 44 agents cannot keep up (the service level collapses, a target of
80% is missed whatever the seed), 60 agents answer nearly everyone within 20 s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.metrics.catalogue import label
from sim.metrics.display import shown
from sim.runner import show

ERLANG_C = Path(__file__).parents[2] / "scenarios" / "erlang-c.toml"


@pytest.fixture(scope="module")
def short():
    """Too few agents: the phone misses its target."""
    return sim.run(sim.load(ERLANG_C, set={"pools.phone.agents": 44, "name": "short"}),
                   replications=3, seed=5, records="none")


@pytest.fixture(scope="module")
def ample():
    return sim.run(sim.load(ERLANG_C, set={"pools.phone.agents": 60, "name": "ample"}),
                   replications=3, seed=5, records="none")


def _mean(result, channel: str, name: str) -> float:
    return result.metrics.set_index(["channel", "metric"]).loc[(channel, name), "mean"]


def test_a_run_repr_is_a_few_lines_with_the_headline_and_the_missed_target(short, ample):
    text = repr(short)
    assert 1 <= len(text.splitlines()) <= 3 and len(text) < 400
    assert "short" in text and "3 replications" in text and "metrics=" not in text
    assert shown("service_level", _mean(short, "phone", "service_level")) in text
    assert "missed: phone" in text
    assert "missed" not in repr(ample)


def test_a_run_html_has_the_key_figures_and_marks_only_the_missed_target(short, ample):
    html = short._repr_html_()
    for name in ("offered", "service_level", "wait_mean"):
        assert label(name) in html
        assert shown(name, _mean(short, "phone", name)) in html
    assert f"{shown('service_level', _mean(short, 'phone', 'service_level'))} {show.MISSED}" \
        in html
    assert "≥ 80% within 20 s" in html and "a target missed" in html
    assert "occupancy: phone" in html
    assert show.MISSED not in ample._repr_html_()


def test_a_service_level_whose_ci_holds_the_target_is_not_missed():
    scenario = sim.load(ERLANG_C)  # target 80%
    rows = pd.DataFrame({"channel": ["phone", "phone"], "metric": ["service_level", "offered"],
                         "mean": [0.78, 100.0], "ci_low": [0.73, 90.0],
                         "ci_high": [0.83, 110.0]})
    assert show.MISSED not in show.figures(rows, scenario).loc["phone", label("service_level")]
    rows.loc[0, "ci_high"] = 0.79
    assert show.MISSED in show.figures(rows, scenario).loc["phone", label("service_level")]


def test_summary_is_metrics_made_wide_in_stored_units(short):
    summary = short.summary()
    metrics = short.metrics
    assert list(summary.index) == list(dict.fromkeys(metrics.channel))
    assert list(dict.fromkeys(summary.columns.get_level_values("metric"))) == \
        list(dict.fromkeys(metrics.metric))
    assert summary.columns.names == ["metric", "stat"]
    for row in metrics.itertuples():
        for stat in ("mean", "ci_low", "ci_high"):
            assert summary.loc[row.channel, (row.metric, stat)] == pytest.approx(
                getattr(row, stat), nan_ok=True)
    # a pool has no wait: the cell is empty, not made up
    assert np.isnan(summary.loc["pool:phone", ("wait_mean", "mean")])
    assert summary.loc["phone", ("wait_mean", "mean")] > 60  # seconds, as stored


def test_a_comparison_shows_its_arms_and_the_significant_difference(short, ample):
    comparison = sim.compare([ample.scenario, short.scenario], replications=3, seed=5)
    text = repr(comparison)
    assert len(text.splitlines()) == 3 and "ample vs short" in text
    html = comparison._repr_html_()
    assert "ample" in html and "short" in html
    assert f" {show.MISSED} (-" in html  # short misses, far below ample's service level
    assert "paired difference to ample" in html
    summary = comparison.summary()
    assert summary.index.names == ["channel", "arm"]
    assert np.isnan(summary.loc[("phone", "ample"), ("service_level", "diff")])  # first arm
    table = comparison.table.set_index(["channel", "arm", "metric"])
    diff = summary.loc[("phone", "short"), ("service_level", "diff")]
    assert diff == pytest.approx(table.loc[("phone", "short", "service_level"), "diff"])
    assert diff < 0


def test_a_sweep_shows_a_row_per_point_and_marks_the_point_that_misses():
    result = sim.sweep(ERLANG_C, {"pools.phone.agents": [44, 60]}, replications=2, seed=5)
    text = repr(result)
    assert len(text.splitlines()) == 2
    assert "pools.phone.agents = 44, 60" in text and "1 of 2 points miss a target" in text
    table = show.point_table(result.table, result.keys, result.targets, 20)
    cells = table[f"phone: {label('service_level')}"]
    assert show.MISSED in cells[(44,)] and show.MISSED not in cells[(60,)]
    assert "pools.phone.agents" in result._repr_html_()
    summary = result.summary()
    assert summary.index.names == ["pools.phone.agents", "channel"]
    assert summary.loc[(44, "phone"), ("service_level", "mean")] < \
        summary.loc[(60, "phone"), ("service_level", "mean")]


def test_staffing_goals_show_the_value_and_mark_a_missed_goal():
    scenario = sim.load(ERLANG_C)
    goals = pd.DataFrame({"key": ["phone", "pool:phone"], "metric": ["service_level",
                                                                     "occupancy"],
                          "bound": [0.8, 0.85], "value": [0.7, 0.8], "ci_low": [0.6, 0.78],
                          "ci_high": [0.75, 0.82], "met": [False, True]})
    table = show.goal_table(goals, scenario)
    assert table.loc["phone service level", "goal"] == "≥ 80% within 20 s"
    assert table.loc["phone service level", "value"] == f"70.0% {show.MISSED}"
    assert table.loc["phone occupancy", "goal"] == "≤ 85%"
    assert show.MISSED not in table.loc["phone occupancy", "value"]
