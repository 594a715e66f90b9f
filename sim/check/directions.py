"""Which metrics `sim check` judges, which way each is better, and how much worse it may get.

A tolerance is the practical size of a change worth failing a build for: a share of the
baseline mean (`relative`), but never less than an amount in the metric's own unit
(`absolute`), so that a wait of 0.5 s may grow to 1.5 s and a share of 0 may grow by a point.
The defaults are the catalogue's (sim/metrics/catalogue.py: each metric's `better` and
`tolerance`); a baseline file's `tolerances` and `--tolerance` override them, per metric
(`wait_mean`) or per channel and metric (`phone:wait_mean`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.metrics.catalogue import METRICS, Direction, Tolerance


@dataclass(frozen=True)
class Rule:
    direction: Direction  # which way is better
    tolerance: Tolerance


# every metric of the catalogue with a better direction and a default tolerance
RULES: dict[str, Rule] = {m.name: Rule(m.better, m.tolerance) for m in METRICS.values()
                          if m.better is not None and m.tolerance is not None}


def checked(channel: str, metric: str) -> bool:
    """Whether `sim check` judges this row of metrics.csv (pool rows are costs, not service)."""
    return metric in RULES and not channel.startswith("pool:")


def rule_for(channel: str, metric: str, overrides: Mapping[str, Tolerance]) -> Rule:
    """The metric's rule, with the most specific override of its tolerance."""
    rule = RULES[metric]
    tolerance = overrides.get(f"{channel}:{metric}", overrides.get(metric, rule.tolerance))
    return Rule(rule.direction, tolerance)


def parse_tolerance(key: str, value: object) -> Tolerance:
    """`key` is METRIC or CHANNEL:METRIC; `value` a number in the metric's unit or a string
    "N%" (a share of the baseline mean). ValueError with the reason."""
    metric = key.rpartition(":")[2]
    if metric not in RULES:
        raise ValueError(f"{key!r}: not a checked metric (checked: {', '.join(RULES)})")
    text = value.strip() if isinstance(value, str) else value
    relative = isinstance(text, str) and text.endswith("%")
    amount = _number(text[:-1] if relative else text)
    if amount is None:
        raise ValueError(f"{key}: {value!r} is not a tolerance (a number of at least 0 in the "
                         "metric's unit, e.g. 0.02 or 30, or a percentage of the baseline "
                         "mean, e.g. \"10%\")")
    return Tolerance(relative=amount / 100) if relative else Tolerance(absolute=amount)


def parse_assignment(text: str) -> tuple[str, Tolerance]:
    """`--tolerance METRIC=VALUE`: the key and its tolerance; ValueError with the reason."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--tolerance {text!r}: expected METRIC=VALUE or "
                         "CHANNEL:METRIC=VALUE, e.g. wait_mean=10% or phone:abandon_rate=0.02")
    return key.strip(), parse_tolerance(key.strip(), value.strip())


def _number(value: object) -> float | None:
    """A finite number of at least 0, from a number or its text; None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None
