"""Field types shared by the scenario models: durations and times of day in seconds, shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from sim.model.units import parse_duration, parse_time_of_day

Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
# seconds after midnight; each field says how far it may go (a start is below 24h)
TimeOfDay = Annotated[float, BeforeValidator(parse_time_of_day), Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
