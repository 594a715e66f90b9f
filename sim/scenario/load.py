"""Read a scenario file and turn every problem into one readable line with the key path."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.changes import apply, label
from sim.scenario.files import FileRefused, MiB, read_text
from sim.scenario.parsing import LimitError, toml_data
from sim.scenario.schema import Scenario

MAX_BYTES = 8 * MiB  # a scenario file; the largest shipped one is 12 KB
SHOWN = 60  # characters of a key echoed in a message
LINE = 300  # characters of a message (after the file's name); the middle of a longer one is cut
MAX_PROBLEMS = 100  # lines of problems listed, then how many more


class ScenarioError(Exception):
    """A scenario that cannot be used; `str()` is the message for the person who wrote it."""


def load_scenario(path: str | Path, set: Mapping[str, object] | None = None) -> Scenario:
    """The validated scenario in `path`, with the dotted keys of `set` changed (e.g.
    `{"pools.phone.agents": 40}`, a value as TOML would give it); ScenarioError (file: key.path:
    reason) otherwise. The file must be valid as it is, as for a sweep."""
    scenario, data = load_scenario_data(path)
    if set is None:
        return scenario
    if not isinstance(set, Mapping):
        raise ScenarioError(f"{printable(str(path))}: set: should be a dict of dotted key -> "
                            f"value, not {printable(repr(set))}")
    return changed_scenario(data, set, printable(str(path)))


def changed_scenario(data: dict[str, Any], changes: Mapping[str, object],
                     source: str) -> Scenario:
    """`data` (a scenario's) with `changes` applied (sim.scenario.changes), validated again;
    ScenarioError naming `source` and the changes for a key or value the scenario refuses."""
    where = f"{source} with {label(changes)}"
    try:
        changed = apply(data, changes)
    except ValueError as err:
        raise ScenarioError(f"{printable(where)}: {printable(str(err))}") from None
    return parse_scenario(changed, source=where)


def load_scenario_data(path: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The validated scenario in `path` and the data read from it, for a caller that changes
    the data and validates it again (a sweep's points, a staffed file)."""
    name = printable(str(path))
    try:
        text = read_text(Path(path), MAX_BYTES)
        data = toml_data(text)
    except (FileRefused, LimitError) as err:
        raise ScenarioError(f"{name}: {printable(str(err))}") from None
    except tomllib.TOMLDecodeError as err:
        # tomllib says "at end of document" without the line; the line is what a person needs
        last = text.count("\n") + (not text.endswith("\n")) or 1
        reason = str(err).replace("(at end of document)", f"(at line {last}, the end)")
        raise ScenarioError(f"{name}: not valid TOML: {printable(reason)}") from None
    return parse_scenario(data, source=name), data


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (e.g. from TOML, or built in a notebook)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError("\n".join(f"{printable(source)}: {printable(line)}"
                                     for line in error_lines(err))) from None


def printable(text: str) -> str:
    """`text` with control and other unprintable characters (from a key in the file) escaped,
    so a message stays one line and cannot drive the terminal, and cut to LINE characters."""
    return shortened("".join(c if c.isprintable() else repr(c)[1:-1] for c in text), LINE)


def shortened(text: str, limit: int) -> str:
    """`text`, or its start and end around "..." in `limit` characters, so that a key or value
    of a megabyte is echoed in a line (and the end of a message, often the line, is kept)."""
    if len(text) <= limit:
        return text
    head = (limit - 3) // 2
    return f"{text[:head]}...{text[head + 3 - limit:]}"


def error_lines(err: ValidationError) -> list[str]:
    """One line per problem (`key.path: reason`), the most specific first; union branches
    folded into one; past MAX_PROBLEMS, a count of the rest. Shared by every file the
    project validates (scenarios, baselines)."""
    found: dict[str, str] = {}
    for e in err.errors(include_url=False):
        where = _key_path(e["loc"])
        found.setdefault(where, _message(e))
    deeper = {w[:i] for w in found for i, c in enumerate(w) if c == "."}  # has a deeper one
    lines = [f"{w}: {m}" if w else m for w, m in found.items() if w not in deeper]
    if len(lines) > MAX_PROBLEMS:
        lines[MAX_PROBLEMS:] = [f"and {len(lines) - MAX_PROBLEMS:,} more problems"]
    return lines


def _message(e: dict[str, Any]) -> str:
    if e["type"] == "missing":
        return "required key is missing"
    if e["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "should be a table (a dictionary: { key = value, ... })"
    if e["type"] == "union_tag_invalid":
        known = e["msg"].split("expected tags: ")[-1]
        dist = shortened(repr(e["input"].get("dist")), SHOWN)
        return f"unknown distribution {dist} (known: {known})"
    return e["msg"].removeprefix("Value error, ").replace("Input should be", "should be")


def _key_path(loc: tuple) -> str:
    """TOML-style path, without pydantic's names for union branches ('int', 'exponential')."""
    return ".".join(shortened(str(p), SHOWN) for p in loc if not _is_branch(p))


_BRANCHES = {"exponential", "lognormal", "gamma", "deterministic", "empirical", "int", "float",
             "str", "constrained-int", "constrained-float", "[key]"}


def _is_branch(part: object) -> bool:
    return isinstance(part, str) and (part in _BRANCHES
                                      or part.startswith(("function-", "list[", "dict[")))
