"""How numbers, times, durations and metrics are shown to people, the same on the console,
in notebooks, in plots and in report.html (files keep seconds and fractions)."""

from __future__ import annotations

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
    """A unit for a time of this size, and how many seconds it holds."""
    if not seconds < 120:  # also NaN
        return ("h", HOUR) if seconds >= 7200 else ("min", 60.0)
    return "s", 1.0


def duration(seconds: float) -> str:
    """A short, readable duration: 20 s, 1.5 min, 12 h."""
    unit, size = ("h", HOUR) if seconds >= HOUR else ("min", 60.0) if seconds >= 120 \
        else ("s", 1.0)
    value = seconds / size
    return f"{value:.0f} {unit}" if value == round(value) else f"{value:.3g} {unit}"


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
