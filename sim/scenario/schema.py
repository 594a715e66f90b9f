"""The scenario-file contract as pydantic models: every key, its type and its meaning.

Validated once, here; the engine trusts what it is given. Field names are
the TOML keys and the names used in output columns. Times of day (shift
starts, opening hours) count from t=0, the end of the warm-up, which is
midnight: daily patterns repeat every 24 h and the warm-up runs through the
end of the previous day.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.model.distributions import Distribution
from sim.model.fields import Duration, PositiveDuration, Share
from sim.model.units import DAY, HOUR, format_duration
from sim.policies import policy_class

Count = Annotated[int, Field(ge=0)]
SHARE_TOLERANCE = 1e-6
MAX_CHANNELS = 100  # channel codes are int8 in the records
MAX_CONTACTS = 50_000_000  # per replication: beyond this memory, not patience, runs out


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class Target(Strict):
    """Service-level target: `share` of contacts answered within `within`."""

    within: Duration
    share: Annotated[float, Field(gt=0, le=1)] = 0.8


class Hours(Strict):
    """Daily opening hours: agents take this channel's contacts only between `open` and `close`."""

    open: Duration
    close: Duration

    @model_validator(mode="after")
    def _within_a_day(self) -> Hours:
        if not (self.open < DAY and 0 < self.close <= DAY and self.open != self.close):
            raise ValueError("open and close are times of day (0 to 24h) and must differ")
        return self

    def is_open(self, t: float) -> bool:
        tod = t % DAY
        if self.open < self.close:
            return self.open <= tod < self.close
        return tod >= self.open or tod < self.close  # open past midnight


class Channel(Strict):
    kind: Literal["realtime", "deferred", "public"]
    handle_time: Distribution
    patience: Distribution | None = None  # absent: nobody abandons
    target: Target | None = None
    concurrency: Annotated[int, Field(ge=1)] = 1  # sessions an agent holds at once (chat)
    concurrency_slowdown: Annotated[float, Field(ge=0)] = 0.0  # each extra session slows all
    hours: Hours | None = None  # absent: open around the clock
    backlog: Count = 0  # contacts already waiting at the start of the warm-up

    @model_validator(mode="after")
    def _kind_rules(self) -> Channel:
        if self.kind != "realtime" and self.patience is not None:
            raise ValueError(f"patience: a {self.kind} channel has no abandonment; remove it")
        return self


class Shift(Strict):
    start: Duration  # time of day
    length: PositiveDuration
    count: Count

    @field_validator("start")
    @classmethod
    def _time_of_day(cls, v: float) -> float:
        if v >= DAY:
            raise ValueError("a shift starts at a time of day, below 24h")
        return v

    @field_validator("length")
    @classmethod
    def _at_most_a_day(cls, v: float) -> float:
        if v > DAY:
            raise ValueError("a shift lasts at most 24h")
        return v


class Pool(Strict):
    """Agents with the same skills and schedule: `agents` (a number, or one per interval) or
    `shifts`."""

    skills: Annotated[list[str], Field(min_length=1)]
    agents: Count | Annotated[list[Count], Field(min_length=1)] | None = None
    shifts: Annotated[list[Shift], Field(min_length=1)] | None = None
    cost_per_hour: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _one_schedule(self) -> Pool:
        if (self.agents is None) == (self.shifts is None):
            raise ValueError("give exactly one of agents or shifts")
        if len(set(self.skills)) != len(self.skills):
            raise ValueError("skills: a channel is named twice")
        return self


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
        return self


class PolicySpec(Strict):
    """A registered routing policy and its options."""

    model_config = ConfigDict(extra="allow", frozen=True)
    name: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Scenario(Strict):
    name: str  # also the default results folder
    horizon: PositiveDuration
    warmup: Duration = 0.0
    interval: PositiveDuration = 1800.0
    policy: PolicySpec = PolicySpec(name="fifo")
    demand: Demand
    choice: dict[Literal["default"], dict[str, Share]]
    channels: Annotated[dict[str, Channel], Field(min_length=1, max_length=MAX_CHANNELS)]
    pools: Annotated[dict[str, Pool], Field(min_length=1)]

    @field_validator("name")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", v):
            raise ValueError("use letters, digits, '-', '_' and '.' only (it names a folder)")
        return v

    @field_validator("policy", mode="before")
    @classmethod
    def _policy_by_name(cls, v: object) -> object:
        return {"name": v} if isinstance(v, str) else v

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        channels = set(self.channels)
        known = ", ".join(sorted(channels))
        for table, shares in self.choice.items():
            for ch in shares:
                if ch not in channels:
                    raise ValueError(f"choice.{table}.{ch}: names no channel (channels: {known})")
            total = sum(shares.values())
            if not math.isclose(total, 1.0, abs_tol=SHARE_TOLERANCE):
                raise ValueError(f"choice.{table}: shares sum to {total:g}, not 1")
        for name, pool in self.pools.items():
            for ch in pool.skills:
                if ch not in channels:
                    raise ValueError(
                        f"pools.{name}.skills: {ch!r} names no channel (channels: {known})"
                    )
            if isinstance(pool.agents, list) and self.interval * len(pool.agents) > DAY:
                raise ValueError(
                    f"pools.{name}.agents: {len(pool.agents)} intervals of "
                    f"{format_duration(self.interval)} cover more than a day"
                )
        d = self.demand
        expected = (d.per_hour / HOUR if d.per_hour else d.daily / DAY) * (
            self.horizon + self.warmup)
        if expected > MAX_CONTACTS:
            key = "per_hour" if d.per_hour else "daily"
            raise ValueError(
                f"demand.{key}: about {expected:,.0f} needs per replication over warm-up and "
                f"horizon, more than {MAX_CONTACTS:,} (shorten the horizon or the rate)"
            )
        profile = self.demand.profile
        if profile is not None and not math.isclose(len(profile) * self.interval, DAY):
            raise ValueError(
                f"demand.profile: {len(profile)} weights of {format_duration(self.interval)} "
                f"do not cover a day ({DAY / self.interval:g} needed)"
            )
        try:
            policy = policy_class(self.policy.name)
        except ValueError as err:
            raise ValueError(f"policy: {err}") from None
        try:
            policy.validate_options(self.policy.options)
        except ValueError as err:
            raise ValueError(f"policy.{err}") from None
        return self
