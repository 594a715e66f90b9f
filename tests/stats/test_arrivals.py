"""Arrivals against Poisson theory, over many independent replication streams.

Each replication's arrivals come from its own "arrivals" stream, so R replications give R
independent realisations of the non-homogeneous Poisson process. Thresholds are p-values
of 1e-6 (or a 99.9% t-interval): a correct model passes, a wrong rate, a wrong
variance or a non-exponential spacing of more than a couple of percent fails.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from sim.engine.records import ANSWERED
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed, stream
from sim.model.arrivals import arrival_times, rate_steps
from sim.model.units import DAY, HOUR
from sim.scenario.demand import Volume
from tests.stats.factory import phone_scenario, tolerance

SEED = 20240611
R = 300  # independent replications
ALPHA = 1e-6  # p-value below which a test fails: no flaking, still a sharp test

# hourly weights; 09:00-17:00 is flat (weight 9) for the spacing test
PROFILE = [1, 1, 1, 1, 1, 2, 3, 5, 8, 9, 9, 9, 9, 9, 9, 9, 9, 8, 6, 5, 4, 3, 2, 1]
DAILY = 1240.0  # 10 needs per weight unit: 90 an hour in the flat block
START, END = -4.5 * HOUR, DAY  # a warm-up from 19:30 the previous evening


def expected_in(a: float, b: float, daily: float = DAILY) -> float:
    """Expected needs in [a, b] within one hour of the day, from the weights by hand."""
    hour = int(np.floor(a / HOUR)) % 24
    return daily * PROFILE[hour] / sum(PROFILE) * (b - a) / HOUR


def arrivals(replication: int, daily: float = DAILY) -> np.ndarray:
    edges, rates = rate_steps(Volume(daily=daily, profile=PROFILE), HOUR, START, END)
    return arrival_times(stream(replication_seed(SEED, replication), "arrivals"), edges, rates)


@pytest.fixture(scope="module")
def runs() -> list[np.ndarray]:
    return [arrivals(r) for r in range(R)]


def test_counts_per_interval_match_the_profile(runs):
    # bins: the partial hour 19:30-20:00 of the warm-up, then whole hours up to midnight
    bins = np.concatenate(([START], np.arange(-4 * HOUR, DAY + 1, HOUR)))
    counts = np.array([np.histogram(t, bins)[0] for t in runs])  # R x bins
    mean = np.array([expected_in(a, b) for a, b in itertools.pairwise(bins)])
    assert mean[0] == pytest.approx(DAILY * 5 / 124 / 2)  # half of 19:00-20:00 (weight 5)
    # totals over R replications: independent Poisson(R x mean) per bin
    observed, theory = counts.sum(axis=0), R * mean
    chi2 = float(np.sum((observed - theory) ** 2 / theory))
    assert stats.chi2.sf(chi2, len(theory)) > ALPHA, (observed, theory)
    z = (observed - theory) / np.sqrt(theory)
    assert np.max(np.abs(z)) < stats.norm.isf(ALPHA / 2)
    # Poisson, not just the right mean: per replication, the day's count has variance equal
    # to its mean (index of dispersion, chi-square with R degrees of freedom around it)
    total = counts.sum(axis=1)
    dispersion = float(np.sum((total - mean.sum()) ** 2 / mean.sum()))
    p = stats.chi2.cdf(dispersion, R)
    assert ALPHA / 2 < p < 1 - ALPHA / 2, dispersion / R


def test_spacing_on_a_constant_rate_piece_is_exponential(runs):
    rate = DAILY * 9 / sum(PROFILE) / HOUR  # per second, 09:00-17:00
    m = 200  # first m spacings after 09:00: 720 are expected before 17:00, so always there
    gaps = []
    for t in runs:
        inside = t[(t >= 9 * HOUR) & (t < 17 * HOUR)]
        assert len(inside) > m
        gaps.append(np.diff(np.concatenate(([9 * HOUR], inside[:m]))))  # memoryless at 09:00
    scaled = np.concatenate(gaps) * rate  # Exp(1) if right
    assert abs(scaled.mean() - 1.0) <= tolerance(scaled)
    assert stats.kstest(scaled, "expon").pvalue > ALPHA
    # variance 1 as for Exp(1) (a gamma or a grid would differ): mean square deviation
    square = (scaled - 1.0) ** 2
    assert abs(square.mean() - 1.0) <= tolerance(square)


def test_more_demand_keeps_the_same_customers_in_the_same_order(runs):
    """Common random numbers. Both runs map the same unit-rate process through their
    cumulative rate, Lambda_big = 1.1 x Lambda_small, so the k-th arrival of the larger
    scenario is g(k-th arrival of the smaller) with g = Lambda_small^-1(Lambda_small / 1.1):
    one increasing function of time, the same for every replication. Customer k keeps its
    place in line (and its other variates, drawn by index); only new customers are added,
    after the last of the smaller run in the unit-rate clock, about 10% more of them."""
    edges, rates = rate_steps(Volume(daily=DAILY, profile=PROFILE), HOUR, START, END)
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(edges))))

    def g(t: np.ndarray) -> np.ndarray:
        return np.interp(np.interp(t, edges, cumulative) / 1.1, cumulative, edges)

    extra = 0
    for r, small in enumerate(runs[:100]):
        big = arrivals(r, DAILY * 1.1)
        assert len(big) >= len(small)
        np.testing.assert_allclose(big[: len(small)], g(small), rtol=0, atol=1e-6)
        assert np.all(big[: len(small)] <= small + 1e-6)  # more demand: everyone a bit earlier
        extra += len(big) - len(small)
    # the added customers: Poisson with mean 10% of the expected day (exact Poisson bound)
    mean_extra = 100 * 0.1 * cumulative[-1]
    assert stats.poisson.cdf(extra, mean_extra) > ALPHA / 2
    assert stats.poisson.sf(extra - 1, mean_extra) > ALPHA / 2


def test_common_random_numbers_through_the_engine():
    # constant rate from the start of the warm-up: g(t) = start + (t - start) / 1.1
    small_sc = phone_scenario(agents=3, per_hour=60, horizon=6 * HOUR, warmup=HOUR)
    big_sc = phone_scenario(agents=3, per_hour=66, horizon=6 * HOUR, warmup=HOUR)
    for r in range(5):
        small = simulate(small_sc, replication_seed(SEED, r))
        big = simulate(big_sc, replication_seed(SEED, r))
        n = len(small)
        assert len(big) >= n
        np.testing.assert_allclose(big.arrival[:n], -HOUR + (small.arrival + HOUR) / 1.1,
                                   rtol=0, atol=1e-6)
        # customer k keeps its handle time: where both served it to the end, same duration
        both = (small.status == ANSWERED) & (big.status[:n] == ANSWERED)
        assert both.sum() > 100
        np.testing.assert_allclose((big.ended - big.answered)[:n][both],
                                   (small.ended - small.answered)[both], rtol=1e-9)
