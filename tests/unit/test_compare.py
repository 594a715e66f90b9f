"""The statistics of `sim compare`: t-intervals, paired differences, the comparison table, arm
labels and policy arms, and the console table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from sim.metrics import summarize
from sim.report.compare_console import console_tables
from sim.report.compare_rows import main_rows
from sim.runner.compare import (
    COMPARE_COLUMNS,
    arm_labels,
    compare,
    compare_table,
    paired_difference,
    policy_arms,
    t_interval,
    unique_labels,
)
from sim.scenario.load import ScenarioError, load_scenario, parse_scenario
from tests.support import BASE, edit

ROOT = Path(__file__).resolve().parents[2]
T_975_DF4 = 2.7764451051977987  # Student t, 97.5% quantile, 4 degrees of freedom
T_975_DF1 = 12.706204736174698


def per_rep(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    """A per-replication table (replication, channel, metric, value)."""
    rows = [(r, channel, metric, v) for (channel, metric), vs in values.items()
            for r, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["replication", "channel", "metric", "value"])


# ---------------------------------------------------------------- t-intervals

def test_t_interval_by_hand():
    mean, low, high, n = t_interval([10, 12, 14, 11, 13])
    half = T_975_DF4 * np.sqrt(2.5) / np.sqrt(5)  # sample variance 2.5
    assert (mean, n) == (12, 5)
    assert low == pytest.approx(12 - half, rel=1e-12)
    assert high == pytest.approx(12 + half, rel=1e-12)


def test_t_interval_agrees_with_summarize_and_skips_nan():
    values = [3.0, np.nan, 4.5, 2.0, 7.25]
    table = per_rep({("phone", "wait_mean"): values})
    expected = summarize(table, ["channel", "metric"]).iloc[0]
    mean, low, high, n = t_interval(values)
    assert n == expected.replications == 4
    assert (mean, low, high) == pytest.approx(
        (expected["mean"], expected.ci_low, expected.ci_high), rel=1e-12)


def test_t_interval_with_one_or_no_value():
    assert t_interval([5.0])[0] == 5.0
    assert np.isnan(t_interval([5.0])[1])
    mean, low, high, n = t_interval([np.nan])
    assert n == 0 and np.isnan(mean) and np.isnan(low) and np.isnan(high)


# ---------------------------------------------------------------- paired differences

def test_paired_difference_by_hand():
    base = [10, 12, 14, 11, 13]
    other = [11, 14, 15, 12, 15]
    # d = 1, 2, 1, 1, 2: mean 1.4, sample variance 0.3
    half = T_975_DF4 * np.sqrt(0.3 / 5)
    d = paired_difference(base, other)
    assert d.mean == pytest.approx(1.4, rel=1e-12)
    assert d.low == pytest.approx(1.4 - half, rel=1e-12)  # 0.7199
    assert d.high == pytest.approx(1.4 + half, rel=1e-12)  # 2.0801
    assert d.pairs == 5
    assert d.significant


def test_paired_difference_uses_only_replications_where_both_are_defined():
    d = paired_difference([1.0, np.nan, 3.0, 4.0], [2.0, 5.0, np.nan, 6.0])
    # pairs (1, 2) and (4, 6): d = 1, 2, mean 1.5, standard deviation 1/sqrt(2)
    half = T_975_DF1 * (1 / np.sqrt(2)) / np.sqrt(2)
    assert d.pairs == 2
    assert d.mean == pytest.approx(1.5)
    assert (d.low, d.high) == pytest.approx((1.5 - half, 1.5 + half), rel=1e-12)
    assert not d.significant  # the interval (-4.85, 7.85) holds 0


def test_identical_arms_differ_by_exactly_zero_and_not_significantly():
    values = [3.2, 4.1, 2.7, 5.0]
    d = paired_difference(values, values)
    assert (d.mean, d.low, d.high) == (0.0, 0.0, 0.0)
    assert not d.significant


def test_a_constant_nonzero_difference_is_significant():
    d = paired_difference([100.0, 100.0, 100.0], [130.0, 130.0, 130.0])  # e.g. cost of staff
    assert (d.mean, d.low, d.high) == (30.0, 30.0, 30.0)
    assert d.significant


def test_too_few_pairs_is_not_significant():
    d = paired_difference([1.0, np.nan], [9.0, 2.0])
    assert d.pairs == 1 and d.mean == 8.0 and np.isnan(d.low)
    assert not d.significant


def test_paired_difference_needs_one_value_per_replication_in_each():
    with pytest.raises(ValueError, match="one per replication"):
        paired_difference([1.0, 2.0], [1.0, 2.0, 3.0])


def test_paired_interval_is_much_narrower_than_unpaired_when_arms_are_correlated():
    rng = np.random.default_rng(7)
    n = 20
    shared = rng.normal(100, 10, n)  # the same customers in both arms: large shared noise
    base = shared + rng.normal(0, 0.5, n)
    other = shared + 1.0 + rng.normal(0, 0.5, n)  # a real improvement of 1
    paired = paired_difference(base, other)
    paired_half = (paired.high - paired.low) / 2
    # unpaired: the interval of the difference of two independent means (Welch)
    v1, v2 = base.var(ddof=1) / n, other.var(ddof=1) / n
    df = (v1 + v2) ** 2 / (v1**2 / (n - 1) + v2**2 / (n - 1))
    from scipy import stats

    unpaired_half = stats.t.ppf(0.975, df) * np.sqrt(v1 + v2)
    diff = other.mean() - base.mean()
    assert paired.mean == pytest.approx(diff)
    assert paired_half < unpaired_half / 10
    assert paired.significant
    assert diff - unpaired_half < 0 < diff + unpaired_half  # unpaired: could be noise


# ---------------------------------------------------------------- the comparison table

def test_compare_table_rows_columns_and_differences():
    base = per_rep({("phone", "wait_mean"): [10, 12, 14, 11, 13],
                    ("phone", "offered"): [100, 100, 100, 100, 100],
                    ("pool:all", "cost"): [50, 50, 50, 50, 50]})
    other = per_rep({("phone", "wait_mean"): [11, 14, 15, 12, 15],
                     ("phone", "offered"): [100, 100, 100, 100, 100],
                     ("chat", "wait_mean"): [1, 2, 3, 4, 5],
                     ("pool:all", "cost"): [60, 60, 60, 60, 60]})
    table = compare_table({"fifo": base, "priority": other})
    assert list(table.columns) == COMPARE_COLUMNS
    assert list(zip(table.channel, table.metric, table.arm, strict=True)) == [
        ("phone", "wait_mean", "fifo"), ("phone", "wait_mean", "priority"),
        ("phone", "offered", "fifo"), ("phone", "offered", "priority"),
        ("pool:all", "cost", "fifo"), ("pool:all", "cost", "priority"),
        ("chat", "wait_mean", "priority")]
    row = table.set_index(["channel", "metric", "arm"])
    wait = row.loc[("phone", "wait_mean", "priority")]
    assert wait["mean"] == pytest.approx(13.4)
    assert wait["diff"] == pytest.approx(1.4)
    assert wait.diff_low == pytest.approx(1.4 - T_975_DF4 * np.sqrt(0.3 / 5))
    assert bool(wait.significant)
    assert wait.replications == 5
    first = row.loc[("phone", "wait_mean", "fifo")]
    assert np.isnan(first["diff"]) and not first.significant  # the baseline
    assert row.loc[("phone", "offered", "priority"), "diff"] == 0
    assert not row.loc[("phone", "offered", "priority"), "significant"]
    assert bool(row.loc[("pool:all", "cost", "priority"), "significant"])
    chat = row.loc[("chat", "wait_mean", "priority")]  # the baseline has no chat
    assert chat["mean"] == 3 and np.isnan(chat["diff"]) and not chat.significant


def test_compare_table_with_nan_replications():
    base = per_rep({("email", "first_response_mean"): [1.0, np.nan, 3.0, 4.0]})
    other = per_rep({("email", "first_response_mean"): [2.0, 5.0, np.nan, 6.0]})
    row = compare_table({"a": base, "b": other}).set_index("arm").loc["b"]
    assert row.replications == 3  # b's own values
    assert row["mean"] == pytest.approx(13 / 3)
    assert row["diff"] == pytest.approx(1.5)  # over the two replications where both are set
    assert not row.significant


def test_compare_table_refuses_duplicate_values():
    table = per_rep({("phone", "wait_mean"): [1.0, 2.0]})
    with pytest.raises(ValueError, match="several values"):
        compare_table({"a": table, "b": pd.concat([table, table])})


# ---------------------------------------------------------------- arms and labels

def mini(name: str = "mini", policy: str = "fifo"):
    return parse_scenario(_toml(edit('name = "mini"', f'name = "{name}"')
                                .replace('policy = "fifo"', f'policy = "{policy}"')))


def _toml(text: str) -> dict:
    import tomllib

    return tomllib.loads(text)


def test_labels_are_policy_names_or_scenario_names_or_file_stems():
    a, b = mini("plan-a"), mini("plan-b")
    assert arm_labels([a, b], ["x/a.toml", "x/b.toml"]) == ["plan-a", "plan-b"]
    same = [mini("plan"), mini("plan")]
    assert arm_labels(same, ["x/cheap.toml", "x/rich.toml"]) == ["cheap", "rich"]
    assert arm_labels(same, ["x/plan.toml", "y/plan.toml"]) == ["plan", "plan-2"]
    assert arm_labels([a, mini("plan-a", "front-door")], by_policy=True) == ["fifo", "front-door"]
    assert unique_labels(["fifo", "fifo", "fifo"]) == ["fifo", "fifo-2", "fifo-3"]


def test_policy_arms_validate_each_policy_with_the_key_path():
    scenario = mini()
    arms = policy_arms(scenario, ["fifo", "front-door"], source="plan.toml")
    assert [a.policy.name for a in arms] == ["fifo", "front-door"]
    assert arms[0] is scenario
    with pytest.raises(ScenarioError) as info:
        policy_arms(scenario, ["fifo", "lifo"], source="plan.toml")
    message = str(info.value)
    assert message.startswith("plan.toml with policy 'lifo': policy: unknown policy 'lifo'")
    assert "(known: " in message and "fifo" in message


def test_policy_arms_keep_the_files_own_options():
    data = _toml(BASE.replace('policy = "fifo"\n', ""))
    data["channels"]["twitter"] = {"kind": "public",
                                  "handle_time": {"dist": "exponential", "mean": 60}}
    data["pools"]["team"]["skills"].append("twitter")
    data["policy"] = {"name": "front-door", "reply_time": "2min"}
    scenario = parse_scenario(data)
    arms = policy_arms(scenario, ["fifo", "front-door"])
    assert arms[1].policy.options == {"reply_time": "2min"}
    assert arms[0].policy.options == {}


# ---------------------------------------------------------------- a real comparison

@pytest.fixture(scope="module")
def comparison():
    scenario = load_scenario(ROOT / "scenarios" / "erlang-c.toml")
    faster = scenario.model_copy(update={"pools": {
        "phone": scenario.pools["phone"].model_copy(update={"agents": 52})}})
    return compare([scenario, faster, scenario, faster], ["50", "52", "50-again", "52-again"],
                   replications=3, seed=11)


def test_common_random_numbers_make_a_repeated_arm_identical(comparison):
    table = comparison.table.set_index("arm")
    again = table.loc["50-again"]
    assert (again["diff"] == 0).all()
    assert not again.significant.any()
    more = table.loc["52"].set_index(["channel", "metric"])
    assert more.loc[("pool:all", "agents"), "diff"] == 2
    assert more.loc[("pool:all", "agents"), "significant"]
    assert more.loc[("phone", "wait_mean"), "diff"] < 0


def test_console_table_fits_100_columns_and_explains_itself(comparison):
    console = Console(width=100, record=True, color_system=None)
    for item in console_tables(comparison, width=100):
        console.print(item)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "Δ = arm minus 50" in text
    assert "* = significant" in text
    assert "+2 *" in text  # agents: a significant difference is marked
    for label in ("50", "52", "50-again", "52-again"):
        assert label in text
    metrics = {(r.channel, r.metric) for r in main_rows(comparison)}
    assert ("phone", "wait_mean") in metrics
    assert ("phone", "abandon_rate") not in metrics  # 0 in every arm: left out


def test_compare_labels_files_by_scenario_name_then_file_name(tmp_path):
    a = tmp_path / "cheap.toml"
    b = tmp_path / "rich.toml"
    a.write_text(BASE)
    b.write_text(edit("agents = 3", "agents = 4"))
    result = compare([a, b], replications=2, seed=1)
    assert result.labels == ["cheap", "rich"]  # both are named "mini"
    assert [arm.source for arm in result.arms] == [str(a), str(b)]
    agents = result.table.set_index(["channel", "metric", "arm"]).loc[
        ("pool:all", "agents", "rich")]
    assert agents["diff"] == 1 and agents.significant


def test_compare_needs_two_arms():
    with pytest.raises(ValueError, match="at least two arms"):
        compare([mini()], ["only"])
