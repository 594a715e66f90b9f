"""Reading a contact log (CSV or parquet) into a checked table, refusing a bad row by file, row,
column and reason, so the user can find it in a spreadsheet.

Row numbers are those a spreadsheet shows: for CSV the header is row 1 and the first contact
row 2 (a quoted field spanning lines is one row); for parquet, the 1-based data row. Rows whose
required fields are all empty (blank lines, as spreadsheets export at the end) are skipped
without counting, but keep their numbers.

Timestamps are ISO 8601, with 'T' or a space and optional fractional seconds. A UTC offset is
dropped and the wall-clock time kept, each timestamp in its own offset: an intraday profile
follows the local clock, so 09:00+02:00 in summer and 09:00+01:00 in winter are both 09:00.
A tz-aware parquet column likewise keeps the wall-clock time of its zone.

The helpers after `read_log` (`screen`, `read_table`, `parse_times`, `time_checks`, `shown`)
are shared with the staffing file's reader, `sim.fit.agents`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
import pandas as pd

STANDARD = ("arrival", "channel", "answered", "ended")
CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
SHOWN = 60  # characters of a value shown in a message
LISTED = 12  # column names listed when one is missing
_T = TypeVar("_T")
# (bad rows, the column named or None for a relation between columns, the reason at a row)
Check = tuple[np.ndarray, str | None, Callable[[int], str]]

# a trailing UTC offset after a time of day ("Z", "+02", "+0200", "-05:30"); not after a bare
# date, where "-05" is the day
_OFFSET = r"^(.*[Tt ]\d{2}(?::?\d{2}){0,2}(?:[.,]\d+)?)\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_LOWEST, _HIGHEST = np.datetime64("1678-01-01"), np.datetime64("2262-01-01")  # datetime64[ns]


class LogError(ValueError):
    """Bad input: a one-line message naming the file and, where it applies, the row and column."""


def parse_columns(text: str) -> dict[str, str]:
    """`--columns arrival=CallStart,channel=Queue` as {"arrival": "CallStart", ...}."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        name, equals, column = (s.strip() for s in item.partition("="))
        if not equals:
            raise LogError(f"--columns: {shown(item)} is not NAME=COLUMN, e.g. arrival=CallStart")
        if name not in STANDARD:
            raise LogError(f"--columns: {shown(name)} is not one of {', '.join(STANDARD)}")
        if not column:
            raise LogError(f"--columns: no column after '{name}='")
        if name in mapping:
            raise LogError(f"--columns: {name} is given twice")
        mapping[name] = column
    resolve(mapping)
    return mapping


def resolve(columns: dict[str, str] | None) -> dict[str, str]:
    """The file column of each standard name: the mapped one, else the name itself."""
    columns = columns or {}
    unknown = sorted(set(columns) - set(STANDARD))
    if unknown:
        raise LogError(f"--columns: {shown(unknown[0])} is not one of {', '.join(STANDARD)}")
    need = {name: columns.get(name, name) for name in STANDARD}
    seen: dict[str, str] = {}
    for name, column in need.items():
        if column in seen:
            raise LogError(f"--columns: column {shown(column)} is both {seen[column]} and {name}")
        seen[column] = name
    return need


@dataclass(frozen=True, eq=False)
class ContactLog:
    """The checked log: `table` has exactly arrival, channel, answered and ended
    (datetime64[ns] naive, channel str), sorted by arrival (stable, so ties keep file order).
    `answered` is NaT when nobody took the contact; `ended` is NaT only then too, for a contact
    still waiting when the log was exported. `rows` counts the rows read, `dropped` those
    skipped by `drop_bad`, and `first_problem` is the message of the first one skipped."""

    table: pd.DataFrame
    path: Path
    rows: int
    dropped: int = 0
    first_problem: str | None = None

    @property
    def start(self) -> pd.Timestamp:
        """Midnight of the first arrival's day."""
        return self.table["arrival"].iloc[0].normalize()

    @property
    def end(self) -> pd.Timestamp:
        """Midnight after the last arrival's day."""
        return self.table["arrival"].iloc[-1].normalize() + pd.Timedelta(days=1)

    @cached_property
    def channels(self) -> list[str]:
        """Channel names, sorted: the same for any order of the file's rows."""
        return sorted(self.table["channel"].unique())


def read_log(path: Path, columns: dict[str, str] | None = None,
             drop_bad: bool = False) -> ContactLog:
    """The contact log at `path`, checked row by row; raises LogError on the first bad row,
    or with `drop_bad` skips and counts bad rows (a missing column, an unreadable file or a log
    with no good row is an error still). `columns` maps standard names to the file's."""
    path = Path(path)
    need = resolve(columns)
    raw, row = read_table(path, need, "log", hint=True)
    label = {std: column_label(col, std) for std, col in need.items()}
    parsed = {std: parse_times(raw[std]) for std in ("arrival", "answered", "ended")}
    at = {std: times.times for std, times in parsed.items()}
    arrival, answered, ended = at["arrival"], at["answered"], at["ended"]
    channel = raw["channel"]

    def order(later: str, earlier: str) -> Callable[[int], str]:
        def say(i: int) -> str:
            a, b = at[later].iloc[i], at[earlier].iloc[i]
            return f"{later} ({moment(a, b)}) is before {earlier} ({moment(b, a)})"
        return say

    checks: list[Check] = [
        (parsed["arrival"].empty, label["arrival"],
         lambda i: "is empty (every contact has an arrival)"),
        *time_checks(raw["arrival"], parsed["arrival"], label["arrival"]),
        (channel.eq("").to_numpy(), label["channel"], lambda i: "is empty"),
        *time_checks(raw["answered"], parsed["answered"], label["answered"]),
        *time_checks(raw["ended"], parsed["ended"], label["ended"]),
        (parsed["ended"].empty & ~parsed["answered"].empty, label["ended"],
         lambda i: "is empty, but the contact was answered (only an unanswered one may have "
                   "no end: it was still waiting)"),
        ((answered < arrival).to_numpy(), None, order("answered", "arrival")),
        ((ended < answered).to_numpy(), None, order("ended", "answered")),
        (((ended < arrival) & answered.isna()).to_numpy(), None, order("ended", "arrival")),
    ]
    keep, dropped, first = screen(str(path), row, checks, drop_bad)
    table = pd.DataFrame({"arrival": arrival, "channel": channel,
                          "answered": answered, "ended": ended})
    if dropped:
        table = table[keep]
    table = table.sort_values("arrival", kind="stable", ignore_index=True)
    return ContactLog(table, path, len(row), dropped, first)


def screen(name: str, row: np.ndarray, checks: Sequence[Check],
           drop_bad: bool) -> tuple[np.ndarray, int, str | None]:
    """Rows to keep, how many were dropped, and the first problem; raises LogError on the
    first bad row unless `drop_bad`, and when no row is good. A row's problem is the first
    of `checks` it fails."""
    bad = np.zeros(len(row), dtype=bool)
    for mask, _, _ in checks:
        bad |= mask
    if not bad.any():
        return ~bad, 0, None
    i = int(bad.argmax())
    column, say = next((column, say) for mask, column, say in checks if mask[i])
    where = f"row {row[i]}, column {column}" if column else f"row {row[i]}"
    message = f"{name}: {where}: {say(i)}"
    if not drop_bad:
        raise LogError(message)
    if bad.all():
        raise LogError(f"{name}: no good row (all {len(row)} are bad); the first: "
                       f"{where}: {say(i)}")
    return ~bad, int(bad.sum()), message


def read_table(path: Path, need: dict[str, str], what: str,
               hint: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """The `need` columns of a CSV or parquet file, renamed to their standard names, with each
    row's number as a spreadsheet shows it; blank rows left out. A column is kept as it is if it
    holds datetimes (parquet), else given as `text`. `hint` adds how to map a missing column
    with --columns."""
    name = str(path)
    if not path.exists():
        raise LogError(f"{name}: no such file")
    if not path.is_file():
        raise LogError(f"{name}: not a regular file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        frame, first = _read_csv(path, need, hint), 2
    elif suffix in PARQUET_SUFFIXES:
        frame, first = _read_parquet(path, need, hint), 1
    else:
        known = ", ".join(CSV_SUFFIXES + PARQUET_SUFFIXES)
        raise LogError(f"{name}: cannot tell the format of {shown(suffix or path.name)} "
                       f"(a {what} is {known})")
    frame = pd.DataFrame({std: _values(frame[col]) for std, col in need.items()})
    row = np.arange(first, first + len(frame))
    blank = np.ones(len(frame), dtype=bool)
    for std in need:
        blank &= frame[std].isna().to_numpy() if _is_time(frame[std]) else frame[std].eq("")
    if blank.any():
        frame, row = frame[~blank].reset_index(drop=True), row[~blank]
    if frame.empty:
        raise LogError(f"{name}: no rows (only a header)" if suffix in CSV_SUFFIXES
                       else f"{name}: no rows")
    return frame, row


def _values(column: pd.Series) -> pd.Series:
    return column if _is_time(column) else text(column)


def _is_time(column: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(column.dtype)


def _read_csv(path: Path, need: dict[str, str], hint: bool) -> pd.DataFrame:
    """Read by pyarrow (fast), or by pandas if pyarrow fails: pandas fills a short row and
    names a long one."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    options = {"dtype": str, "encoding": "utf-8-sig", "keep_default_na": False}
    header = _guard(path, "CSV", lambda: list(pd.read_csv(path, nrows=0, **options).columns))
    _check_columns(path, header, need, hint)
    wanted = list(need.values())
    try:
        return pcsv.read_csv(
            path,
            parse_options=pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                include_columns=wanted, column_types=dict.fromkeys(wanted, pa.string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False),
        ).to_pandas()
    except (OSError, ValueError, pa.ArrowException):
        pass
    try:  # all columns, so a row longer than the header is refused, not cut
        return pd.read_csv(path, skip_blank_lines=False, **options)[wanted]
    except (OSError, ValueError) as error:
        raise _refusal(path, "CSV", error) from None


def _read_parquet(path: Path, need: dict[str, str], hint: bool) -> pd.DataFrame:
    import pyarrow.parquet as pq

    header = _guard(path, "parquet", lambda: list(pq.read_schema(path).names))
    _check_columns(path, header, need, hint)
    frame = _guard(path, "parquet", lambda: pd.read_parquet(path, columns=list(need.values())))
    return frame.reset_index(drop=True)


def _guard(path: Path, kind: str, read: Callable[[], _T]) -> _T:
    """`read()`, its failure as one LogError line instead of a traceback."""
    import pyarrow as pa

    try:
        return read()
    except (OSError, ValueError, pa.ArrowException) as error:
        raise _refusal(path, kind, error) from None


def _refusal(path: Path, kind: str, error: BaseException) -> LogError:
    if isinstance(error, pd.errors.EmptyDataError):
        return LogError(f"{path}: empty file (not even a header row)")
    if isinstance(error, UnicodeDecodeError):
        return LogError(f"{path}: cannot read as {kind}: not UTF-8 text (byte {error.start} "
                        f"is {error.object[error.start]:#04x})")
    long = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
    if long:
        fields, line, saw = long.groups()
        return LogError(f"{path}: row {line}: {saw} values, but the header has {fields} columns "
                        "(a value with a comma in it not quoted?)")
    return LogError(f"{path}: cannot read as {kind}: {_first_line(error)}")


def _check_columns(path: Path, header: list[str], need: dict[str, str], hint: bool) -> None:
    missing = [std for std, col in need.items() if col not in header]
    if not missing:
        return
    names = ", ".join(shown(need[std]) for std in missing)
    listed = ", ".join(shown(col, quote=False) for col in header[:LISTED])
    if len(header) > LISTED:
        listed += f", ... ({len(header)} in all)"
    notes = [f"columns: {listed or 'none'}"]
    if hint:
        mapped = [f"{std}={need[std]}" for std in missing if need[std] != std]
        unmapped = [f"{std}=NAME" for std in missing if need[std] == std]
        if mapped:
            notes.append(f"mapped by --columns {','.join(mapped)}")
        if unmapped:
            notes.append(f"map names with --columns {','.join(unmapped)}")
    if len(header) == 1 and any(sep in header[0] for sep in ";\t|"):
        notes.append("is the file separated by something other than commas?")
    noun = "column" if len(missing) == 1 else "columns"
    raise LogError(f"{path}: no {noun} {names} ({'; '.join(notes)})")


class Times(NamedTuple):
    """A column read as naive datetime64[ns] wall-clock times, and the masks of its empty,
    unreadable and out-of-range values (outside the years 1678-2261, which datetime64[ns]
    holds), all NaT there."""

    times: pd.Series
    empty: np.ndarray
    bad: np.ndarray
    far: np.ndarray


def parse_times(column: pd.Series) -> Times:
    """The timestamps of a column of datetimes or of ISO 8601 strings as `text` gives them."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)
    if _is_time(column):
        times, empty = column, column.isna().to_numpy()
        bad = np.zeros(len(column), dtype=bool)
    else:
        empty = column.eq("").to_numpy()
        times = _to_datetime(column)
        bad = times.isna().to_numpy() & ~empty
    values = times.to_numpy()  # in the unit parsed, which may hold years datetime64[ns] cannot
    far = ~np.isnat(values) & ((values < _LOWEST) | (values >= _HIGHEST))
    if far.any():
        times = times.mask(far)
    return Times(times.astype("datetime64[ns]"), empty, bad, far)


def time_checks(column: pd.Series, times: Times, label: str) -> list[Check]:
    """The checks of an unreadable and an out-of-range timestamp (an empty one is the
    caller's to judge)."""
    def value(i: int) -> str:
        return shown(column.iloc[i])

    return [(times.bad, label, lambda i: f"{value(i)} is not a timestamp"),
            (times.far, label, lambda i: f"{value(i)} is out of range (years 1678-2261)")]


def _to_datetime(strings: pd.Series) -> pd.Series:
    """Parsed at once if the values share one offset (or have none), else with the offsets
    cut off first, else (an offset the cut missed) one by one."""
    try:
        times = _parse(strings)
    except (ValueError, OverflowError):  # mixed offsets
        try:
            times = _parse(_cut_offsets(strings))
        except (ValueError, OverflowError):
            times = pd.Series([_one_time(s) for s in strings], index=strings.index,
                              dtype="datetime64[us]")
    return times


def _parse(strings: pd.Series) -> pd.Series:
    times = pd.to_datetime(strings, format="ISO8601", errors="coerce")
    return times.dt.tz_localize(None) if isinstance(times.dtype, pd.DatetimeTZDtype) else times


def _cut_offsets(strings: pd.Series) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    cut = pc.replace_substring_regex(pa.array(strings, type=pa.string()), _OFFSET, r"\1")
    return cut.to_pandas().set_axis(strings.index)


def _one_time(value: str) -> pd.Timestamp:
    try:
        time = pd.to_datetime(value, format="ISO8601")
    except (ValueError, OverflowError):
        return pd.NaT
    return time.tz_localize(None) if time.tzinfo is not None else time


def text(column: pd.Series) -> pd.Series:
    """Values as stripped strings, "" for a missing one."""
    if not isinstance(column.dtype, pd.StringDtype):  # numbers, categories, objects
        column = column.astype("string")
    return column.fillna("").str.strip().astype("str")


def shown(value: object, quote: bool = True) -> str:
    """A value for a message: quoted, and shortened to about SHOWN characters."""
    string = str(value)
    if len(string) > SHOWN:
        string = string[: SHOWN - 3] + "..."
    return repr(string) if quote else string


def column_label(column: str, standard: str) -> str:
    """A file column as a message names it, with the standard name it stands for if mapped."""
    return shown(column) if column == standard else f"{shown(column)} ({standard})"


def moment(time: pd.Timestamp, other: pd.Timestamp) -> str:
    """`time` for a message beside `other`: the clock time alone when both share a day."""
    clock = time.strftime("%H:%M:%S")
    fraction = time.microsecond + time.nanosecond / 1000
    if fraction:
        clock += f"{fraction / 1e6:.9f}".rstrip("0")[1:]
    return clock if time.normalize() == other.normalize() else f"{time.date()} {clock}"


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return shown(lines[0] if lines else type(error).__name__, quote=False)
