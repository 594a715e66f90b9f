"""Pools: agents with the same skills and schedule."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from sim.model.fields import Duration, PositiveDuration
from sim.model.units import DAY
from sim.scenario.base import Strict

MAX_AGENTS = 100_000  # on one count: each agent is an object in the run
Agents = Annotated[int, Field(ge=0, le=MAX_AGENTS)]


class Shift(Strict):
    start: Duration  # time of day
    length: PositiveDuration
    count: Agents

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
    agents: Agents | Annotated[list[Agents], Field(min_length=1)] | None = None
    shifts: Annotated[list[Shift], Field(min_length=1)] | None = None
    cost_per_hour: Annotated[float, Field(ge=0)] = 0.0

    @model_validator(mode="after")
    def _one_schedule(self) -> Pool:
        if (self.agents is None) == (self.shifts is None):
            raise ValueError("give exactly one of agents or shifts")
        if len(set(self.skills)) != len(self.skills):
            raise ValueError("skills: a channel is named twice")
        return self
