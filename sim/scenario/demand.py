"""Demand: how many needs arrive, who has them, and events that add more."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.model.distributions import Distribution, LogNormal
from sim.model.fields import Duration, PositiveDuration, Share
from sim.scenario.base import Strict

ByRegion = Share | dict[str, Share]  # one value, or one per region

# facts: "followers of active Twitter accounts: median about 61 ... (lognormal, median 61,
# sigma about 1.6 fits)"
DEFAULT_FOLLOWERS = LogNormal(dist="lognormal", median=61.0, sigma=1.6)


class Demand(Strict):
    """Needs per hour (`per_hour`), or a `daily` volume spread by an intraday `profile`
    with one weight per reporting interval of the day."""

    per_hour: Annotated[float, Field(gt=0)] | None = None
    daily: Annotated[float, Field(gt=0)] | None = None
    profile: Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_volume(self) -> Demand:
        if (self.per_hour is None) == (self.daily is None):
            raise ValueError("give exactly one of per_hour or daily")
        if self.profile is not None:
            if self.daily is None:
                raise ValueError("profile: goes with daily, not per_hour")
            if sum(self.profile) <= 0:
                raise ValueError("profile: the weights sum to zero")
            if not math.isfinite(sum(self.profile) * self.daily):
                raise ValueError("profile: daily x the sum of the weights overflows (only the "
                                 "weights' ratios matter: scale them down)")
        return self


class Needs(Strict):
    """Who has the needs: shares of reasons and regions, which customers use Twitter, their
    followers, and the share of needs a FAQ or self-service resolves before any contact."""

    reasons: Annotated[dict[str, Share], Field(min_length=1)] = Field(
        default_factory=lambda: {"general": 1.0})
    regions: Annotated[dict[str, Share], Field(min_length=1)] = Field(
        default_factory=lambda: {"all": 1.0})
    twitter_users: ByRegion = 1.0
    followers: Distribution = DEFAULT_FOLLOWERS
    self_service: ByRegion = 0.0

    def by_region(self, field: str, region: str) -> float:
        value = getattr(self, field)
        return value if isinstance(value, float) else value[region]


class Event(Strict):
    """An outage: from `start` (seconds after t=0) for `length`, needs with `reason`
    arrive `multiplier` times as often as usual."""

    kind: Literal["outage"] = "outage"
    start: Duration
    length: PositiveDuration
    multiplier: Annotated[float, Field(ge=1)]
    reason: str = "outage"
