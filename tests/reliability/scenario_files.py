"""Hypothesis strategies for scenario files, valid and broken.

Every file starts from a valid scenario (tests/support.py BASE or a shipped scenarios/*.toml),
cut to a short horizon so that the ones that stay valid run in a fraction of a second, and
then suffers a few mutations: on the parsed data (a key added, dropped or renamed; a value
replaced by a wrong type, a negative, zero, NaN, inf or a huge number; shares that no longer
sum to 1; another policy) or on the bytes (broken TOML, bytes that are not UTF-8).
"""

from __future__ import annotations

import copy
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from tests.support import BASE

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
SHORT_HORIZON, SHORT_WARMUP = "30min", "5min"

# Values that must either be refused or run harmlessly wherever they land. Mid-size numbers
# (a rate times a thousand) are left out on purpose: they are valid and merely slow.
HUGE = [10**15, 2**63 - 1, 10**30, 1e15, 1e300, 1.7e308, "100000000d"]
ODD = [0, -1, -0.5, 1e-300, -1e-300, math.nan, math.inf, -math.inf, True, False, "", "abc",
       "12", "-5min", "5 parsecs", "1e3s", "nan", [], [1, "a"], {}, {"dist": "cauchy"},
       *HUGE]
POLICIES = ["fifo", "priority", "sla-weighted", "blended-reserve", "callback", "front-door",
            "outage-broadcast", "proactive-listening", "lifo", "", "FIFO"]


@dataclass(frozen=True)
class ScenarioFile:
    """A generated file: its bytes, and how it was made (shown when a check fails)."""

    content: bytes
    story: tuple[str, ...]


def shrink(data: dict) -> dict:
    """The same scenario over a short horizon, so that a valid mutation runs fast."""
    data = copy.deepcopy(data)
    data["horizon"] = SHORT_HORIZON
    if "warmup" in data:
        data["warmup"] = SHORT_WARMUP
    return data


def by_channel(data: dict) -> dict:
    """The same scenario with a volume per channel and a phone that closes, so the fuzzer
    reaches `demand.channels`, `weekdays` and `when_closed`."""
    data = copy.deepcopy(data)
    data["demand"] = {"channels": {
        "phone": {"daily": 900.0, "weekdays": [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.3]},
        "email": {"per_hour": 20.0}}}
    data["channels"]["phone"]["hours"] = {"open": "0h10min", "close": "0h20min"}
    data["channels"]["phone"]["when_closed"] = "return"
    data["channels"]["phone"]["return_delay"] = {"dist": "exponential", "mean": "2min"}
    return data


SOURCES = {"BASE": shrink(tomllib.loads(BASE)),
           "BASE-by-channel": by_channel(shrink(tomllib.loads(BASE))),
           **{p.stem: shrink(tomllib.loads(p.read_text(encoding="utf-8"))) for p in SHIPPED}}


# ---------------------------------------------------------------- writing TOML

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else _string(k)


def _string(s: str) -> str:
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }" \
            if v else "{}"
    raise TypeError(f"no TOML for {v!r}")


def to_toml(data: dict, prefix: tuple[str, ...] = ()) -> str:
    """TOML text for `data`: plain keys first, then one [section] per nested table (tables in
    lists stay inline), as a person would write it, so a line is usually one key."""
    def inline(v: object) -> bool:  # a leaf table below a named one: a distribution, a target
        return not isinstance(v, dict) or (len(prefix) >= 1 and not any(
            isinstance(x, dict) for x in v.values()))

    lines = [f"{_key(k)} = {_value(v)}" for k, v in data.items() if inline(v)]
    for k, v in data.items():
        if not inline(v):
            path = (*prefix, k)
            lines += ["", f"[{'.'.join(_key(p) for p in path)}]", to_toml(v, path).rstrip("\n")]
    return "\n".join(lines).lstrip("\n") + "\n"


# ---------------------------------------------------------------- mutating the data

def _nodes(data: object, path: tuple = ()) -> list[tuple]:
    """Every path in `data` (tables, lists and leaves), the root excluded."""
    found = []
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for k, v in items:
        found.append((*path, k))
        found += _nodes(v, (*path, k))
    return found


def _parent(data: dict, path: tuple) -> object:
    for k in path[:-1]:
        data = data[k]
    return data


def _tables(data: dict) -> list[tuple]:
    return [()] + [p for p in _nodes(data) if isinstance(_get(data, p), dict)]


def _get(data: object, path: tuple) -> object:
    for k in path:
        data = data[k]
    return data


def _share_tables(data: dict) -> list[tuple]:
    """Tables whose values are all numbers (choice tables, reasons, regions, redirect.to)."""
    return [p for p in _tables(data) if p and (t := _get(data, p))
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in t.values())]


keys = st.one_of(st.sampled_from(["colour", "agents", "per_hour", "default", "phone", "kind",
                                  "dist", "1", "x y", "[/x]", "é"]),
                 st.text(min_size=1, max_size=8))
values = st.one_of(st.sampled_from(ODD), st.integers(-10**6, 10**6),
                   st.floats(allow_nan=True, allow_infinity=True),
                   st.text(max_size=12), st.booleans(),
                   st.lists(st.integers(-5, 5), max_size=3))


@st.composite
def mutate_data(draw: st.DrawFn, data: dict) -> str:
    """Change `data` in place in one way; returns what was done."""
    kind = draw(st.sampled_from(["replace", "replace", "nudge", "nudge", "nudge", "drop",
                                 "add", "rename", "shares", "policy", "empty-table"]))
    nodes = _nodes(data)
    numbers = [p for p in nodes if isinstance(v := _get(data, p), int | float)
               and not isinstance(v, bool)]
    if kind == "nudge" and numbers:  # a plausible edit, which often stays valid
        path = draw(st.sampled_from(numbers))
        parent, last, old = _parent(data, path), path[-1], _get(data, path)
        factor = draw(st.sampled_from([0, 0.5, 2]))
        parent[last] = type(old)(old * factor)
        return f"nudge {'.'.join(map(str, path))} x {factor}"
    if kind == "shares" and (tables := _share_tables(data)):
        path = draw(st.sampled_from(tables))
        factor = draw(st.sampled_from([0.0, 0.5, 0.999, 1.5, -1.0]))
        table = _get(data, path)
        for k in table:
            table[k] *= factor
        return f"shares {'.'.join(map(str, path))} x {factor}"
    if kind == "policy":
        data["policy"] = draw(st.sampled_from(POLICIES))
        return f"policy = {data['policy']!r}"
    if kind == "add":
        path = draw(st.sampled_from(_tables(data)))
        key, value = draw(keys), draw(values)
        _get(data, path)[key] = value
        return f"add {'.'.join(map(str, (*path, key)))} = {value!r}"
    if not nodes:
        return "nothing"
    path = draw(st.sampled_from(nodes))
    parent, last = _parent(data, path), path[-1]
    where = ".".join(map(str, path))
    if kind == "drop":
        del parent[last]
        return f"drop {where}"
    if kind == "rename" and isinstance(parent, dict):
        new = draw(keys)
        parent[new] = parent.pop(last)
        return f"rename {where} -> {new!r}"
    if kind == "empty-table":
        parent[last] = {}
        return f"empty {where}"
    value = draw(values)
    parent[last] = value
    return f"set {where} = {value!r}"


# ---------------------------------------------------------------- mutating the bytes

GARBAGE = ["=", "[", "]]", '"', "{", "x = = 1", "[channels", "\\", "#", "\t", "\n[[", "'''"]
NOT_UTF8 = [b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xe9", b"\x80abc", b"\xed\xa0\x80"]


@st.composite
def mutate_bytes(draw: st.DrawFn, content: bytes) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["truncate", "drop-line", "repeat-line", "garbage",
                                 "not-utf8", "empty"]))
    if kind == "empty":
        return b"", "empty file"
    lines = content.split(b"\n")
    if kind in ("drop-line", "repeat-line"):
        k = draw(st.integers(0, len(lines) - 1))
        lines[k:k + 1] = [] if kind == "drop-line" else [lines[k], lines[k]]
        return b"\n".join(lines), f"{kind} {k + 1}"
    at = draw(st.integers(0, len(content)))
    if kind == "truncate":
        return content[:at], f"truncate at byte {at}"
    insert = draw(st.sampled_from(NOT_UTF8)) if kind == "not-utf8" else \
        draw(st.sampled_from(GARBAGE)).encode()
    return content[:at] + insert + content[at:], f"insert {insert!r} at byte {at}"


@st.composite
def scenario_files(draw: st.DrawFn) -> ScenarioFile:
    """A scenario file: a valid source, one to three data mutations, and, now and then, a
    mutation of its bytes. About a third of the files stay valid."""
    source = draw(st.sampled_from(sorted(SOURCES)))
    data = copy.deepcopy(SOURCES[source])
    story = [source]
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3]))):
        story.append(draw(mutate_data(data)))
    content = to_toml(data).encode("utf-8")
    if draw(st.integers(0, 5)) == 0:
        content, change = draw(mutate_bytes(content))
        story.append(change)
    return ScenarioFile(content, tuple(story))
