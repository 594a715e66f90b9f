"""Changes to a scenario's data by dotted key (`pools.phone.agents`, `needs.twitter_users.US`):
how `sim.load(file, set=...)` and every point of a sweep change a file before it is validated
again. Pure functions on the TOML dict, no I/O."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

_KEY_PART = re.compile(r"^[A-Za-z0-9_-]+$")


def is_key(key: object) -> bool:
    """A dotted key path: parts of letters, digits, _ and -, separated by dots."""
    return isinstance(key, str) and all(_KEY_PART.match(part) for part in key.split("."))


def plain(value: object) -> object:
    """`value` as plain Python: a numpy number (from a range or an array) becomes an int or a
    float, which the scenario's strict fields take."""
    return value.item() if hasattr(value, "item") and hasattr(value, "dtype") else value


def apply(data: dict[str, Any], changes: Mapping[str, object]) -> dict[str, Any]:
    """A deep copy of `data` with every dotted key of `changes` set, tables made as needed.
    ValueError if a key is not a dotted key path or goes through a value that is not a
    table."""
    out = copy.deepcopy(data)
    for key, value in changes.items():
        if not is_key(key):
            raise ValueError(f"{key!r} is not a dotted key path (parts are letters, digits, _ "
                             "and -, separated by dots)")
        parts = key.split(".")
        table = out
        for depth, part in enumerate(parts[:-1]):
            table = table.setdefault(part, {})
            if not isinstance(table, dict):
                where = ".".join(parts[:depth + 1])
                raise ValueError(f"{key}: {where} is {table!r}, not a table")
        table[parts[-1]] = copy.deepcopy(plain(value))
    return out


def label(changes: Mapping[str, object]) -> str:
    """`key=value, key=value`: changes as a person reads them (in error messages)."""
    return ", ".join(f"{k}={v}" for k, v in changes.items())
