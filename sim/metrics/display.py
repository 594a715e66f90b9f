"""How numbers, times, durations and metrics are shown to people, the same on the console,
in notebooks, in plots and in report.html (files keep seconds and fractions)."""

from __future__ import annotations

import math

from sim.metrics.catalogue import metric

HOUR = 3600.0


def number(x: float, digits: int = 3) -> str:
    """`digits` significant digits; whole numbers with thousands separators from 10**digits;
    NaN as "-"."""
    if x != x:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 10**digits else f"{x:.{digits}g}"


def signed(x: float) -> str:
    if x == 0:
        return "0"
    return ("+" if x > 0 else "-") + number(abs(x))


def time_unit(seconds: float) -> tuple[str, float]:
    """The one rule of units for times: seconds below 2 min, minutes below an hour, hours
    from an hour (NaN: seconds); the unit and how many seconds it holds."""
    if seconds >= HOUR:
        return "h", HOUR
    return ("min", 60.0) if seconds >= 120 else ("s", 1.0)


def duration(seconds: float) -> str:
    """A short, readable duration by `time_unit`: 20 s, 2.5 min, 12 h."""
    unit, size = time_unit(abs(seconds))
    value = seconds / size
    return f"{value:.0f} {unit}" if value == round(value) else f"{value:.3g} {unit}"


def scale(name: str, reference: float) -> tuple[str, float]:
    """The unit and the factor that show values of metric `name` of about `reference` (e.g.
    the largest of a column) in one unit: "%" and 100 for a share, `time_unit` for a
    time, none for others."""
    kind = metric(name).kind
    if kind == "share":
        return "%", 100.0
    if kind == "time":
        unit, size = time_unit(abs(reference))
        return unit, 1 / size
    return "", 1.0


def shown(name: str, value: float) -> str:
    """A metric's value for people, by its kind in the catalogue: times by the rule of
    `duration`, shares as percentages, counts and ratios with `number`; NaN as "-"."""
    if value != value:
        return "-"
    kind = metric(name).kind
    if kind == "time":
        return duration(value)
    if kind == "share":
        return f"{value:.1%}"
    return number(value)


def spread(mean: float, low: float, high: float) -> float:
    """The 95% CI half-width to show beside `mean`: the distance to the farther bound, so that
    a CI cut at its metric's bound (0, or 1 for a share; sim.metrics.summary) still shows the
    t interval's half-width, kept whole on the other side. NaN without a CI."""
    if not all(math.isfinite(v) for v in (mean, low, high)):
        return math.nan
    return max(mean - low, high - mean)


def half_width(name: str, mean: float, half: float) -> str:
    """A 95% CI half-width for people, in the unit `shown` gives the mean (percentage
    points for a share), two significant digits: "±3.1 s", "±0.42 pt"."""
    if half != half:
        return ""
    unit, factor = scale(name, mean)
    unit = {"%": " pt", "": ""}.get(unit, f" {unit}")
    return f"±{number(half * factor, 2)}{unit}"
