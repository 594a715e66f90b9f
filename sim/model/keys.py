"""Unknown keys in a table, each refused at its own key path with the known key closest to it
(difflib), so that a misspelling says what was meant: "unknown key (did you mean 'agents'?)".

An unknown key is refused before the rest of its table is read: the key it misspells would
otherwise be reported missing, or its table's rules broken, for the same mistake.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

LONGEST = 100  # characters of a name compared with the known ones (a longer one is no typo)


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like `name`, if one is close enough to be a misspelling of it."""
    if len(name) > LONGEST:
        return None
    matches = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return matches[0] if matches else None


def hint(name: str, known: Iterable[str], label: str = "known") -> str:
    """" (did you mean 'agents'?)", or " (known: a, b)" when no known name is close; nothing
    for a name too long to be a misspelling (a message echoes only its ends)."""
    if len(name) > LONGEST:
        return ""
    known = list(known)
    match = closest(name, known)
    return f" (did you mean {match!r}?)" if match else f" ({label}: {', '.join(known)})"


def refuse_unknown_keys(model: type[BaseModel], data: object,
                        also: tuple[str, ...] = ()) -> None:
    """ValidationError at each key of the table `data` that is neither a field of `model` (by
    its alias) nor in `also`; nothing for data that is not a table."""
    if not isinstance(data, dict):
        return
    known = _keys(model, also)
    unknown = [key for key in data if key not in known]
    if unknown:
        raise ValidationError.from_exception_data(model.__name__, [
            InitErrorDetails(type=PydanticCustomError("unknown_key", "unknown key{hint}",
                                                      {"hint": hint(str(key), known)}),
                             loc=(key if isinstance(key, str | int) else str(key),),
                             input=data[key])
            for key in unknown])


@cache
def _keys(model: type[BaseModel], also: tuple[str, ...]) -> tuple[str, ...]:
    """A model's keys in the order of its fields (a scenario is validated often: a sweep's
    every point)."""
    return (*(field.alias or name for name, field in model.model_fields.items()), *also)
