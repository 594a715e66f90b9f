"""A run's value against each target of its scenario: missed only when the whole 95% CI is on
the wrong side, met only when it is all on the right side, unsure when it holds the target."""

from __future__ import annotations

import math
import tomllib
from types import SimpleNamespace

import pandas as pd
import pytest

from sim.report.targets import (
    TargetCheck,
    arms_line,
    staff_hint,
    target_checks,
)
from sim.runner.show import GOAL_MET as MET
from sim.runner.show import GOAL_MISSED as MISSED
from sim.runner.show import GOAL_UNSURE as UNSURE
from sim.scenario.load import parse_scenario
from tests.support import BASE, edit


def level(mean: float, low: float, high: float, share: float = 0.8) -> TargetCheck:
    return TargetCheck("phone", "service_level", share, True, 20.0, mean, low, high)


@pytest.mark.parametrize(("mean", "low", "high", "verdict"), [
    (0.70, 0.65, 0.75, MISSED),  # all below 80%
    (0.78, 0.75, 0.81, UNSURE),  # below, but the CI reaches the target
    (0.82, 0.79, 0.85, UNSURE),  # above, but the CI reaches below it
    (0.85, 0.80, 0.90, MET),  # at the target counts as met
    (0.70, math.nan, math.nan, MISSED),  # one replication: the mean decides
    (math.nan, math.nan, math.nan, UNSURE),  # no data: no verdict either way
])
def test_a_service_level_is_judged_by_its_ci(mean, low, high, verdict):
    assert level(mean, low, high).verdict == verdict


def test_a_cap_is_judged_the_other_way():
    cap = TargetCheck("phone", "wait_mean", 30.0, False, None, 45.0, 40.0, 50.0)
    assert cap.verdict == MISSED and cap.goal == "≤ 30 s"
    assert TargetCheck("phone", "wait_mean", 30.0, False, None, 20.0, 10.0, 29.0).verdict == MET


def test_goal_and_value_are_shown_in_the_catalogues_units():
    c = level(0.145, 0.12, 0.17)
    assert c.goal == "≥ 80% within 20 s"
    assert c.value == "14.5% ±2.5 pt"


def test_every_goal_of_the_scenario_is_checked_and_the_hint_names_the_missed():
    text = edit('target = { within = "20s", share = 0.8 }',
                'target = { within = "20s", share = 0.8 }\ncaps = { wait_mean = "30s" }')
    scenario = parse_scenario(tomllib.loads(text))
    metrics = pd.DataFrame([("phone", "service_level", 0.5, 0.4, 0.6),
                            ("phone", "wait_mean", 10.0, 5.0, 15.0)],
                           columns=["channel", "metric", "mean", "ci_low", "ci_high"])
    checks = target_checks(scenario, metrics)
    assert [(c.where, c.metric, c.verdict) for c in checks] == [
        ("phone", "service_level", MISSED), ("phone", "wait_mean", MET)]
    assert checks[0].within == 20.0 and checks[1].within is None
    hint = staff_hint(checks, "mini.toml")
    assert hint is not None and "phone service level" in hint and "sim staff mini.toml" in hint
    assert staff_hint(checks[1:], "mini.toml") is None


def test_a_comparison_names_the_arms_that_miss_a_target():
    scenario = parse_scenario(tomllib.loads(BASE))

    def arm(name: str, level: float) -> SimpleNamespace:
        metrics = pd.DataFrame([("phone", "service_level", level, level - 0.05, level + 0.05)],
                               columns=["channel", "metric", "mean", "ci_low", "ci_high"])
        return SimpleNamespace(label=name, scenario=scenario, metrics=metrics)

    line = arms_line([arm("few", 0.5), arm("many", 0.9)])
    assert line is not None and "few: phone service level 50.0% against ≥ 80%" in line
    assert "many" not in line and "sim staff" in line
    assert "none missed" in arms_line([arm("many", 0.9)])
    no_target = scenario.model_copy(update={"channels": {
        name: c.model_copy(update={"target": None}) for name, c in scenario.channels.items()}})
    assert arms_line([SimpleNamespace(label="x", scenario=no_target,
                                      metrics=arm("x", 0.5).metrics)]) is None
