"""The estimators of `sim fit` against logs drawn from known distributions.

Each check compares an estimate with the true parameter, within a band of Z standard errors
worked out from theory (Poisson counts, the asymptotic variance of the maximum-likelihood
estimate, or Greenwood's formula), Z being the two-sided normal quantile of ALPHA = 1e-6
(Bonferroni-corrected where a test makes several checks): a right estimator passes whatever
the seed, a biased one fails. Where the right answer holds only with a known probability
(AIC choosing the exponential over the gamma that contains it), the test counts it over
independent samples against a binomial bound.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from sim.fit.handle import fit_duration, ks_limit
from sim.fit.patience import fit_patience, kaplan_meier
from sim.fit.volume import fit_volume
from sim.model.units import HOUR

SEED = 20240612
ALPHA = 1e-6
ROUNDING = 5e-4  # relative: the tables keep 4 significant digits


def z(checks: int = 1) -> float:
    """Half-width in standard errors of a band that `checks` true values all stay in."""
    return float(stats.norm.isf(ALPHA / 2 / checks))


def within(estimate: float, truth: float, se: float, checks: int = 1) -> bool:
    return abs(estimate - truth) <= z(checks) * se + ROUNDING * abs(truth)


# ---- volume ------------------------------------------------------------------------------

INTERVAL = 900.0
HOURS = np.arange(96) * INTERVAL / HOUR
OPEN = (HOURS >= 8) & (HOURS < 20)  # closed from 20:00 to 08:00
SHAPE = np.where(OPEN, 1.0 + np.sin(np.pi * (HOURS - 8) / 12), 0.0)  # peak at 14:00
WEEKDAYS = np.array([1.3, 1.15, 1.0, 1.0, 1.05, 0.7, 0.8])  # Monday first, mean 1
BASE = 2000.0  # contacts a day, on an average weekday


def test_volume_from_a_poisson_log_with_closed_hours_and_weekdays():
    rng = np.random.default_rng(SEED)
    days, start = 21, pd.Timestamp("2024-03-06")  # three weeks from a Wednesday
    weekday = (start.day_of_week + np.arange(days)) % 7
    rate = BASE * WEEKDAYS[weekday][:, None] * SHAPE[None, :] / SHAPE.sum()  # day x interval
    counts = rng.poisson(rate)
    slot = np.repeat(np.arange(counts.size), counts.ravel())
    seconds = (slot + rng.random(len(slot))) * INTERVAL
    log = pd.Series(start + pd.to_timedelta(rng.permutation(seconds), unit="s"))
    v = fit_volume(log, INTERVAL, start, start + pd.Timedelta(days=days))

    assert v.days == days and len(v.profile) == 96
    assert all(w == 0.0 for w, open_ in zip(v.profile, OPEN, strict=True) if not open_)
    assert sum(v.profile) == pytest.approx(v.daily, rel=1e-3)
    # the day's count: Poisson with mean BASE x days (whole weeks, factors of mean 1)
    assert within(v.daily, BASE, math.sqrt(BASE * days) / days)
    # each open interval's total over the days: Poisson with mean days x its weight
    truth = BASE * SHAPE / SHAPE.sum()
    m = int(OPEN.sum())
    for w, t in zip(np.asarray(v.profile)[OPEN], truth[OPEN], strict=True):
        assert within(w, t, math.sqrt(t * days) / days, checks=m), (w, t)
    # a weekday's share of all N contacts is binomial given N: factor = 7 x share
    n = len(log)
    for f, true in zip(v.weekdays, WEEKDAYS, strict=True):
        share = true / 7
        assert within(f, true, 7 * math.sqrt(share * (1 - share) / n), checks=7), (f, true)


# ---- handle time -------------------------------------------------------------------------

N = 5000


def lognormal_sample(rng: np.random.Generator, mean: float, cv: float, n: int) -> np.ndarray:
    sigma = math.sqrt(math.log1p(cv**2))
    return rng.lognormal(math.log(mean) - sigma**2 / 2, sigma, n)


def test_lognormal_handle_times_pick_the_lognormal():
    mean, cv = 300.0, 0.9
    fit = fit_duration(lognormal_sample(np.random.default_rng(SEED + 1), mean, cv, N))
    assert fit.family == "lognormal", fit.statistic
    # MLE of (mu, sigma): variances sigma^2 / n and sigma^2 / 2n, independent; delta method
    s2 = math.log1p(cv**2)
    se_mean = mean * math.sqrt(s2 * (1 + s2 / 2) / N)
    se_cv = math.sqrt(s2) * math.exp(s2) / cv * math.sqrt(s2 / (2 * N))
    assert within(fit.dist["mean"], mean, se_mean, checks=2), fit.dist
    assert within(fit.dist["cv"], cv, se_cv, checks=2), fit.dist


def test_gamma_handle_times_pick_the_gamma():
    mean, cv = 300.0, 0.6
    k = cv**-2
    fit = fit_duration(np.random.default_rng(SEED + 2).gamma(k, mean / k, N))
    assert fit.family == "gamma", fit.statistic
    # the MLE of the mean is the sample mean; var(shape) = k / (n (k psi'(k) - 1))
    se_k = math.sqrt(k / (N * (k * special.polygamma(1, k) - 1)))
    assert within(fit.dist["mean"], mean, mean * cv / math.sqrt(N), checks=2), fit.dist
    assert within(fit.dist["cv"], cv, 0.5 * k**-1.5 * se_k, checks=2), fit.dist


def test_exponential_handle_times_pick_the_exponential_as_often_as_aic_can():
    """The gamma contains the exponential, so AIC picks the gamma when its log-likelihood
    ratio exceeds 2: probability P(chi2_1 > 2) = 0.157. Never the lognormal."""
    rng, mean, r = np.random.default_rng(SEED + 3), 300.0, 20
    families = []
    for _ in range(r):
        fit = fit_duration(rng.exponential(mean, N))
        families.append(fit.family)
        if fit.family == "exponential":
            assert within(fit.dist["mean"], mean, mean / math.sqrt(N), checks=r), fit.dist
        else:
            assert fit.family == "gamma", fit.statistic
            assert within(fit.dist["cv"], 1.0, 1 / math.sqrt(N), checks=r), fit.dist
    chosen = families.count("exponential")
    assert chosen >= stats.binom.ppf(ALPHA, r, stats.chi2.cdf(2.0, 1)), families


def test_a_bimodal_sample_falls_back_to_the_empirical():
    rng = np.random.default_rng(SEED + 4)
    short = lognormal_sample(rng, 120.0, 0.3, N)
    long = lognormal_sample(rng, 900.0, 0.3, N)
    values = np.where(rng.random(N) < 0.6, short, long)
    fit = fit_duration(values)
    assert fit.family == "empirical" and fit.ks > ks_limit(N), fit.statistic
    # the kept quantiles carry the mixture: its mean, and its mass between the modes
    mean = 0.6 * 120 + 0.4 * 900
    sd = math.sqrt(0.6 * (1.09 * 120**2) + 0.4 * (1.09 * 900**2) - mean**2)
    kept = np.asarray(fit.dist["values"])
    assert within(kept.mean(), mean, sd / math.sqrt(N) + 0.1, checks=2)
    sigma = math.sqrt(math.log1p(0.09))
    true = sum(w * stats.lognorm.cdf(400.0, sigma, scale=m / math.sqrt(1.09))
               for w, m in ((0.6, 120), (0.4, 900)))
    share = (kept < 400).mean()  # between the modes
    assert within(share, true, math.sqrt(true * (1 - true) / N) + 1 / len(kept), checks=2)


def test_a_large_log_of_a_nearly_right_family_keeps_the_family():
    """Weibull(1.5) is not a gamma, and with 100,000 values the KS test says so, but the
    best family is within the 0.03 floor of the criterion."""
    n = 100_000
    values = 300.0 * np.random.default_rng(SEED + 5).weibull(1.5, n)
    fit = fit_duration(values)
    assert 1.63 / math.sqrt(n) < fit.ks <= 0.03, fit.statistic
    assert fit.family == "gamma", fit.statistic
    mean = 300.0 * math.gamma(1 + 1 / 1.5)
    sd = 300.0 * math.sqrt(math.gamma(1 + 2 / 1.5) - math.gamma(1 + 1 / 1.5) ** 2)
    assert within(fit.dist["mean"], mean, sd / math.sqrt(n))  # gamma MLE: the sample mean


# ---- patience ----------------------------------------------------------------------------


def censored_log(rng: np.random.Generator, patience: np.ndarray,
                 wait: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the log shows: the hang-up time if patience ran out first, else the wait."""
    abandoned = patience < wait
    return np.where(abandoned, patience, wait), abandoned


def lognormal_nll(p: np.ndarray, time: np.ndarray, event: np.ndarray) -> float:
    """Censored negative log-likelihood in (mu, log sigma), written out independently."""
    mu, sigma = p[0], math.exp(p[1])
    zt = (np.log(np.maximum(time, 1e-300)) - mu) / sigma
    return -float(np.sum(np.where(event, stats.norm.logpdf(zt) - math.log(sigma)
                                  - np.log(np.maximum(time, 1e-300)), stats.norm.logsf(zt))))


def gamma_nll(p: np.ndarray, time: np.ndarray, event: np.ndarray) -> float:
    """The same in (log shape, log scale)."""
    k, scale = math.exp(p[0]), math.exp(p[1])
    return -float(np.sum(np.where(event, stats.gamma.logpdf(time, k, scale=scale),
                                  stats.gamma.logsf(time, k, scale=scale))))


def hessian(f, p: np.ndarray, h: float = 1e-3) -> np.ndarray:
    """Central second differences."""
    e = np.eye(len(p)) * h
    return np.array([[(f(p + a + b) - f(p + a - b) - f(p - a + b) + f(p - a - b)) / (4 * h * h)
                      for b in e] for a in e])


def observed_se(table: dict, time: np.ndarray, event: np.ndarray) -> tuple[float, float]:
    """Standard errors of the mean and cv of a censored lognormal or gamma fit: the inverse
    observed information at the estimate, carried to (mean, cv) by the delta method."""
    m, c = table["mean"], table["cv"]
    if table["dist"] == "lognormal":
        s = math.sqrt(math.log1p(c**2))
        p, nll = np.array([math.log(m) - s * s / 2, math.log(s)]), lognormal_nll
        jacobian = np.array([[m, m * s * s],  # d(mean, cv) / d(mu, log sigma)
                             [0.0, s * s * math.exp(s * s) / c]])
    else:
        p, nll = np.array([-2 * math.log(c), math.log(m * c * c)]), gamma_nll
        jacobian = np.array([[m, m], [-c / 2, 0.0]])  # d(mean, cv) / d(log k, log scale)
    covariance = jacobian @ np.linalg.inv(hessian(lambda q: nll(q, time, event), p)) @ jacobian.T
    return math.sqrt(covariance[0, 0]), math.sqrt(covariance[1, 1])


def test_heavily_censored_exponential_patience():
    """Most are served at once or soon, a few abandon: the censored MLE finds the mean, the
    abandoners' mean wait is far below it."""
    rng, mean, r, n = np.random.default_rng(SEED + 6), 300.0, 12, 10_000
    families = []
    for _ in range(r):
        wait = np.where(rng.random(n) < 0.5, 0.0, rng.exponential(30.0, n))  # M/M/c-like
        time, abandoned = censored_log(rng, rng.exponential(mean, n), wait)
        fit = fit_patience(time, abandoned)
        assert 0.02 < fit.abandoned / n < 0.08  # about 4.5% abandon
        families.append(fit.family)
        assert fit.naive_mean < mean / 2
        if fit.family == "exponential":
            # the exponential MLE from d events: standard error mean / sqrt(d)
            se = mean / math.sqrt(fit.abandoned)
            assert within(fit.dist["mean"], mean, se, checks=r), fit.statistic
        else:  # the gamma that contains it, as AIC allows (see the handle-time test)
            assert fit.family == "gamma", fit.statistic
            se_mean, se_cv = observed_se(fit.dist, time, abandoned)
            assert within(fit.dist["mean"], mean, se_mean, checks=2 * r), fit.statistic
            assert within(fit.dist["cv"], 1.0, se_cv, checks=2 * r), fit.statistic
    assert families.count("exponential") >= stats.binom.ppf(ALPHA, r, stats.chi2.cdf(2.0, 1))


@pytest.mark.parametrize(("family", "cv"), [("lognormal", 1.5), ("gamma", 0.5)])
def test_censored_patience_recovers_its_family(family, cv):
    """About half abandon; mean and cv within the band of the observed information."""
    rng, mean, n = np.random.default_rng(SEED + 7), 300.0, 20_000
    if family == "lognormal":
        patience = lognormal_sample(rng, mean, cv, n)
    else:
        patience = rng.gamma(cv**-2, mean * cv**2, n)
    time, abandoned = censored_log(rng, patience, rng.exponential(300.0, n))
    fit = fit_patience(time, abandoned)
    assert fit.family == family, fit.statistic
    se_mean, se_cv = observed_se(fit.dist, time, abandoned)
    assert within(fit.dist["mean"], mean, se_mean, checks=2), fit.statistic
    assert within(fit.dist["cv"], cv, se_cv, checks=2), fit.statistic
    assert fit.naive_mean < mean  # the abandoners are the impatient ones
    # the Kaplan-Meier check tells the right family from the exponential with the same data
    exponential = time.sum() / abandoned.sum()
    times, km = kaplan_meier(time, abandoned)
    assert fit.km_distance < np.max(np.abs(km - np.exp(-times / exponential)))


def greenwood(time: np.ndarray, event: np.ndarray, t: float) -> tuple[float, float]:
    """KM at t and its Greenwood standard error, by a loop over the event times."""
    s, total = 1.0, 0.0
    for u in np.unique(time[event & (time <= t)]):
        r, d = np.sum(time >= u), np.sum(event & (time == u))
        s *= 1 - d / r
        total += d / (r * (r - d))
    return s, s * math.sqrt(total)


def test_kaplan_meier_against_a_known_survival_function():
    rng, n = np.random.default_rng(SEED + 8), 3000
    # patience exponential with mean 100, censored by waits exponential with mean 150
    time, event = censored_log(rng, rng.exponential(100.0, n), rng.exponential(150.0, n))
    times, km = kaplan_meier(time, event)
    checks = -100.0 * np.log([0.9, 0.7, 0.5, 0.3, 0.15])  # where S = 0.9, ..., 0.15
    for t in checks:
        value = km[np.searchsorted(times, t, side="right") - 1]
        s, se = greenwood(time, event, t)
        assert value == pytest.approx(s, rel=1e-9)  # the product formula, worked out
        assert abs(value - math.exp(-t / 100.0)) <= z(len(checks)) * se, (t, value, se)
    # uncensored: the empirical survival function of the sample
    sample = rng.weibull(0.8, n)
    times, km = kaplan_meier(sample, np.ones(n, dtype=bool))
    np.testing.assert_allclose(km, 1 - np.arange(1, n + 1) / n, atol=1e-12)
    ks = math.sqrt(-math.log(ALPHA / 2) / 2) / math.sqrt(n)  # Kolmogorov's bound at ALPHA
    assert np.max(np.abs(km - np.exp(-(times**0.8)))) <= ks


def test_no_abandonment_means_no_patience():
    rng = np.random.default_rng(SEED + 9)
    assert fit_patience(rng.exponential(20.0, 5000), np.zeros(5000, dtype=bool)) is None

