"""The pure parts of `sim check`: the paired one-sided test, Holm's correction, tolerances,
verdicts and the baseline file format."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.check.baseline import Baseline, BaselineError, baseline_json, read_baseline, rounded
from sim.check.directions import RULES, parse_assignment, parse_tolerance, rule_for
from sim.check.paired import holm, one_sided_p, paired_test
from sim.check.verdict import compare, decide
from sim.metrics.catalogue import Tolerance

HASH = "0" * 64


def test_one_sided_p_is_students_t_against_the_tolerance():
    rng = np.random.default_rng(1)
    worse = rng.normal(3.0, 2.0, size=12)
    expected = stats.ttest_1samp(worse - 2.5, 0.0, alternative="greater").pvalue
    assert one_sided_p(worse, 2.5) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("value, tolerance, p", [(0.0, 0.0, 1.0), (0.0, 1.0, 1.0),
                                                 (1.0, 1.0, 1.0), (1.5, 1.0, 0.0),
                                                 (-2.0, 0.0, 1.0)])
def test_equal_differences_decide_without_dividing_by_zero(value, tolerance, p):
    assert one_sided_p(np.full(10, value), tolerance) == p


def test_fewer_than_two_differences_give_no_p():
    assert math.isnan(one_sided_p(np.array([3.0]), 0.0))


def test_paired_test_orients_worse_by_direction_and_skips_undefined_replications():
    base = np.array([0.80, 0.82, np.nan, 0.79, 0.81])
    new = base - np.array([0.05, 0.06, 0.0, 0.04, 0.05])  # service level down 5 points
    higher = paired_test(base, new, higher_is_better=True, tolerance=0.01)
    lower = paired_test(base, new, higher_is_better=False, tolerance=0.01)
    assert higher.pairs == lower.pairs == 4
    assert higher.diff == pytest.approx(-0.05)
    assert higher.low < higher.diff < higher.high < 0
    assert higher.p < 0.01 and lower.p > 0.99


def test_holm_matches_the_step_down_by_hand():
    adjusted = holm([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(adjusted[:4], [0.03, 0.06, 0.06, 0.02])
    assert math.isnan(adjusted[4])
    assert holm([0.5, 0.9]).tolist() == [1.0, 1.0]


def test_tolerances_parse_and_the_most_specific_wins():
    assert parse_tolerance("wait_mean", "10%") == Tolerance(relative=0.1)
    assert parse_tolerance("phone:abandon_rate", 0.02) == Tolerance(absolute=0.02)
    assert parse_assignment(" wait_p90 = 30 ") == ("wait_p90", Tolerance(absolute=30.0))
    for bad in ("-1", "x%", "nan", True):
        with pytest.raises(ValueError, match="not a tolerance"):
            parse_tolerance("wait_mean", bad)
    with pytest.raises(ValueError, match="not a checked metric"):
        parse_tolerance("occupancy", 0.1)
    overrides = {"wait_mean": Tolerance(relative=0.2), "phone:wait_mean": Tolerance(absolute=5)}
    assert rule_for("phone", "wait_mean", overrides).tolerance.amount(100) == 5
    assert rule_for("chat", "wait_mean", overrides).tolerance.amount(100) == 20
    assert RULES["wait_mean"].tolerance.amount(0.5) == 1.0  # the floor of a second
    assert RULES["service_level"].direction == "higher"


def baseline(values: dict, tolerances=None, scenario: Path = Path("s.toml")) -> Baseline:
    return Baseline(scenario, "s", "fifo", HASH, 1, 4,
                    {k: np.asarray(v, dtype=float) for k, v in values.items()},
                    tolerances or {})


def test_verdicts_from_compare_and_decide():
    b = baseline({("phone", "wait_mean"): [10, 20, 30, 40],
                  ("phone", "service_level"): [0.8, 0.7, 0.9, 0.8],
                  ("all", "escalation_rate"): [0.1, 0.1, 0.1, 0.1],
                  ("email", "wait_mean"): [100, 110, 120, 130]})
    new = {("phone", "wait_mean"): np.array([20, 30, 40, 50.0]),  # +10 s, tolerance 1.25 s
           ("phone", "service_level"): np.array([0.85, 0.75, 0.95, 0.86]),  # better
           ("all", "escalation_rate"): np.array([0.1, 0.1, 0.1, 0.1])}  # email: missing
    checks = {(c.channel, c.metric): c for c in decide(compare(b, new))}
    assert checks["phone", "wait_mean"].verdict == "regression"
    assert checks["phone", "wait_mean"].tolerance == pytest.approx(1.25)
    assert checks["phone", "service_level"].verdict == "better"
    assert checks["all", "escalation_rate"].verdict == "same"
    assert checks["email", "wait_mean"].verdict == "missing"
    assert checks["email", "wait_mean"].failed and not checks["all", "escalation_rate"].moved
    loose = compare(b, new, {"wait_mean": Tolerance(absolute=10.0)})
    relaxed = {(c.channel, c.metric): c for c in decide(loose)}
    assert relaxed["phone", "wait_mean"].verdict == "worse"  # exactly at the tolerance


def test_baseline_file_round_trips_with_rounding_and_nulls(tmp_path):
    b = baseline({("phone", "wait_mean"): [1 / 3, 2.0, np.nan, 4.0]},
                 {"phone:wait_mean": Tolerance(relative=0.1)}, tmp_path / "s.toml")
    path = tmp_path / "b" / "s--fifo.json"
    path.parent.mkdir()
    path.write_text(baseline_json(b, path.parent))
    data = json.loads(path.read_text())
    assert data["metrics"]["phone"]["wait_mean"]["values"] == [0.3333333333, 2.0, None, 4.0]
    assert data["tolerances"] == {"phone:wait_mean": "10%"}
    back = read_baseline(path)
    np.testing.assert_array_equal(back.values["phone", "wait_mean"],
                                  rounded([1 / 3, 2.0, np.nan, 4.0]))
    assert back.tolerances == b.tolerances
    assert data["scenario"] == "../s.toml" and back.scenario == tmp_path / "s.toml"


def test_baseline_file_problems_name_the_key(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"format": 2, "metrics": {"phone": {"occupancy": {
        "mean": 1.0, "values": [1.0, 1.0]}}}}))
    with pytest.raises(BaselineError) as err:
        read_baseline(path)
    assert f"{path}: format:" in str(err.value) and "scenario: required key" in str(err.value)
