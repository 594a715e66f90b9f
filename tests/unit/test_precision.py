"""--precision: the pure rules (is it precise enough, how many next), and runs and comparisons
that follow them and end equal to a plain run with the final count."""

from __future__ import annotations

import math
import tomllib

import pandas as pd
import pytest
from scipy import stats

from sim.runner.compare import compare
from sim.runner.precision import (
    Check,
    Precision,
    PrecisionError,
    check,
    default_metrics,
    next_count,
    parse_metrics,
    reached,
    request,
    worst,
)
from sim.runner.run import run
from sim.scenario.load import parse_scenario
from tests.support import BASE, edit

PHONE = ("phone", "wait_mean")
EMAIL = ("email", "first_response_mean")


def per_rep(values: dict[tuple[str, str], list[float]]) -> pd.DataFrame:
    rows = [(r, channel, metric, v) for (channel, metric), vs in values.items()
            for r, v in enumerate(vs)]
    return pd.DataFrame(rows, columns=["replication", "channel", "metric", "value"])


def judged(c: Check) -> tuple[bool, bool]:
    return c.defined, c.precise


# ---------------------------------------------------------------- is it precise enough?

def test_the_half_width_is_the_t_interval_and_judged_against_the_mean():
    values = [10.0, 11.0, 9.0, 10.0, 10.0]  # mean 10, sd sqrt(0.5)
    half = stats.t.ppf(0.975, 4) * math.sqrt(0.5) / math.sqrt(5)  # 0.878
    (c,) = check(per_rep({PHONE: values}), [PHONE], target=0.1)
    assert c.mean == pytest.approx(10.0)
    assert c.half_width == pytest.approx(half)
    assert c.relative == pytest.approx(half / 10)
    assert judged(c) == (True, True)  # 8.8% <= 10%
    (c,) = check(per_rep({PHONE: values}), [PHONE], target=0.08)
    assert judged(c) == (True, False)


def test_a_negative_mean_is_judged_by_its_size():
    (c,) = check(per_rep({PHONE: [-10.0, -11.0, -9.0, -10.0, -10.0]}), [PHONE], target=0.1)
    assert c.precise and c.relative == pytest.approx(0.0878, abs=1e-4)


def test_every_value_zero_is_precise_but_a_wide_interval_around_zero_is_not():
    (zero,) = check(per_rep({PHONE: [0.0, 0.0, 0.0]}), [PHONE], target=0.05)
    assert zero.relative == 0 and judged(zero) == (True, True)
    (around,) = check(per_rep({PHONE: [-1.0, 1.0, 0.0]}), [PHONE], target=0.05)
    assert math.isinf(around.relative) and judged(around) == (True, False)
    assert not reached([zero, around])
    assert worst([zero, around]) is around


def test_a_metric_with_fewer_than_two_values_does_not_hold_the_run_back():
    nan = float("nan")
    table = per_rep({PHONE: [5.0, 5.1, 4.9, 5.0], EMAIL: [nan, 300.0, nan, nan]})
    phone, email = check(table, [PHONE, EMAIL], target=0.05)
    assert judged(phone) == (True, True)
    assert email.values == 1 and judged(email) == (False, False)
    assert math.isnan(email.relative)
    assert reached([phone, email])
    assert worst([phone, email]) is phone
    assert worst([email]) is None


def test_a_metric_not_in_the_results_is_refused_by_name():
    with pytest.raises(PrecisionError, match="phone:service_level: not in the results of B"):
        check(per_rep({PHONE: [1.0, 2.0]}), [PHONE, ("phone", "service_level")], 0.05, arm="B")


# ---------------------------------------------------------------- how many next?

def at(relative: float) -> list[Check]:
    return [Check("phone", "wait_mean", 1.0, relative, 10, False)]


def test_the_next_count_follows_the_square_law_within_bounds():
    assert next_count(10, at(0.06), 0.05, 200) == 15  # 10 x 1.2^2 = 14.4 -> 15
    assert next_count(10, at(0.051), 0.05, 200) == 11  # at least a tenth more
    assert next_count(100, at(0.051), 0.05, 200) == 110
    assert next_count(10, at(0.5), 0.05, 200) == 20  # at most twice as many
    assert next_count(150, at(0.5), 0.05, 200) == 200  # never over the cap
    assert next_count(2, [], 0.05, 200) == 4  # nothing defined yet: double
    wide = [Check("phone", "wait_mean", 0.0, 1.0, 10, False)]
    assert next_count(10, wide, 0.05, 200) == 20


# ---------------------------------------------------------------- what is asked

def mini():
    return parse_scenario(tomllib.loads(BASE))


def test_the_default_metrics_are_each_channels_headline_time():
    assert default_metrics(mini()) == (PHONE, EMAIL)
    assert Precision(0.05).chosen(mini()) == (PHONE, EMAIL)


def test_metrics_are_parsed_and_checked_against_the_scenario():
    assert parse_metrics("phone:wait_mean, pool:team:occupancy") == (
        PHONE, ("pool:team", "occupancy"))
    assert request(0.05, 50, ["phone:wait_mean", ("all", "offered")]).metrics == (
        PHONE, ("all", "offered"))
    assert request(None, 50, "phone:wait_mean") is None
    with pytest.raises(PrecisionError, match="expected CHANNEL:METRIC"):
        parse_metrics("phone")
    with pytest.raises(PrecisionError, match="has no channel or pool 'chat'"):
        request(0.05, metrics="chat:wait_mean").chosen(mini())
    with pytest.raises(PrecisionError, match="phone:wiat_mean: unknown metric"):
        request(0.05, metrics="phone:wiat_mean").chosen(mini())
    with pytest.raises(PrecisionError, match="pool:team:wait_mean: unknown metric"):
        request(0.05, metrics="pool:team:wait_mean").chosen(mini())


@pytest.mark.parametrize(("target", "cap", "message"), [
    (0.0, 10, "above 0"), (float("nan"), 10, "above 0"), (0.05, 1, "at least 2")])
def test_bad_requests_are_refused(target, cap, message):
    with pytest.raises(PrecisionError, match=message):
        Precision(target, cap)


def test_the_first_batch_is_n_but_at_least_two_and_not_over_the_cap():
    assert Precision(0.05, 20).first(1) == 2
    assert Precision(0.05, 20).first(20) == 20
    with pytest.raises(PrecisionError, match="more than the cap of 20"):
        Precision(0.05, 20).first(21)


# ---------------------------------------------------------------- runs that follow the rule

def test_a_run_adds_replications_until_precise_and_equals_a_plain_run():
    batches = []
    result = run(mini(), replications=2, seed=5, precision=0.1, max_replications=40,
                 precision_metrics=[("all", "offered")], on_batch=batches.append)
    report = result.precision
    assert report is not None and report.replications == result.replications
    assert batches == sorted(batches) and (not batches or batches[-1] == result.replications)
    if report.reached:
        assert all(c.relative <= 0.1 for c in report.checks)
    else:
        assert result.replications == 40
    plain = run(mini(), replications=result.replications, seed=5)
    assert plain.precision is None
    pd.testing.assert_frame_equal(plain.metrics, result.metrics)
    pd.testing.assert_frame_equal(plain.intervals, result.intervals)


def test_a_run_stops_at_the_cap():
    result = run(mini(), replications=2, seed=5, precision=1e-6, max_replications=5)
    assert result.replications == 5
    assert not result.precision.reached
    assert {(c.channel, c.metric) for c in result.precision.checks} == {PHONE, EMAIL}


def test_every_arm_of_a_comparison_gets_the_count_the_least_precise_needs():
    busy = parse_scenario(tomllib.loads(edit("agents = 3", "agents = 2")))
    comparison = compare([mini(), busy], ["three", "two"], replications=2, seed=5,
                         precision=0.1, max_replications=12)
    n = comparison.replications
    assert all(len(arm.replication_seconds) == n for arm in comparison.arms)
    checks = comparison.precision.checks
    assert {c.arm for c in checks} == {"three", "two"}
    assert comparison.precision.reached or n == 12
    plain = compare([mini(), busy], ["three", "two"], replications=n, seed=5)
    pd.testing.assert_frame_equal(plain.table, comparison.table)
