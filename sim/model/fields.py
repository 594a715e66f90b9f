"""Field types shared by the scenario models: durations in seconds and shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from sim.model.units import parse_duration

Duration = Annotated[float, BeforeValidator(parse_duration), Field(ge=0)]
PositiveDuration = Annotated[float, BeforeValidator(parse_duration), Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
