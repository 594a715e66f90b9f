"""A pool's roster table: the shift templates (starts x lengths, breaks included) that
`sim staff` chooses from, validated at the edge like every key.

Cross-field problems (a break against the shortest length, windows out of order) are
reported at the break's own key (`breaks.1`), so the file's author sees which one.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from sim.model.fields import Duration, PositiveDuration, TimeOfDay
from sim.model.units import DAY
from sim.scenario.base import Strict

MAX_TEMPLATES = 5_000  # starts x lengths: each is a column of the integer program


def compound_duration(seconds: float) -> str:
    """"7h30min", "15min", "0s": the form the scenario files read back exactly."""
    whole = round(seconds)
    if abs(seconds - whole) > 1e-9:
        return f"{seconds:.15g}s"
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "min"), (secs, "s"))
                   if n)
    return text or "0s"


def _below_a_day(v: float) -> float:
    if v >= DAY:
        raise ValueError("a shift starts at a time of day below 24h (00:00 to 23:59)")
    return v


def _at_most_a_day(v: float) -> float:
    if v > DAY:
        raise ValueError("a shift lasts at most 24h")
    return v


ShiftStart = Annotated[TimeOfDay, AfterValidator(_below_a_day)]
ShiftLength = Annotated[PositiveDuration, AfterValidator(_at_most_a_day)]


class StartRange(Strict):
    """Starts `from`, `from + every`, ... up to `to` (inclusive). Dumped as `from`, so that a
    scenario written back reads again."""

    model_config = ConfigDict(**Strict.model_config, serialize_by_alias=True)
    first: ShiftStart = Field(alias="from")
    to: ShiftStart
    every: PositiveDuration

    @model_validator(mode="after")
    def _ordered(self) -> StartRange:
        if self.first > self.to:
            raise ValueError(f"from ({compound_duration(self.first)}) is after "
                             f"to ({compound_duration(self.to)})")
        return self

    def times(self) -> list[float]:
        n = math.floor((self.to - self.first) / self.every + 1e-9) + 1
        return [self.first + i * self.every for i in range(n)]


class Break(Strict):
    """A break of `length` that lies between `earliest` and `latest` after the shift start."""

    length: PositiveDuration
    earliest: Duration
    latest: PositiveDuration

    @model_validator(mode="after")
    def _fits_window(self) -> Break:
        if self.earliest + self.length > self.latest:
            raise ValueError(f"a break that does not fit in its window: "
                             f"{compound_duration(self.length)} from "
                             f"{compound_duration(self.earliest)} ends after "
                             f"{compound_duration(self.latest)}")
        return self


def _starts_kind(v: object) -> str | None:
    if isinstance(v, list):
        return "list[times]"
    return "dict[range]" if isinstance(v, dict | StartRange) else None


# The tags are named like pydantic's own list/dict branches, which the loader's key path
# leaves out: a bad start reads `roster.starts.2`, a bad table key `roster.starts.every`.
Starts = Annotated[
    Annotated[Annotated[list[ShiftStart], Field(min_length=1)], Tag("list[times]")]
    | Annotated[StartRange, Tag("dict[range]")],
    Discriminator(_starts_kind, custom_error_type="starts",
                  custom_error_message="should be a list of times of day or a table "
                                       "{ from, to, every }"),
]


class Roster(Strict):
    """Every shift starts at one of `starts` and lasts one of `lengths` (paid, breaks
    included), with every listed break; at most `max_agents` shifts a day."""

    starts: Starts
    lengths: Annotated[list[ShiftLength], Field(min_length=1)]
    breaks: list[Break] = Field(default_factory=list)
    max_agents: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Roster:
        problems = list(self._problems())
        if problems:
            raise ValidationError.from_exception_data("Roster", [
                InitErrorDetails(type=PydanticCustomError("roster", message), loc=loc,
                                 input=None)
                for loc, message in problems])
        return self

    def _problems(self) -> Iterator[tuple[tuple[str | int, ...], str]]:
        """(key path inside the roster, reason) of each problem across keys."""
        if isinstance(self.starts, list) and len(set(self.starts)) < len(self.starts):
            yield ("starts",), "a start is listed twice"
        if len(set(self.lengths)) < len(self.lengths):
            yield ("lengths",), "a length is listed twice"
        n = len(self.start_times()) * len(self.lengths)
        if n > MAX_TEMPLATES:
            yield (), (f"{len(self.start_times()):,} starts x {len(self.lengths)} lengths "
                       f"make {n:,} shift templates, more than {MAX_TEMPLATES:,}: give "
                       "fewer starts (a larger every) or fewer lengths")
        shortest = min(self.lengths)
        for k, b in enumerate(self.breaks):
            if b.latest > shortest:
                yield ("breaks", k), (
                    f"a break that does not fit in the shift: its window ends "
                    f"{compound_duration(b.latest)} after the start, after the shortest "
                    f"shift ({compound_duration(shortest)}) ends")
            elif k and self.breaks[k - 1].latest > b.earliest:
                yield ("breaks", k), (
                    f"break windows must be in order and disjoint, so an agent's breaks "
                    f"never overlap: this one opens at {compound_duration(b.earliest)}, "
                    f"before the previous one closes at "
                    f"{compound_duration(self.breaks[k - 1].latest)}")

    def start_times(self) -> list[float]:
        """The start times of day, in seconds, in the file's order."""
        return self.starts.times() if isinstance(self.starts, StartRange) \
            else list(self.starts)

    def shift_lengths(self) -> list[float]:
        """The shift lengths, in seconds, breaks included."""
        return list(self.lengths)
