"""The points of a sweep: `--set KEY=VALUES` strings expanded to a cartesian product, and each
point a dict of dotted key -> value, applied to a scenario's data by
sim.scenario.changes. Pure functions, no I/O.

VALUES is either an inclusive numeric range `a:b:step` (ints if a, b and step are all ints)
or a comma-separated list `x,y,z`; each list item is read as a TOML scalar where it can be
(`40`, `0.08`, `true`, `"6min"`) and kept as a plain string otherwise (`survey-2010`, `6min`).
KEY is a dotted scenario path, e.g. `pools.phone.agents` or `needs.twitter_users.US`.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from decimal import Decimal, InvalidOperation

from sim.scenario.changes import is_key

MAX_POINTS = 10_000
_INT = re.compile(r"^[+-]?\d+$")


def expand(sets: list[str]) -> list[dict[str, object]]:
    """The points of the product of every `--set KEY=VALUES`, in a stable order: the first key
    varies slowest, the last fastest, each key's values in the order given. Each point maps
    every key, in `--set` order, to one value. ValueError (naming the --set) on bad syntax."""
    if not sets:
        raise ValueError("--set: give at least one KEY=VALUES (e.g. pools.phone.agents=40:60:2)")
    axes: dict[str, list[object]] = {}
    for text in sets:
        key, values = parse_set(text)
        if key in axes:
            raise ValueError(f"--set {text}: {key} is set twice; give its values in one --set")
        axes[key] = values
    return product(axes)


def product(axes: dict[str, list[object]]) -> list[dict[str, object]]:
    """The points of the cartesian product of `axes` (key -> its values), the first key
    slowest; ValueError if there are more than MAX_POINTS."""
    count = 1
    for values in axes.values():
        count *= len(values)
    if count > MAX_POINTS:
        raise ValueError(f"{count:,} points, more than {MAX_POINTS:,}; sweep fewer values")
    keys = list(axes)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes.values())]


def parse_set(text: str) -> tuple[str, list[object]]:
    """(`key`, values) of one `KEY=VALUES`."""
    key, sep, values = text.partition("=")
    key, values = key.strip(), values.strip()
    if not sep or not key:
        raise ValueError(f"--set {text}: expected KEY=VALUES, e.g. pools.phone.agents=40:60:2 "
                         "or choice.preset=survey-2010,survey-2015")
    if not is_key(key):
        raise ValueError(f"--set {text}: {key!r} is not a dotted key path (parts are letters, "
                         "digits, _ and -, separated by dots)")
    if not values:
        raise ValueError(f"--set {text}: no values after '='")
    if ":" in values and "," not in values:
        return key, _range(text, values)
    items = [item.strip() for item in values.split(",")]
    if any(not item for item in items):
        raise ValueError(f"--set {text}: an empty value in the list {values!r}")
    return key, [scalar(item) for item in items]


def _range(text: str, values: str) -> list[object]:
    """The inclusive range `a:b:step`, computed in decimal so 0.1:0.3:0.1 ends at 0.3."""
    parts = [p.strip() for p in values.split(":")]
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"--set {text}: a range is a:b:step (three numbers, e.g. 40:60:2), "
                         f"not {values!r}")
    try:
        start, stop, step = (Decimal(p) for p in parts)
    except InvalidOperation:
        raise ValueError(f"--set {text}: a range is a:b:step with numbers, not {values!r}") \
            from None
    if not all(d.is_finite() for d in (start, stop, step)):
        raise ValueError(f"--set {text}: a range needs finite numbers, not {values!r}")
    if step <= 0:
        raise ValueError(f"--set {text}: the step of {values!r} must be more than 0")
    if stop < start:
        raise ValueError(f"--set {text}: the range {values!r} ends before it starts")
    count = int((stop - start) / step) + 1
    if count > MAX_POINTS:
        raise ValueError(f"--set {text}: {count:,} values, more than {MAX_POINTS:,}")
    numbers = [start + k * step for k in range(count)]
    if all(_INT.match(p) for p in parts):
        return [int(n) for n in numbers]
    return [float(n) for n in numbers]


def scalar(item: str) -> object:
    """A TOML scalar (number, boolean, quoted string) if `item` is one, else the text itself."""
    try:
        value = tomllib.loads(f"v = {item}")["v"]
    except tomllib.TOMLDecodeError:
        return item
    if isinstance(value, (dict, list)):
        return item
    return value
