"""Pools: agents with the same skills and schedule."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.model.fields import Duration, PositiveDuration
from sim.scenario.base import Strict
from sim.scenario.roster import Roster, ShiftLength, ShiftStart, compound_duration

MAX_AGENTS = 100_000  # on one count: each agent is an object in the run
Agents = Annotated[int, Field(ge=0, le=MAX_AGENTS)]


class Break(Strict):
    """A break `at` a time after the shift start: the agent takes no new contact then, and
    finishes the one in hand first."""

    at: Duration
    length: PositiveDuration


class Shift(Strict):
    """`count` agents from `start` (a time of day) for `length`, every day; `breaks` in
    order, each inside the shift (paid, but off duty)."""

    start: ShiftStart
    length: ShiftLength
    count: Agents
    breaks: list[Break] = Field(default_factory=list)

    @model_validator(mode="after")
    def _breaks_inside(self) -> Shift:
        problems = list(self._break_problems())
        if problems:  # reported at the break's own key (`breaks.1`), like a roster's
            raise ValidationError.from_exception_data("Shift", [
                InitErrorDetails(type=PydanticCustomError("break", message),
                                 loc=("breaks", k), input=None)
                for k, message in problems])
        return self

    def _break_problems(self) -> Iterator[tuple[int, str]]:
        end = 0.0
        for k, b in enumerate(self.breaks):
            if b.at + b.length > self.length + 1e-9:
                yield k, (f"a break that does not fit in the shift: it ends "
                          f"{compound_duration(b.at + b.length)} after the start, past the "
                          f"shift's {compound_duration(self.length)}")
            elif b.at < end - 1e-9:
                yield k, (f"starts at {compound_duration(b.at)}, before the previous break ends "
                          f"at {compound_duration(end)}: list a shift's breaks in order, "
                          "without overlaps")
            end = max(end, b.at + b.length)


class PoolCaps(Strict):
    """Upper limits `sim staff` meets per pool: `occupancy`, the busy share of time on duty."""

    occupancy: Annotated[float, Field(gt=0, le=1)] | None = None


class Pool(Strict):
    """Agents with the same skills and schedule: `agents` (a number, or one per interval) or
    `shifts`, all scheduled agents: `shrinkage` is the share of their time not available for
    contacts. `roster` lists the shifts `sim staff` may choose from; `caps` its limits."""

    skills: Annotated[list[str], Field(min_length=1)]
    agents: Agents | Annotated[list[Agents], Field(min_length=1)] | None = None
    shifts: Annotated[list[Shift], Field(min_length=1)] | None = None
    cost_per_hour: Annotated[float, Field(ge=0)] = 0.0
    shrinkage: Annotated[float, Field(ge=0, lt=1)] = 0.0
    caps: PoolCaps | None = None
    roster: Roster | None = None

    @model_validator(mode="after")
    def _one_schedule(self) -> Pool:
        if (self.agents is None) == (self.shifts is None):
            raise ValueError("give exactly one of agents or shifts")
        if len(set(self.skills)) != len(self.skills):
            raise ValueError("skills: a channel is named twice")
        return self
