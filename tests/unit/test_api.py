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


def test_sweep_takes_a_grid_of_python_values_and_labels_the_rows():
    # no `out`: the points are stored in a temporary folder
    result = sim.sweep(SCENARIOS / "erlang-c.toml",
                       {"pools.phone.agents": range(48, 53, 4), "policy": "fifo"},
                       replications=2, seed=3)
    assert result.keys == ["pools.phone.agents", "policy"]
    assert result.grid == {"pools.phone.agents": [48, 52], "policy": ["fifo"]}
    assert (result.points, result.skipped, result.point_replications) == (2, 0, (2, 2))
    assert list(result.table.columns[:2]) == result.keys
    assert list(dict.fromkeys(result.table["pools.phone.agents"])) == [48, 52]
    wait = result.table.set_index(["pools.phone.agents", "channel", "metric"])["mean"]
    assert wait[(48, "phone", "wait_mean")] > wait[(52, "phone", "wait_mean")]
    plain = sim.run(SCENARIOS / "erlang-c.toml", replications=2, seed=3)  # 50 agents
    assert wait[(48, "phone", "wait_mean")] > plain.metrics.set_index(
        ["channel", "metric"])["mean"][("phone", "wait_mean")] > wait[(52, "phone", "wait_mean")]


def test_sweep_refuses_a_key_the_scenario_does_not_have():
    from sim.scenario.load import ScenarioError

    with pytest.raises(ScenarioError, match=r"pools\.phone\.agentz: unknown key"):
        sim.sweep(SCENARIOS / "erlang-c.toml", {"pools.phone.agentz": [40]})


def test_load_with_set_changes_the_values_and_validates_them():
    scenario = sim.load(SCENARIOS / "erlang-c.toml",
                        set={"pools.phone.agents": 40, "channels.phone.target.share": 0.9})
    assert scenario.pools["phone"].agents == 40
    assert scenario.channels["phone"].target.share == 0.9
    assert sim.load(SCENARIOS / "erlang-c.toml").pools["phone"].agents == 50  # the file stays


def test_load_with_set_refuses_a_bad_key_or_value_with_its_path():
    from sim.scenario.load import ScenarioError

    with pytest.raises(ScenarioError, match=r"erlang-c\.toml with pools\.phone\.agentz=40: "
                                            r"pools\.phone\.agentz: unknown key"):
        sim.load(SCENARIOS / "erlang-c.toml", set={"pools.phone.agentz": 40})
    with pytest.raises(ScenarioError, match=r"pools\.phone\.agents: .*integer"):
        sim.load(SCENARIOS / "erlang-c.toml", set={"pools.phone.agents": "many"})
    with pytest.raises(ScenarioError, match=r"name\.x: name is 'erlang-c', not a table"):
        sim.load(SCENARIOS / "erlang-c.toml", set={"name.x": 1})
    with pytest.raises(ScenarioError, match="set: should be a dict"):
        sim.load(SCENARIOS / "erlang-c.toml", set=[("pools.phone.agents", 40)])


def test_staff_result_shows_itself_in_a_few_lines():
    plan = sim.staff(SCENARIOS / "erlang-c.toml", replications=4, max_replications=8)
    text = repr(plan)
    assert 2 <= len(text.splitlines()) <= 3 and "erlang-c-staffed" in text
    assert "agent hours: phone" in text
    html = plan._repr_html_()
    assert "phone service level" in html and "≥ 80% within 20 s" in html
