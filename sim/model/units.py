"""Durations: strings with a unit ("45s", "6min", "12h", "2d", "1h30min") or plain seconds;
times of day: a clock time ("09:00", "17:30:15", "24:00") or a duration after midnight."""

from __future__ import annotations

import re

_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|sec|min|s|m|h|d)\s*")
_CLOCK = re.compile(r"\s*(\d{1,2}):([0-5]\d)(?::([0-5]\d))?\s*")
CLOCK_FORM = "hours:minutes, e.g. '09:00', '9:00', '17:30' ('24:00': the end of the day)"

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0


def parse_duration(value: object) -> float:
    """Seconds from a number or a string such as "6min" or "1h30min"; raises ValueError."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or a string like '6min'")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise ValueError("a duration is a number of seconds or a string like '6min'")
    text = value.strip()
    sign = -1.0 if text.startswith("-") else 1.0  # kept, so the field says "must be >= 0"
    text = text.removeprefix("-")
    pos, total = 0, 0.0
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise ValueError(
                f"cannot read duration {value!r}: use a number and a unit "
                "(ms, s, min, h, d), e.g. '45s', '6min', '1h30min'"
            )
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f"cannot read duration {value!r}: it is empty")
    return sign * total


def parse_time_of_day(value: object) -> float:
    """Seconds after midnight from a clock time ("09:00", "17:30:15", up to "24:00"), or
    from a duration after midnight ("9h", 32400); raises ValueError with the forms."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        match = _CLOCK.fullmatch(value)
        if match:
            hours, minutes, seconds = (int(g or 0) for g in match.groups())
            total = hours * HOUR + minutes * MINUTE + seconds
            if total <= DAY:
                return total
        elif ":" not in value:
            try:
                return parse_duration(value)
            except ValueError:
                pass
    shown = f" {value!r}" if isinstance(value, str) else ""
    raise ValueError(f"cannot read time of day{shown}: write {CLOCK_FORM}, or a duration "
                     "after midnight such as '9h'")


def format_duration(seconds: float) -> str:
    """A short human form, for messages and reports."""
    for unit, size in (("d", DAY), ("h", HOUR), ("min", MINUTE)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:.15g}{unit}"
    return f"{seconds:.15g}s"
