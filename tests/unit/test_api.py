"""The Python API a notebook uses: `import sim`, then sim.run / sim.compare / sim.load."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

SCENARIOS = Path(__file__).parents[2] / "scenarios"


def test_run_returns_tables_from_a_file():
    result = sim.run(SCENARIOS / "erlang-c.toml", replications=2, seed=3)
    assert {"channel", "metric", "mean", "ci_low", "ci_high"} <= set(result.metrics.columns)
    assert len(result.contacts) > 0 and len(result.needs) > 0
    assert set(result.intervals.metric) >= {"offered", "wait_mean"}


def test_compare_and_load():
    scenario = sim.load(SCENARIOS / "erlang-c.toml")
    assert isinstance(scenario, sim.Scenario)
    comparison = sim.compare([scenario, SCENARIOS / "erlang-a.toml"], replications=2)
    assert comparison is not None


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        sim.nothing_here  # noqa: B018
