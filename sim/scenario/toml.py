"""A small TOML writer for scenario data (tomllib only reads), laid out as scenario files are
written by hand: top-level tables and their named children (`[channels.phone]`) as headers,
anything deeper as an inline table unless it holds a long array, arrays inline with twelve
values a line when long.

It writes what tomllib gives back: tables, arrays, strings, booleans, integers and floats.
"""

from __future__ import annotations

import json
import math
import re
import textwrap
from typing import Any

HEADER_DEPTH = 2  # `[a]` and `[a.b]` are headers; deeper tables are written inline
COMMENT_WIDTH = 92  # a comment's text per line, after its "# "
PER_LINE = 12  # values per line of a long array (a day of 30-min intervals: 4 lines of 6 h)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dumps(data: dict[str, Any], comments: dict[tuple[str, ...], str] | None = None) -> str:
    """`data` as TOML text; `tomllib.loads(dumps(data)) == data`. `comments` puts `# ` lines
    before the key or table at a path (`()`: the top of the file)."""
    comments = comments or {}
    lines = _comment(comments.get(()))
    _table(lines, (), data, comments)
    return "\n".join(lines).lstrip("\n") + "\n"


def _table(lines: list[str], path: tuple[str, ...], table: dict[str, Any],
           comments: dict[tuple[str, ...], str]) -> None:
    headed = [k for k, v in table.items() if isinstance(v, dict) and (
        len(path) < HEADER_DEPTH or any(_long(x) for x in v.values()))]
    values = [k for k in table if k not in headed]
    if path and (values or not headed):
        lines.append("")
        lines += _comment(comments.get(path))
        lines.append(f"[{'.'.join(map(_key, path))}]")
    for k in values:
        lines += _comment(comments.get((*path, k)))
        lines.append(f"{_key(k)} = {_value(table[k], block=True)}")
    for k in headed:
        _table(lines, (*path, k), table[k], comments)


def _long(value: Any) -> bool:
    """An array too long for one line: its table gets a header rather than an inline table."""
    return isinstance(value, list) and len(value) > PER_LINE


def _comment(text: str | None) -> list[str]:
    """`# ` lines, each line of `text` wrapped to fit the width of a scenario file."""
    if not text:
        return []
    return [f"# {part}".rstrip() for line in text.splitlines()
            for part in textwrap.wrap(line, COMMENT_WIDTH, break_on_hyphens=False) or [""]]


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(value: Any, block: bool = False) -> str:
    """A value on one line; a long array (`block`, at the top of a key) over several."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return repr(value) if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + " }" \
            if value else "{}"
    if isinstance(value, list):
        items = [_value(v) for v in value]
        tables = any(isinstance(v, dict) for v in value)
        if not block or (not tables and len(items) <= PER_LINE):
            return "[" + ", ".join(items) + "]"
        rows = items if tables else [", ".join(items[k:k + PER_LINE])
                                     for k in range(0, len(items), PER_LINE)]
        return "[\n" + "".join(f"  {row},\n" for row in rows) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML: {value!r}")


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, bar DEL, which TOML wants escaped."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
