"""Patience of realtime callers from a log in which most never show it.

A caller who hangs up after waiting w shows a patience of w; one who is answered after
waiting w shows only that their patience exceeds w (right-censored). Averaging the
abandoners' waits ignores the censored ones and, when most are answered quickly, comes out
far too low: the patient callers are exactly those who were served. So each family is
fitted by maximum likelihood with censoring (log density for abandonments, log survival
for the answered): the exponential in closed form (its mean is the total time waited over
the abandonments), lognormal and gamma numerically on log-parameters, bounded, with the
exponential as the fallback. The smallest AIC chooses. The Kaplan-Meier curve, which
assumes no family, is the check: `km_distance` is the largest gap between it and the
chosen survival function over the observed waits, while enough remain at risk.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from sim.fit.handle import exponential_table, gamma_table, lognormal_table

FLOOR = 0.1  # s: an abandonment at 0 is taken at the log's resolution (finite density)
# bounds of the numerical fits, in units of the exponential mean: cv at most about 90
SIGMA_RANGE = (0.01, 3.0)
SHAPE_RANGE = (1.2e-4, 1e4)
LOG_SCALE_SPAN = 25.0  # log of the median or scale within +-25 of that of the mean
MIN_AT_RISK = 100  # the Kaplan-Meier check stops where fewer remain at risk


@dataclass(frozen=True)
class PatienceFit:
    """The chosen patience table `dist` and the evidence: `n` contacts of which `abandoned`
    hung up, AIC per family fitted, the Kaplan-Meier gap, and the naive mean of the
    abandoners' waits (reported only to show how far off it is)."""

    dist: dict
    family: str
    n: int
    abandoned: int
    aic: dict[str, float]
    km_distance: float
    naive_mean: float

    @property
    def statistic(self) -> str:
        """One line for a TOML comment: why this distribution."""
        scores = ", ".join(f"{f} {a:.1f}" for f, a in self.aic.items())
        return (f"{self.family} by censored ML (AIC {scores}), {self.abandoned:,} of "
                f"{self.n:,} abandoned, KM distance {self.km_distance:.3f} "
                f"(naive mean of abandoners' waits {self.naive_mean:.1f} s)")


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier survival curve: the distinct event times and S just after each.

    At a time with both events and censorings, the censored are still at risk (they
    survived that time), the usual convention. S is a right-continuous step function,
    1 before the first event time.
    """
    time, event = np.asarray(time, dtype=float), np.asarray(event, dtype=bool)
    unique, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=len(unique))
    leaving = np.bincount(inverse, minlength=len(unique))
    at_risk = len(time) - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    keep = deaths > 0
    survival = np.cumprod(1.0 - deaths[keep] / at_risk[keep])
    return unique[keep], survival


def _lognormal(t_event: np.ndarray, t_censored: np.ndarray) -> Callable[[np.ndarray], float]:
    log_e, log_c = np.log(t_event), np.log(t_censored)

    def negative_loglik(p: np.ndarray) -> float:
        mu, sigma = p[0], math.exp(p[1])
        events = stats.norm.logpdf((log_e - mu) / sigma) - math.log(sigma) - log_e
        return -(events.sum() + stats.norm.logsf((log_c - mu) / sigma).sum())

    return negative_loglik


def _gamma(t_event: np.ndarray, t_censored: np.ndarray) -> Callable[[np.ndarray], float]:
    def negative_loglik(p: np.ndarray) -> float:
        shape, scale = math.exp(p[0]), math.exp(p[1])
        return -(stats.gamma.logpdf(t_event, shape, scale=scale).sum()
                 + stats.gamma.logsf(t_censored, shape, scale=scale).sum())

    return negative_loglik


def _minimise(f: Callable[[np.ndarray], float], start: list[float],
              bounds: list[tuple[float, float]]) -> np.ndarray | None:
    """The bounded minimum of f, or None when the optimiser fails or gives nothing finite."""

    def finite(p: np.ndarray) -> float:
        value = f(p)
        return value if np.isfinite(value) else 1e300

    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = optimize.minimize(finite, np.array(start), method="L-BFGS-B",
                                       bounds=bounds)
    except (ValueError, ArithmeticError, RuntimeError):
        return None
    x0 = finite(np.array(start))
    if not np.all(np.isfinite(result.x)) or not result.fun < 1e300 or result.fun > x0:
        return None
    return result.x


def _families(wait: np.ndarray, abandoned: np.ndarray) -> dict[str, tuple[dict, Callable, float]]:
    """Per family: table, survival function (seconds) and AIC, in the log's own units."""
    time = np.where(abandoned, np.maximum(wait, FLOOR), np.maximum(wait, 0.0))
    d = int(abandoned.sum())
    m = float(time.sum()) / d  # exponential MLE: total time waited per abandonment
    fits: dict[str, tuple[dict, Callable, float]] = {
        "exponential": (exponential_table(m), lambda t: np.exp(-t / m),
                        2 + 2 * d * (math.log(m) + 1))}
    # on times in units of m (parameters near 1); a censoring at 0 tells nothing
    t_event = time[abandoned] / m
    t_censored = time[~abandoned & (time > 0)] / m
    jacobian = d * math.log(m)  # log density in seconds = in units of m - log m
    low, high = math.log(SIGMA_RANGE[0]), math.log(SIGMA_RANGE[1])
    p = _minimise(_lognormal(t_event, t_censored), [-0.5, 0.0],
                  [(-LOG_SCALE_SPAN, LOG_SCALE_SPAN), (low, high)])
    if p is not None:
        mu, sigma = p[0] + math.log(m), math.exp(p[1])
        fits["lognormal"] = (lognormal_table(mu, sigma),
                             lambda t: stats.lognorm.sf(t, sigma, scale=math.exp(mu)),
                             4 + 2 * float(_lognormal(t_event, t_censored)(p) + jacobian))
    low, high = math.log(SHAPE_RANGE[0]), math.log(SHAPE_RANGE[1])
    p = _minimise(_gamma(t_event, t_censored), [0.0, 0.0],
                  [(low, high), (-LOG_SCALE_SPAN, LOG_SCALE_SPAN)])
    if p is not None:
        shape, scale = math.exp(p[0]), math.exp(p[1]) * m
        fits["gamma"] = (gamma_table(shape, scale),
                         lambda t: stats.gamma.sf(t, shape, scale=scale),
                         4 + 2 * float(_gamma(t_event, t_censored)(p) + jacobian))
    return fits


def km_gap(time: np.ndarray, event: np.ndarray, survival: Callable) -> float:
    """Largest distance between the Kaplan-Meier curve and `survival` at the two sides of
    each step (a step function against a decreasing one), over the observed range while
    at least min(MIN_AT_RISK, n / 10) contacts remain at risk: beyond, the curve is noise."""
    times, km = kaplan_meier(time, event)
    at_risk = len(time) - np.searchsorted(np.sort(time), times, side="left")
    keep = at_risk >= min(MIN_AT_RISK, math.ceil(len(time) / 10))
    if not np.any(keep):
        return 0.0
    before = np.concatenate(([1.0], km[:-1]))[keep]
    fitted = survival(times[keep])
    return float(max(np.max(np.abs(km[keep] - fitted)), np.max(np.abs(before - fitted))))


def fit_patience(wait: np.ndarray, abandoned: np.ndarray) -> PatienceFit | None:
    """Patience from each contact's wait (to hang-up if `abandoned`, else to answer).

    None when no one abandoned: the log then says nothing about patience beyond that it
    exceeds every wait.
    """
    wait = np.asarray(wait, dtype=float)
    abandoned = np.asarray(abandoned, dtype=bool)
    if wait.shape != abandoned.shape or not np.all(np.isfinite(wait)):
        raise ValueError("wait and abandoned must be arrays of one length, waits finite")
    d = int(abandoned.sum())
    if d == 0:
        return None
    with np.errstate(all="ignore"):
        fits = _families(wait, abandoned)
        best = min(fits, key=lambda f: fits[f][2])
        table, survival, _ = fits[best]
        gap = km_gap(np.maximum(wait, 0.0), abandoned, survival)
    return PatienceFit(dist=table, family=best, n=len(wait), abandoned=d,
                       aic={f: round(a, 1) for f, (_, _, a) in fits.items()},
                       km_distance=round(gap, 4),
                       naive_mean=round(float(np.maximum(wait[abandoned], 0.0).mean()), 1))
