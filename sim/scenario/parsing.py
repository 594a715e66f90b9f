"""TOML and JSON text into data, refusing what would make the parsers or the code after them
fail or stall: nesting deeper than MAX_DEPTH (both parsers recurse, and so does what reads
their data), a dotted TOML key of more parts (tomllib's time grows with the square of its
parts) and an integer Python will not convert (over 4300 digits). Syntax errors are the
parsers' own (tomllib.TOMLDecodeError, json.JSONDecodeError)."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from typing import Any

MAX_DEPTH = 32  # levels of tables and arrays; the deepest shipped scenario has 6
DEEP = f"nested more than {MAX_DEPTH} levels deep (docs/limits.md)"
# MAX_DEPTH dots joining key parts (bare, "basic" or 'literal'); a search starts only where a
# part does not follow a word or a dot, so it takes time linear in the text
_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_DOTTED = re.compile(rf"""(?<![A-Za-z0-9_"'.-])(?:{_PART}[ \t]*+\.[ \t]*+){{{MAX_DEPTH}}}""")


class LimitError(Exception):
    """Data beyond a limit; `str()` is the reason (with the top-level key where known)."""


def toml_data(text: str) -> dict[str, Any]:
    if _DOTTED.search(text):
        raise LimitError(f"a dotted key {DEEP}")
    return _bounded(tomllib.loads, text, "TOML")


def json_data(text: str) -> Any:
    return _bounded(json.loads, text, "JSON")


def _bounded(parse: Callable[[str], Any], text: str, kind: str) -> Any:
    try:
        data = parse(text)
    except RecursionError:
        raise LimitError(DEEP) from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError):
        raise
    except ValueError as err:  # a number too long to convert
        raise LimitError(f"not valid {kind}: {str(err).split(';')[0]}") from None
    where = _too_deep(data)
    if where is not None:
        raise LimitError(f"{where}: {DEEP}")
    return data


def _too_deep(data: Any) -> str | None:
    """The top-level key under which `data` nests deeper than MAX_DEPTH, or None."""
    stack: list[tuple[Any, int, str]] = [(data, 1, "")]
    while stack:
        value, depth, top = stack.pop()
        if depth > MAX_DEPTH:
            return top
        children = (value.items() if isinstance(value, dict)
                    else enumerate(value) if isinstance(value, list) else ())
        stack += [(v, depth + 1, top or str(k)) for k, v in children
                  if isinstance(v, (dict, list))]
    return None
