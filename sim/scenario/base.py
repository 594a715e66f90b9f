"""The base of every scenario model: unknown keys (with the closest known one), coercion, NaN
and inf are refused."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.model.keys import refuse_unknown_keys

Count = Annotated[int, Field(ge=0)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if cls.model_config.get("extra") == "forbid":  # a table with options takes any key
            refuse_unknown_keys(cls, data)
        return data
