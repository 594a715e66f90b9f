"""Distributions of durations, drawn by inverse transform so that each customer keeps its quantile.

Every distribution maps uniforms to values with a vectorised `ppf`: a
customer's uniform comes from a named stream, so two scenarios that differ
in a channel's handle-time distribution still give that customer the same
quantile (common random numbers). Each knows its mean and variance, so tests
can compare what was sampled with what was asked. A plain duration ("4min", 240) where a
distribution is asked is a fixed time: the deterministic distribution.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from scipy import special

from sim.model.fields import Duration, PositiveDuration
from sim.model.keys import refuse_unknown_keys
from sim.model.units import parse_duration

# Spreads are bounded so that the arithmetic stays finite (beyond them a distribution is a
# point, or all its mass sits at 0): cv 1e-6 to 100, gamma shape the same range (1e-4 to
# 1e12), lognormal sigma up to 10.
MIN_CV, MAX_CV, MAX_SIGMA = 1e-6, 100.0, 10.0
Cv = Annotated[float, Field(ge=MIN_CV, le=MAX_CV)]
TABLE = ('a table such as { dist = "exponential", mean = "4min" } (dist: exponential, '
         "lognormal, gamma, deterministic, empirical)")


class _Dist(BaseModel):
    """Each subclass has a `mean` (a field or a property), a `variance` and a `ppf`."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)
    _also_keys: ClassVar[tuple[str, ...]] = ()  # keys a subclass's validator turns into fields

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        refuse_unknown_keys(cls, data, cls._also_keys)
        return data

    @property
    def variance(self) -> float:
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Values at quantiles `u` in [0, 1)."""
        raise NotImplementedError


class Exponential(_Dist):
    dist: Literal["exponential"]
    mean: PositiveDuration

    @property
    def variance(self) -> float:
        return self.mean**2

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return -self.mean * np.log1p(-u)


class Deterministic(_Dist):
    dist: Literal["deterministic"]
    value: Duration

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def ppf(self, u: np.ndarray) -> np.ndarray:
        return np.full(np.shape(u), self.value)


class _MeanAndSpread(_Dist):
    """A positive distribution given by its mean and either its cv or its own shape parameter."""

    mean: PositiveDuration
    cv: Cv | None = None
    _spread: ClassVar[str]  # the subclass's own spread parameter, the alternative to cv

    @model_validator(mode="after")
    def _one_spread(self) -> _MeanAndSpread:
        if (self.cv is None) == (getattr(self, self._spread) is None):
            raise ValueError(f"give exactly one of cv or {self._spread}")
        return self

    @property
    def variance(self) -> float:
        return (self._cv() * self.mean) ** 2

    def _cv(self) -> float:
        raise NotImplementedError


class LogNormal(_MeanAndSpread):
    """Given by its mean, or by its `median` (as follower counts are reported), with cv or
    sigma."""

    dist: Literal["lognormal"]
    sigma: Annotated[float, Field(gt=0, le=MAX_SIGMA)] | None = None
    _spread = "sigma"
    _also_keys = ("median",)

    @model_validator(mode="before")
    @classmethod
    def _median_to_mean(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "median" not in data:
            return data
        data = dict(data)
        if "mean" in data:
            raise ValueError("give mean or median, not both")
        median = parse_duration(data.pop("median"))
        sigma, cv = data.get("sigma"), data.get("cv")
        spread = sigma if sigma is not None else cv
        if not isinstance(spread, int | float) or not median > 0:
            raise ValueError("median needs a positive value and a cv or sigma")
        # out of range, the spread's own field says so; clipped here only to stay finite
        if sigma is None:
            spread = math.sqrt(math.log1p(min(abs(cv), MAX_CV) ** 2))
        data["mean"] = median * math.exp(min(abs(spread), MAX_SIGMA) ** 2 / 2)
        return data

    def _sigma(self) -> float:
        return self.sigma if self.sigma is not None else math.sqrt(math.log1p(self.cv**2))

    def _cv(self) -> float:
        return self.cv if self.cv is not None else math.sqrt(math.expm1(self.sigma**2))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        sigma = self._sigma()
        mu = math.log(self.mean) - sigma**2 / 2
        return np.exp(mu + sigma * special.ndtri(u))


class Gamma(_MeanAndSpread):
    dist: Literal["gamma"]
    shape: Annotated[float, Field(ge=MAX_CV**-2, le=MIN_CV**-2)] | None = None
    _spread = "shape"

    def _shape(self) -> float:
        return self.shape if self.shape is not None else self.cv**-2

    def _cv(self) -> float:
        return self.cv if self.cv is not None else self.shape**-0.5

    def ppf(self, u: np.ndarray) -> np.ndarray:
        k = self._shape()
        return special.gammaincinv(k, u) * (self.mean / k)


class Empirical(_Dist):
    """Equally likely observed values (e.g. handle times from a log)."""

    dist: Literal["empirical"]
    values: Annotated[list[Duration], Field(min_length=1)]

    @model_validator(mode="after")
    def _non_negative(self) -> Empirical:
        if min(self.values) < 0:
            raise ValueError("values must not be negative")
        return self

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:
        return float(np.var(self.values))

    def ppf(self, u: np.ndarray) -> np.ndarray:
        values = np.asarray(self.values, dtype=float)
        index = np.minimum((np.asarray(u) * len(values)).astype(np.int64), len(values) - 1)
        return values[index]


def _fixed_time(value: object) -> object:
    """A table as it is; a plain duration as the deterministic distribution; else the forms."""
    if isinstance(value, _Dist) or (isinstance(value, dict) and "dist" in value):
        return value
    if isinstance(value, dict):
        raise ValueError(f"a distribution table needs dist: {TABLE}")
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(f'should be a duration (a fixed time, e.g. "4min") or {TABLE}')
    try:
        seconds = parse_duration(value)
    except ValueError as err:
        raise ValueError(f"{err}; or {TABLE}") from None
    if not 0 <= seconds < math.inf:
        raise ValueError("a fixed time should be finite and greater than or equal to 0")
    return {"dist": "deterministic", "value": seconds}


Distribution = Annotated[
    Exponential | LogNormal | Gamma | Deterministic | Empirical, Field(discriminator="dist"),
    BeforeValidator(_fixed_time),
]
