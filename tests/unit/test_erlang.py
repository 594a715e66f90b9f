"""Erlang B, C and A against hand values, independent formulas and direct chains."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gammainc, gammaincc, gammaln

from sim.theory.erlang import (
    ErlangA,
    erlang_a,
    erlang_b,
    erlang_c,
    mmc_mean_wait,
    mmc_service_level,
    sqrt_staffing,
)

FAST = settings(max_examples=40, deadline=None)


# Erlang B and C -------------------------------------------------------------------------------

def test_erlang_b_hand_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(5, 0.0) == 0.0


@given(st.integers(0, 20), st.floats(0.0, 30.0))
@FAST
def test_erlang_b_matches_definition(servers: int, load: float) -> None:
    terms = [load**k / math.factorial(k) for k in range(servers + 1)]
    assert erlang_b(servers, load) == pytest.approx(terms[-1] / sum(terms), rel=1e-9, abs=1e-300)


def test_erlang_b_large_is_stable() -> None:
    # Poisson form B = P(X = c) / P(X <= c), X ~ Poisson(a): independent of the recursion.
    for servers, load in [(1000, 1000.0), (1000, 950.0), (800, 900.0)]:
        pmf = math.exp(servers * math.log(load) - load - gammaln(servers + 1))
        expected = pmf / gammaincc(servers + 1, load)  # Poisson cdf at c
        assert erlang_b(servers, load) == pytest.approx(expected, rel=1e-9)
    assert erlang_b(1000, 1e-3) == 0.0  # underflows cleanly, no overflow or NaN


@pytest.mark.parametrize(("servers", "load", "expected"), [
    (1, 0.5, 0.5),  # M/M/1: C = rho
    (2, 1.0, 1 / 3),
    (3, 2.0, 4 / 9),  # B = 4/19, C = 3B / (3 - 2(1 - B))
    (4, 3.0, 27 / 53),  # B = 27/131
])
def test_erlang_c_hand_values(servers: int, load: float, expected: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(expected, rel=1e-12)


def test_erlang_c_unstable_and_near_capacity() -> None:
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c(3, 7.5) == 1.0
    assert erlang_c(0, 0.0) == 1.0
    near = erlang_c(1000, 999.9)
    assert 0.99 < near < 1.0


@given(st.integers(1, 200), st.floats(0.0, 1.0, exclude_max=True))
@FAST
def test_erlang_c_at_least_b(servers: int, share: float) -> None:
    load = share * servers
    assert erlang_b(servers, load) <= erlang_c(servers, load) <= 1.0


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError):
        erlang_b(-1, 1.0)
    with pytest.raises(ValueError):
        erlang_c(2, float("nan"))
    with pytest.raises(ValueError):
        mmc_mean_wait(0, 1.0, 1.0)
    with pytest.raises(ValueError):
        erlang_a(2, 1.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        sqrt_staffing(1.0, 1.0, 1.0, 20.0)


# M/M/c waits and service level ----------------------------------------------------------------

def test_mm1_mean_wait() -> None:
    lam, mu = 0.5, 1.25
    assert mmc_mean_wait(1, lam, 1 / mu) == pytest.approx((lam / mu) / (mu - lam))
    assert mmc_mean_wait(1, 1.0, 1.0) == math.inf
    assert mmc_mean_wait(2, 0.0, 100.0) == 0.0


def test_mmc_mean_wait_hand_value() -> None:
    # c = 2, a = 1: W = C / (c mu - lambda) = (1/3) / (2 - 1) with mu = 1.
    assert mmc_mean_wait(2, 1.0, 1.0) == pytest.approx(1 / 3)
    assert mmc_mean_wait(2, 0.1, 10.0) == pytest.approx(10 / 3)  # same system in other units


def test_mm1_service_level() -> None:
    lam, mu, t = 0.5, 1.0, 3.0
    expected = 1 - (lam / mu) * math.exp(-(mu - lam) * t)
    assert mmc_service_level(1, lam, 1 / mu, t) == pytest.approx(expected)
    assert mmc_service_level(1, lam, 1 / mu, 0.0) == pytest.approx(0.5)
    assert mmc_service_level(1, 2.0, 1.0, 1e9) == 0.0
    assert mmc_service_level(2, 1.0, 1.0, math.inf) == 1.0


@given(st.floats(0.01, 2.0), st.floats(10.0, 600.0), st.floats(0.0, 120.0))
@FAST
def test_service_level_monotone_in_servers(lam: float, mean_service: float, within: float) -> None:
    first = math.floor(lam * mean_service) + 1
    levels = [mmc_service_level(c, lam, mean_service, within) for c in range(1, first + 30)]
    assert all(0.0 <= x <= 1.0 for x in levels)
    assert all(b >= a for a, b in itertools.pairwise(levels))
    assert all(x == 0.0 for x in levels[:first - 1])  # unstable below floor(load) + 1
    assert levels[-1] > 0.0


# Staffing -------------------------------------------------------------------------------------

@given(st.floats(0.001, 3.0), st.floats(5.0, 600.0), st.floats(0.05, 0.99), st.floats(0.0, 60.0))
@FAST
def test_sqrt_staffing_is_minimal(lam: float, mean_service: float, target: float,
                                  within: float) -> None:
    c = sqrt_staffing(lam, mean_service, target, within)
    assert mmc_service_level(c, lam, mean_service, within) >= target
    if c > 1:
        assert mmc_service_level(c - 1, lam, mean_service, within) < target


def test_sqrt_staffing_grows_like_square_root() -> None:
    # A fixed P(wait > 0) target needs spare servers c - a = beta sqrt(a) (Halfin-Whitt):
    # four times the load, twice the spare.
    spare = [sqrt_staffing(a / 300, 300.0, 0.5, 0.0) - a for a in (400, 1600)]
    assert 1.6 < spare[1] / spare[0] < 2.4


# Erlang A -------------------------------------------------------------------------------------

def _chain(servers: int, lam: float, mu: float, theta: float, states: int = 250) -> np.ndarray:
    """Stationary law of the truncated M/M/c+M chain by solving pi Q = 0 densely."""
    gen = np.zeros((states, states))
    for n in range(states - 1):
        gen[n, n + 1] = lam
        gen[n + 1, n] = min(n + 1, servers) * mu + max(n + 1 - servers, 0) * theta
    np.fill_diagonal(gen, -gen.sum(axis=1))
    lhs = gen.T.copy()
    lhs[-1] = 1.0  # the balance equations are dependent: swap one for normalisation
    rhs = np.zeros(states)
    rhs[-1] = 1.0
    return np.linalg.solve(lhs, rhs)


@pytest.mark.parametrize(("servers", "lam", "mean_service", "mean_patience"), [
    (1, 1.0, 1.0, 1.0),
    (1, 0.5, 1.5, 4.0),
    (1, 2.0, 1.0, 10.0),  # overloaded: still stable
    (3, 1.0, 2.5, 0.7),
])
def test_erlang_a_matches_dense_chain(servers: int, lam: float, mean_service: float,
                                      mean_patience: float) -> None:
    pi = _chain(servers, lam, 1 / mean_service, 1 / mean_patience)
    queue = np.maximum(np.arange(pi.size) - servers, 0)
    mean_queue = float(queue @ pi)
    got = erlang_a(servers, lam, mean_service, mean_patience)
    assert got.p_wait == pytest.approx(pi[servers:].sum(), rel=1e-9)
    assert got.mean_wait == pytest.approx(mean_queue / lam, rel=1e-9)
    assert got.p_abandon == pytest.approx(mean_queue / mean_patience / lam, rel=1e-9)


def test_erlang_a_single_server_unit_rates() -> None:
    # c = 1, lambda = mu = theta = 1: state n dies at rate n, so N ~ Poisson(1):
    # P(wait) = P(N >= 1) = 1 - 1/e and E[Q] = E[N] - P(N >= 1) = 1/e = P(abandon) = mean wait.
    got = erlang_a(1, 1.0, 1.0, 1.0)
    assert got.p_wait == pytest.approx(1 - math.exp(-1), rel=1e-12)
    assert got.p_abandon == pytest.approx(math.exp(-1), rel=1e-12)
    assert got.mean_wait == pytest.approx(math.exp(-1), rel=1e-12)


@pytest.mark.parametrize(("servers", "lam", "mean_service", "mean_patience"), [
    (5, 1.0, 4.0, 10.0),
    (50, 1.0, 55.0, 100.0),
    (100, 1.0, 90.0, 300.0),
    (3, 2.0, 1.0, 0.5),
])
def test_erlang_a_matches_incomplete_gamma_closed_form(servers: int, lam: float,
                                                       mean_service: float,
                                                       mean_patience: float) -> None:
    # Mandelbaum & Zeltyn: A(x, y) = x e^y y^-x gamma(x, y), x = c mu / theta, y = lambda / theta;
    # P(W > 0) = A E / (1 + (A - 1) E), P(Ab | W > 0) = 1 / (rho A) + 1 - 1 / rho.
    mu, theta = 1 / mean_service, 1 / mean_patience
    x, y = servers * mu / theta, lam / theta
    big_a = math.exp(y - x * math.log(y) + gammaln(x + 1)) * gammainc(x, y)
    e = erlang_b(servers, lam * mean_service)
    rho = lam / (servers * mu)
    p_wait = big_a * e / (1 + (big_a - 1) * e)
    got = erlang_a(servers, lam, mean_service, mean_patience)
    assert got.p_wait == pytest.approx(p_wait, rel=1e-9)
    assert got.p_abandon == pytest.approx(p_wait * (1 / (rho * big_a) + 1 - 1 / rho), rel=1e-9)


@pytest.mark.parametrize(("servers", "lam", "mean_service"), [
    (1, 0.5, 1.0), (2, 1.0, 1.0), (20, 1.0, 18.0), (500, 1.0, 490.0),
])
def test_erlang_a_infinite_patience_limit_is_erlang_c(servers: int, lam: float,
                                                      mean_service: float) -> None:
    load = lam * mean_service
    wait = mmc_mean_wait(servers, lam, mean_service)
    got = erlang_a(servers, lam, mean_service, 1e7 * mean_service)
    assert got.p_wait == pytest.approx(erlang_c(servers, load), rel=1e-4)
    assert got.mean_wait == pytest.approx(wait, rel=1e-4)
    assert got.mean_wait_served == pytest.approx(wait, rel=1e-4)
    assert got.p_abandon < 1e-4
    exact = erlang_a(servers, lam, mean_service, math.inf)
    assert exact == ErlangA(erlang_c(servers, load), 0.0, wait, wait)


def test_erlang_a_zero_patience_is_erlang_b() -> None:
    got = erlang_a(4, 1.0, 3.0, 0.0)
    assert got.p_wait == got.p_abandon == pytest.approx(erlang_b(4, 3.0))
    got_small = erlang_a(4, 1.0, 3.0, 1e-9)
    assert got_small.p_abandon == pytest.approx(erlang_b(4, 3.0), rel=1e-6)


def test_erlang_a_large_and_extreme_cases_are_finite() -> None:
    for args in [(1000, 1.0, 990.0, 300.0), (1000, 1.0, 1100.0, 300.0), (1000, 1e-3, 1.0, 1.0),
                 (1, 1e4, 1.0, 1.0), (10, 1.0, 11.0, 1e4)]:
        got = erlang_a(*args)
        assert all(math.isfinite(v) and v >= 0 for v in (got.p_wait, got.mean_wait,
                                                         got.mean_wait_served))
        assert 0.0 <= got.p_abandon <= 1.0
    # Overloaded by 10%: in the long run exactly the excess abandons.
    assert erlang_a(10, 1.0, 11.0, 1e4).p_abandon == pytest.approx(1 / 11, rel=1e-9)


def test_erlang_a_served_wait_against_simulation() -> None:
    # M/M/1+M FCFS: the workload V seen by arrival n is its offered wait; it is served iff its
    # patience exceeds V, and only served customers add work.
    lam, mean_service, mean_patience, n = 1.0, 0.8, 2.0, 200_000
    rng = np.random.default_rng(20240501)
    gaps = rng.exponential(1 / lam, n).tolist()
    work = rng.exponential(mean_service, n).tolist()
    patience = rng.exponential(mean_patience, n).tolist()
    v = served = 0
    wait_served = wait_all = 0.0
    for gap, s, p in zip(gaps, work, patience, strict=True):
        if p >= v:
            served += 1
            wait_served += v
            wait_all += v
            v += s
        else:
            wait_all += p
        v = max(0.0, v - gap)
    got = erlang_a(1, lam, mean_service, mean_patience)
    assert 1 - served / n == pytest.approx(got.p_abandon, rel=0.03)
    assert wait_all / n == pytest.approx(got.mean_wait, rel=0.03)
    assert wait_served / served == pytest.approx(got.mean_wait_served, rel=0.03)


@given(st.integers(1, 300), st.floats(0.05, 2.0), st.floats(0.05, 50.0))
@FAST
def test_erlang_a_abandonment_bounded_and_increasing(servers: int, load_share: float,
                                                     patience_ratio: float) -> None:
    mean_service = 100.0
    lam = load_share * servers / mean_service
    low = erlang_a(servers, lam, mean_service, patience_ratio * mean_service)
    high = erlang_a(servers, lam * 1.1, mean_service, patience_ratio * mean_service)
    for r in (low, high):
        assert 0.0 <= r.p_abandon <= r.p_wait <= 1.0
        assert r.mean_wait >= 0.0 and r.mean_wait_served >= 0.0
    assert high.p_abandon > low.p_abandon
    assert high.p_wait >= low.p_wait  # equal only once both round to 1.0
