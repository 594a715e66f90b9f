"""How numbers, times and durations are shown, the same on the console, in plots and in
report.html."""

from __future__ import annotations

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
