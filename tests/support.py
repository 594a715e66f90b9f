"""What several test files share: a small valid scenario to break one key at a time."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

from sim.engine.records import DEFLECTED, FIRST, GAVE_UP, OPEN, RESOLVED

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


def assert_conserved(r) -> None:
    """Each need: deflected with no contact, or its contacts add up and its outcome agrees
    with them."""
    needs = r.needs
    counts = np.bincount(r.need, minlength=len(needs.arrival))
    assert np.array_equal(counts, needs.contacts)
    assert np.all(counts[needs.outcome == DEFLECTED] == 0)
    has_parent = r.parent >= 0
    changes = np.bincount(r.need[has_parent],
                          weights=r.channel[has_parent] != r.channel[r.parent[has_parent]],
                          minlength=len(counts))
    assert np.array_equal(changes, needs.channel_changes)
    assert np.all(r.arrival[has_parent] >= r.arrival[r.parent[has_parent]])
    open_left = np.bincount(r.need, weights=np.isnan(r.ended), minlength=len(counts))
    resolved = needs.outcome == RESOLVED
    assert np.all(open_left[needs.outcome == OPEN] > 0), "in system with nothing open"
    assert np.all(open_left[needs.outcome == GAVE_UP] == 0), "gave up with a contact open"
    assert np.all(~np.isnan(needs.resolved[resolved]))
    assert np.all(needs.resolved[resolved] >= needs.arrival[resolved])
    assert np.all(np.isnan(needs.resolved[~resolved]))
    assert set(np.unique(r.cause[~has_parent])) <= {FIRST}
    assert np.all(r.cause[has_parent] != FIRST)


MAKE_LOG = Path(__file__).resolve().parents[1] / "examples" / "data" / "make_log.py"


def load_make_log():
    """The example log's script, an event loop independent of the engine, as a module."""
    spec = importlib.util.spec_from_file_location("frontdoor_example_make_log", MAKE_LOG)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module
