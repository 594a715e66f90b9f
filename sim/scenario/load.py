"""Read a scenario file and turn every problem into one readable line with the key path."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario.schema import Scenario


class ScenarioError(Exception):
    """A scenario that cannot be used; `str()` is the message for the person who wrote it."""


def load_scenario(path: str | Path) -> Scenario:
    """The validated scenario in `path`; ScenarioError (file: key.path: reason) otherwise."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except OSError as err:
        raise ScenarioError(f"{path}: cannot read: {err}") from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark (some Windows editors) is fine
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - raw.rfind(b"\n", 0, err.start)
        raise ScenarioError(f"{path}: not UTF-8 text: byte 0x{raw[err.start]:02x} at line "
                            f"{line}, column {column} ({err.reason})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        # tomllib says "at end of document" without the line; the line is what a person needs
        last = text.count("\n") + (not text.endswith("\n")) or 1
        reason = str(err).replace("(at end of document)", f"(at line {last}, the end)")
        raise ScenarioError(f"{path}: not valid TOML: {printable(reason)}") from None
    return parse_scenario(data, source=str(path))


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario given as a dict (e.g. from TOML, or built in a notebook)."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError("\n".join(f"{source}: {printable(line)}"
                                     for line in error_lines(err))) from None


def printable(text: str) -> str:
    """`text` with control and other unprintable characters (from a key in the file) escaped,
    so a message stays one line and cannot drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def error_lines(err: ValidationError) -> list[str]:
    """One line per problem (`key.path: reason`), the most specific first; union branches
    folded into one. Shared by every file the project validates (scenarios, baselines)."""
    found: dict[str, str] = {}
    for e in err.errors(include_url=False):
        where = _key_path(e["loc"])
        found.setdefault(where, _message(e))
    deeper = [w for w in found if any(o.startswith(w + ".") for o in found if o != w)]
    return [f"{w}: {m}" if w else m for w, m in found.items() if w not in deeper]


def _message(e: dict[str, Any]) -> str:
    if e["type"] == "extra_forbidden":
        return "unknown key"
    if e["type"] == "missing":
        return "required key is missing"
    if e["type"] == "union_tag_invalid":
        known = e["msg"].split("expected tags: ")[-1]
        return f"unknown distribution {e['input'].get('dist')!r} (known: {known})"
    return e["msg"].removeprefix("Value error, ").replace("Input should be", "should be")


def _key_path(loc: tuple) -> str:
    """TOML-style path, without pydantic's names for union branches ('int', 'exponential')."""
    return ".".join(str(p) for p in loc if not _is_branch(p))


_BRANCHES = {"exponential", "lognormal", "gamma", "deterministic", "empirical", "int", "float",
             "str", "constrained-int", "constrained-float", "[key]"}


def _is_branch(part: object) -> bool:
    return isinstance(part, str) and (part in _BRANCHES
                                      or part.startswith(("function-", "list[", "dict[")))
