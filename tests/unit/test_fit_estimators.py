"""The estimators of `sim fit` on small hand-made logs: what each returns, and its edges.

Counts are checked against a count by hand, tables against the simulator's own schema, the
Kaplan-Meier curve against its product formula worked out on paper. The statistical checks
(parameters recovered from known distributions) are in tests/stats/test_fit_estimators.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

from sim.fit.handle import MAX_EMPIRICAL, fit_duration, ks_limit
from sim.fit.patience import fit_patience, kaplan_meier
from sim.fit.volume import fit_volume
from sim.model.distributions import Distribution

TABLE = TypeAdapter(Distribution)
MONDAY = pd.Timestamp("2024-03-04")  # a Monday


def stamps(start: pd.Timestamp, seconds: list[float]) -> pd.Series:
    return pd.Series(start + pd.to_timedelta(seconds, unit="s"))


# ---- volume ------------------------------------------------------------------------------


def test_volume_counts_each_interval_of_the_day_over_all_days():
    start = pd.Timestamp("2024-03-06")  # a Wednesday
    day = 86400.0
    # 3 days, hourly intervals: 09:xx twice on day 0, once on day 2; one 23:59 on day 1
    log = stamps(start, [9 * 3600 + 5, 9 * 3600 + 3599, day + 86399, 2 * day + 9 * 3600])
    v = fit_volume(log, 3600.0, start, start + pd.Timedelta(days=3))
    assert v.days == 3
    assert v.daily == pytest.approx(4 / 3, rel=1e-3)
    expected = [0.0] * 24
    expected[9], expected[23] = 1.0, 1 / 3
    assert v.profile == pytest.approx(expected, rel=1e-3)
    assert sum(v.profile) == pytest.approx(v.daily, rel=1e-3)
    assert [w for k, w in enumerate(v.profile) if k not in (9, 23)] == [0.0] * 22  # closed
    assert v.weekdays is None  # under two weeks


def test_volume_weekdays_start_on_monday_whatever_the_first_day():
    start = MONDAY + pd.Timedelta(days=2)  # Wednesday; 14 days: each weekday twice
    mondays = [d * 86400.0 + 36000 for d in range(14) if (2 + d) % 7 == 0]
    v = fit_volume(stamps(start, mondays * 3), 1800.0, start, start + pd.Timedelta(days=14))
    assert len(v.profile) == 48
    assert v.daily == pytest.approx(6 / 14, rel=1e-3)
    # every contact on a Monday: its factor is 7 (the mean of the factors is 1), others 0
    assert v.weekdays == pytest.approx([7.0, 0, 0, 0, 0, 0, 0])


def test_volume_of_a_silent_channel_and_bad_arguments():
    end = MONDAY + pd.Timedelta(days=20)
    v = fit_volume(pd.Series(pd.to_datetime([])), 3600.0, MONDAY, end)
    assert (v.daily, v.profile, v.weekdays, v.days) == (0.0, [0.0] * 24, None, 20)
    inside = stamps(MONDAY, [10.0])
    with pytest.raises(ValueError, match="divide a day"):
        fit_volume(inside, 7.0 * 3600, MONDAY, end)
    with pytest.raises(ValueError, match="midnights"):
        fit_volume(inside, 3600.0, MONDAY + pd.Timedelta(hours=1), end)
    with pytest.raises(ValueError, match="lie in"):
        fit_volume(stamps(end, [0.0]), 3600.0, MONDAY, end)  # end is excluded


# ---- handle time -------------------------------------------------------------------------


@pytest.mark.parametrize("values", [
    np.random.default_rng(1).lognormal(5.0, 0.8, 400),
    np.random.default_rng(2).gamma(3.0, 80.0, 400),
    np.random.default_rng(3).exponential(200.0, 400),
    np.concatenate([np.full(300, 30.0), np.full(300, 900.0)]),
])
def test_duration_tables_are_what_the_simulator_takes(values):
    fit = fit_duration(values)
    TABLE.validate_python(fit.dist)
    assert fit.dist["dist"] == fit.family
    assert set(fit.aic) == {"exponential", "lognormal", "gamma"}
    assert fit.n == len(values) and fit.dropped == 0
    assert fit.statistic.startswith(fit.family) and f"n = {len(values):,}" in fit.statistic
    # the rule itself: a family is kept exactly when its KS distance is within the limit
    assert (fit.family != "empirical") == (fit.ks <= ks_limit(len(values)))
    assert fit.family == "empirical" or fit.family == min(fit.aic, key=fit.aic.get)


def test_non_positive_durations_are_left_out_of_the_families_but_kept_in_the_empirical():
    rng = np.random.default_rng(4)
    values = np.concatenate([rng.exponential(100.0, 500), [0.0, 0.0, -3.0]])
    fit = fit_duration(values)
    assert (fit.n, fit.dropped, fit.family) == (503, 3, "exponential")
    assert fit.dist["mean"] == pytest.approx(values[values > 0].mean(), rel=1e-3)
    assert "3 not positive" in fit.statistic
    odd = np.concatenate([np.full(50, 10.0), np.full(50, 500.0), [0.0, -1.0]])
    fit = fit_duration(odd)
    assert fit.family == "empirical"
    assert sorted(fit.dist["values"]) == sorted([0.0, 0.0] + [10.0] * 50 + [500.0] * 50)
    zeros = fit_duration(np.zeros(5))
    assert (zeros.family, zeros.dist["values"], zeros.aic) == ("empirical", [0.0] * 5, {})
    with pytest.raises(ValueError):
        fit_duration(np.array([1.0, np.nan]))


def test_a_long_empirical_is_cut_to_equally_spaced_quantiles():
    rng = np.random.default_rng(5)
    values = np.concatenate([rng.normal(60, 5, 3000), rng.normal(400, 20, 3000)])
    fit = fit_duration(values)
    assert fit.family == "empirical" and len(fit.dist["values"]) == MAX_EMPIRICAL
    q = np.asarray(fit.dist["values"])
    assert np.all(np.diff(q) >= 0) and np.all(q == np.round(q, 1))
    # each kept value is the sample quantile at the middle of its thousandth
    mid = np.quantile(values, (np.arange(MAX_EMPIRICAL) + 0.5) / MAX_EMPIRICAL)
    np.testing.assert_allclose(q, mid, atol=0.05 + 1e-9)
    assert "but KS D" in fit.statistic


# ---- patience ----------------------------------------------------------------------------


def test_kaplan_meier_with_ties_worked_by_hand():
    # at t=2 one event and one censoring: the censored caller is still at risk at 2
    time = np.array([1, 2, 2, 3, 4, 4, 5], dtype=float)
    event = np.array([1, 1, 0, 1, 0, 1, 1], dtype=bool)
    times, s = kaplan_meier(time, event)
    np.testing.assert_array_equal(times, [1, 2, 3, 4, 5])
    np.testing.assert_allclose(s, [6 / 7, 5 / 7, 15 / 28, 5 / 14, 0.0])
    # tied events count together: two of four at t=1
    times, s = kaplan_meier(np.array([1.0, 1.0, 2.0, 3.0]), np.array([1, 1, 0, 1], bool))
    np.testing.assert_array_equal(times, [1, 3])
    np.testing.assert_allclose(s, [0.5, 0.0])


def test_kaplan_meier_without_censoring_is_the_empirical_survival():
    time = np.round(np.random.default_rng(6).exponential(10.0, 300))  # many ties
    times, s = kaplan_meier(time, np.ones_like(time, dtype=bool))
    np.testing.assert_array_equal(times, np.unique(time))
    np.testing.assert_allclose(s, [(time > t).mean() for t in times], atol=1e-12)


def test_no_abandonment_no_patience():
    assert fit_patience(np.array([0.0, 5.0, 30.0]), np.zeros(3, dtype=bool)) is None
    assert fit_patience(np.array([]), np.array([], dtype=bool)) is None
    with pytest.raises(ValueError):
        fit_patience(np.array([1.0, 2.0]), np.array([True]))


@pytest.mark.parametrize(("wait", "abandoned"), [
    (np.array([0.0, 0.0, 0.0, 4.0]), np.array([True, False, False, False])),  # one, at 0
    (np.array([0.0, 0.0, 0.0]), np.array([True, True, True])),  # every one at 0
    (np.full(50, 20.0), np.arange(50) < 25),  # a single time
    (np.array([1e-3, 1e6, 2e6]), np.array([True, False, False])),  # wide ranges
    (np.concatenate([np.zeros(1000), [1.0]]), np.arange(1001) == 1000),
])
def test_patience_on_degenerate_logs_is_quiet_and_valid(wait, abandoned):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = fit_patience(wait, abandoned)
    TABLE.validate_python(fit.dist)
    assert fit.dist["dist"] == fit.family == min(fit.aic, key=fit.aic.get)
    assert fit.family in ("exponential", "lognormal", "gamma")
    assert (fit.n, fit.abandoned) == (len(wait), int(abandoned.sum()))
    assert 0 <= fit.km_distance <= 1 and np.isfinite(list(fit.aic.values())).all()


def test_patience_exponential_is_time_waited_per_abandonment():
    wait = np.array([10.0, 20.0, 30.0, 40.0])
    fit = fit_patience(wait, np.array([True, False, True, False]))
    assert fit.aic["exponential"] == pytest.approx(2 + 2 * 2 * (np.log(50.0) + 1), abs=0.1)
    assert fit.naive_mean == 20.0
    assert fit.dist == {"dist": "exponential", "mean": 50.0}  # AIC 21.6, the others 22.8-23
    assert f"2 of 4 abandoned, KM distance {fit.km_distance:.3f}" in fit.statistic
