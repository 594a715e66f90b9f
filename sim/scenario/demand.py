"""Demand: how many needs arrive, who has them, and events that add more."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.model.distributions import Distribution, LogNormal
from sim.model.fields import PositiveDuration, Share, TimeOfDay
from sim.model.units import DAY, HOUR
from sim.scenario.base import Strict

ByRegion = Share | dict[str, Share]  # one value, or one per region
Weight = Annotated[float, Field(ge=0)]

# facts: "followers of active Twitter accounts: median about 61 ... (lognormal, median 61,
# sigma about 1.6 fits)"
DEFAULT_FOLLOWERS = LogNormal(dist="lognormal", median=61.0, sigma=1.6)


class Volume(Strict):
    """Arrivals per hour (`per_hour`), or a `daily` volume spread by an intraday `profile`
    with one weight per reporting interval of the day; `weekdays` scales day k of the
    horizon (k mod 7; day 0 starts at t=0, the warm-up's last day is weekdays[6])."""

    per_hour: Annotated[float, Field(gt=0)] | None = None
    daily: Annotated[float, Field(gt=0)] | None = None
    profile: Annotated[list[Weight], Field(min_length=1)] | None = None
    weekdays: Annotated[list[Weight], Field(min_length=7, max_length=7)] | None = None

    @model_validator(mode="after")
    def _one_volume(self) -> Volume:
        _check_volume(self)
        return self

    @property
    def mean_rate(self) -> float:
        """Arrivals per second, averaged over a week."""
        rate = self.per_hour / HOUR if self.per_hour is not None else self.daily / DAY
        return rate * (sum(self.weekdays) / 7 if self.weekdays else 1.0)

    def peak_rate(self, interval: float) -> float:
        """The largest arrival rate (per second) of any interval."""
        rate = self.per_hour / HOUR if self.per_hour is not None else self.daily / DAY
        if self.profile is not None:
            rate = self.daily * max(self.profile) / sum(self.profile) / interval
        return rate * (max(self.weekdays) if self.weekdays else 1.0)


def _check_volume(v: Volume) -> None:
    if (v.per_hour is None) == (v.daily is None):
        raise ValueError("give exactly one of per_hour or daily")
    if v.profile is not None:
        if v.daily is None:
            raise ValueError("profile: goes with daily, not per_hour")
        if sum(v.profile) <= 0:
            raise ValueError("profile: the weights sum to zero")
        if not math.isfinite(sum(v.profile) * v.daily):
            raise ValueError("profile: daily x the sum of the weights overflows (only the "
                             "weights' ratios matter: scale them down)")
    if v.weekdays is not None and not 0 < sum(v.weekdays) < math.inf:
        raise ValueError("weekdays: the factors sum to zero")


class Demand(Volume):
    """The volume of all needs, each contact's channel drawn from the choice tables; or
    `channels`: each channel's own volume of first contacts (as a contact log shows it).
    One or the other: a file with both would not say which volume is the real one."""

    channels: Annotated[dict[str, Volume], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _one_volume(self) -> Demand:
        if self.channels is None:
            _check_volume(self)
        return self  # with channels, the scenario refuses a volume for all needs beside them

    def volume_keys(self) -> list[str]:
        """The keys of a volume for all needs that the file gives."""
        return [k for k in ("per_hour", "daily", "profile", "weekdays")
                if getattr(self, k) is not None]

    def volumes(self) -> dict[str | None, Volume]:
        """Each arrival stream's volume: one per channel, or None for all needs."""
        return dict(self.channels) if self.channels is not None else {None: self}

    @property
    def mean_rate(self) -> float:
        if self.channels is None:
            return super().mean_rate
        return sum(v.mean_rate for v in self.channels.values())


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
    """An outage: from `start` (after t=0, midnight: "09:30" on the first day, "2d9h30min" on
    the third) for `length`, needs with `reason` arrive `multiplier` times as often as usual."""

    kind: Literal["outage"] = "outage"
    start: TimeOfDay
    length: PositiveDuration
    multiplier: Annotated[float, Field(ge=1)]
    reason: str = "outage"
