"""What several test files share: a small valid scenario to break one key at a time."""

from __future__ import annotations

from pathlib import Path

BASE = """\
name = "mini"
horizon = "2h"
warmup = "10min"
interval = "30min"
policy = "fifo"

[demand]
per_hour = 60

[choice.default]
phone = 0.5
email = 0.5

[channels.phone]
kind = "realtime"
handle_time = { dist = "exponential", mean = "3min" }
patience = { dist = "exponential", mean = "60s" }
target = { within = "20s", share = 0.8 }

[channels.email]
kind = "deferred"
handle_time = { dist = "gamma", mean = "5min", cv = 0.5 }

[pools.team]
skills = ["phone", "email"]
agents = 3
cost_per_hour = 20.0
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    """`text` with the one occurrence of `old` replaced by `new` (fails loudly if absent)."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in the base scenario"
    return text.replace(old, new)


def write(folder: Path, text: str, name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path
