"""Handle times from a log: a named family when one fits, else the observed distribution.

Criterion. Exponential, lognormal and gamma are fitted by maximum likelihood with the
location fixed at 0 (for the exponential, the mean). The family with the smallest AIC is
chosen, and kept when its Kolmogorov-Smirnov distance D to the data is at most
max(1.63 / sqrt(n), 0.03): 1.63 / sqrt(n) is the 1% critical value of D, and the floor of
0.03 keeps a nearly right family for a very large log, where any small misfit is
"significant" but would not change what the simulator says. Otherwise the handle time is
the empirical distribution (at most 1,000 equally spaced sample quantiles, to 0.1 s).

A named family is preferred because it is short, readable and extrapolates smoothly; the
empirical fallback keeps a bimodal or otherwise odd shape that no family would. Durations
of 0 or less (logging artefacts, or contacts closed at once) have no likelihood under
these families: they are left out of the parametric fits, counted in `dropped`, and kept in
the empirical distribution (negatives as 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.fit.volume import significant
from sim.model.distributions import MAX_CV, MIN_CV

KS_CRITICAL = 1.63  # 1% critical value of sqrt(n) D for large n
KS_FLOOR = 0.03
MAX_EMPIRICAL = 1000
FAMILIES = ("exponential", "lognormal", "gamma")


@dataclass(frozen=True)
class DurationFit:
    """The scenario table `dist` and how it was chosen.

    `n` counts all values, `dropped` the non-positive ones left out of the parametric fits;
    `aic` has one entry per family that could be fitted, `ks` is the KS distance of the
    family with the smallest AIC (NaN when none could be fitted).
    """

    dist: dict
    family: str
    n: int
    dropped: int
    aic: dict[str, float]
    ks: float

    @property
    def statistic(self) -> str:
        """One line for a TOML comment: why this distribution."""
        best = min(self.aic, key=self.aic.get) if self.aic else None
        scores = ", ".join(f"{f} {a:.1f}" for f, a in self.aic.items())
        n = f"n = {self.n:,}" + (f" ({self.dropped:,} not positive)" if self.dropped else "")
        if self.family != "empirical":
            return f"{self.family} by AIC ({scores}), KS D = {self.ks:.3f}, {n}"
        if best is None:
            return f"empirical (no positive duration to fit a family), {n}"
        limit = ks_limit(self.n - self.dropped)
        return (f"empirical: {best} best by AIC ({scores}) but KS D = {self.ks:.3f} "
                f"> {limit:.3f}, {n}")


def ks_limit(n: int) -> float:
    """The largest KS distance at which a fitted family is kept."""
    return max(KS_CRITICAL / math.sqrt(n), KS_FLOOR)


def _cv(cv: float) -> float:
    return significant(min(max(cv, MIN_CV), MAX_CV))


def exponential_table(mean: float) -> dict:
    return {"dist": "exponential", "mean": significant(mean)}


def lognormal_table(mu: float, sigma: float) -> dict:
    """The simulator's lognormal (mean and cv) from the parameters of log(x)."""
    return {"dist": "lognormal", "mean": significant(math.exp(mu + sigma**2 / 2)),
            "cv": _cv(math.sqrt(math.expm1(sigma**2)))}


def gamma_table(shape: float, scale: float) -> dict:
    """The simulator's gamma (mean and cv = shape^-1/2)."""
    return {"dist": "gamma", "mean": significant(shape * scale), "cv": _cv(shape**-0.5)}


def empirical_table(values: np.ndarray) -> dict:
    """At most MAX_EMPIRICAL equally spaced sample quantiles (midpoints), to 0.1 s."""
    values = np.sort(np.maximum(values, 0.0))
    if len(values) > MAX_EMPIRICAL:
        values = np.quantile(values, (np.arange(MAX_EMPIRICAL) + 0.5) / MAX_EMPIRICAL)
    return {"dist": "empirical", "values": [round(float(v), 1) for v in values]}


def _fits(x: np.ndarray) -> dict[str, tuple[dict, stats.rv_continuous, float]]:
    """Per family: its table, the frozen scipy distribution and its AIC."""
    mean = float(x.mean())
    expon = stats.expon(scale=mean)
    fits = {"exponential": (exponential_table(mean), expon,
                            2 - 2 * float(expon.logpdf(x).sum()))}
    if np.ptp(x) > 0:  # a spread: the two-parameter families have a finite likelihood
        sigma, _, scale = stats.lognorm.fit(x, floc=0)
        lognorm = stats.lognorm(sigma, scale=scale)
        fits["lognormal"] = (lognormal_table(math.log(scale), sigma), lognorm,
                             4 - 2 * float(lognorm.logpdf(x).sum()))
        shape, _, scale = stats.gamma.fit(x, floc=0)
        gamma = stats.gamma(shape, scale=scale)
        fits["gamma"] = (gamma_table(shape, scale), gamma, 4 - 2 * float(gamma.logpdf(x).sum()))
    return fits


def fit_duration(values: np.ndarray) -> DurationFit:
    """The handle-time distribution of `values` (seconds), by the criterion above."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0 or not np.all(np.isfinite(values)):
        raise ValueError("fit_duration needs one or more finite durations")
    x = values[values > 0]
    dropped = len(values) - len(x)
    if len(x) == 0:
        return DurationFit(empirical_table(values), "empirical", len(values), dropped, {},
                           math.nan)
    with np.errstate(all="ignore"):
        fits = _fits(x)
    aic = {f: round(fits[f][2], 1) for f in FAMILIES if f in fits}
    best = min(fits, key=lambda f: fits[f][2])
    table, frozen, _ = fits[best]
    ks = float(stats.kstest(x, frozen.cdf).statistic)
    if ks > ks_limit(len(x)):
        return DurationFit(empirical_table(values), "empirical", len(values), dropped, aic, ks)
    return DurationFit(table, best, len(values), dropped, aic, ks)
