"""The staffing file (`--agents FILE`): how many agents each channel had in each interval of the
log, read and checked like the log (see `sim.fit.log`), and averaged into a day.

Row numbers follow the log's convention: for CSV the header is row 1, so the first data row is
row 2; for parquet, the 1-based data row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.fit.log import Check, LogError, parse_times, read_table, screen, shown, time_checks
from sim.model.units import DAY, format_duration

COLUMNS = ("interval_start", "channel", "agents")


def read_agents(path: Path, channels: Iterable[str], drop_bad: bool = False) -> pd.DataFrame:
    """Columns interval_start (datetime64[ns] naive, offsets dropped as in the log), channel
    (str) and agents (int), sorted by interval_start then channel; the index is each row's
    number in the file (named "row"), and `attrs` holds path, rows, dropped and first_problem.
    Raises LogError on the first bad row, or with `drop_bad` skips and counts bad rows (a
    missing column, an unreadable file or no good row is an error still). A (interval_start,
    channel) pair given twice is bad at its second row."""
    path = Path(path)
    known = sorted(set(channels))
    raw, row = read_table(path, {name: name for name in COLUMNS}, "staffing file")
    start = parse_times(raw["interval_start"])
    channel = raw["channel"]
    count = pd.to_numeric(raw["agents"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        not_count = ~((count >= 0) & (count < 2**53) & (np.round(count) == count))
    checks: list[Check] = [
        (start.empty, "'interval_start'", lambda i: "is empty"),
        *time_checks(raw["interval_start"], start, "'interval_start'"),
        (channel.eq("").to_numpy(), "'channel'", lambda i: "is empty"),
        (~channel.isin(known).to_numpy() & channel.ne("").to_numpy(), "'channel'",
         lambda i: f"{shown(channel.iloc[i])} is not a channel of the log "
                   f"(channels: {', '.join(known)})"),
        (raw["agents"].eq("").to_numpy(), "'agents'", lambda i: "is empty"),
        (not_count & raw["agents"].ne("").to_numpy(), "'agents'",
         lambda i: f"{shown(raw['agents'].iloc[i])} is not a whole number >= 0"),
    ]
    ok = np.ones(len(row), dtype=bool)
    for mask, _, _ in checks:
        ok &= ~mask
    key = pd.DataFrame({"start": start.times, "channel": channel})
    repeated = np.zeros(len(row), dtype=bool)
    repeated[ok] = key[ok].duplicated().to_numpy()

    def repeat(i: int) -> str:
        same = ok & (key == key.iloc[i]).all(axis=1).to_numpy()
        return (f"interval_start {key['start'].iloc[i]} and channel {shown(channel.iloc[i])} "
                f"repeat row {row[same.argmax()]}")

    checks.append((repeated, None, repeat))
    keep, dropped, first = screen(str(path), row, checks, drop_bad)
    table = pd.DataFrame({"interval_start": start.times.array, "channel": channel.array,
                          "agents": np.where(keep, count, 0).astype(np.int64)},
                         index=pd.Index(row, name="row"))[keep]
    table = table.sort_values(["interval_start", "channel"], kind="stable")
    table.attrs.update(path=str(path), rows=len(row), dropped=dropped, first_problem=first)
    return table


def average_day_agents(agents: pd.DataFrame, interval: float) -> dict[str, list[float]]:
    """For each channel of `agents` (sorted), the mean agents in each `interval` (seconds, a
    divisor of a day) of the day over the days observed.

    A row holds for the file's own interval (the most common step between a channel's rows
    within a day, e.g. a 30-minute export), which may be finer or coarser than `interval`:
    each interval gets the time-weighted mean of the rows it covers. A day counts for a
    channel when the file has at least one row for that channel that day; within it, an
    interval the file omits counts as 0 agents (a closed hour need not be written out),
    while a day without a single row is not observed and left out of the mean. Raises
    LogError for an interval_start off the file's own grid from midnight."""
    slots = round(DAY / interval) if interval > 0 else 0
    if slots < 1 or abs(slots * interval - DAY) > 1e-6:
        raise ValueError(f"an interval of {format_duration(interval)} does not divide a day")
    start = agents["interval_start"]
    day = start.dt.normalize()
    since = ((start - day) / pd.Timedelta(seconds=1)).to_numpy(float)
    step = _file_step(agents, since)
    divides = round(DAY) % round(step) == 0
    off = np.abs(since / step - np.round(since / step)) > 1e-6
    if off.any() or not divides:
        i = int(off.argmax()) if divides else 0
        name = agents.attrs.get("path", "the staffing file")
        where = (f"row {agents.index[i]}" if agents.index.name == "row"
                 else f"entry {i + 1}")
        reason = (f"is not on the file's {format_duration(step)} grid (its rows are mostly "
                  f"{format_duration(step)} apart, from midnight)" if divides else
                  f"starts rows {format_duration(step)} apart, which does not divide a day")
        raise LogError(f"{name}: {where}, column 'interval_start': {start.iloc[i]} {reason}")
    # both grids as whole multiples of a common piece, in whole seconds
    piece = math.gcd(round(step), round(interval))
    per_row, per_slot = round(step) // piece, round(interval) // piece
    first = np.round(since / piece).astype(np.int64)
    means: dict[str, list[float]] = {}
    for channel in sorted(agents["channel"].unique()):
        mine = (agents["channel"] == channel).to_numpy()
        pieces = np.zeros(slots * per_slot)
        for offset in range(per_row):  # each row covers per_row pieces from its start
            at = first[mine] + offset
            inside = at < len(pieces)
            np.add.at(pieces, at[inside], agents["agents"].to_numpy()[mine][inside])
        per_interval = pieces.reshape(slots, per_slot).mean(axis=1)
        means[channel] = (per_interval / day[mine].nunique()).tolist()
    return means


def _file_step(agents: pd.DataFrame, since: np.ndarray) -> float:
    """The file's own interval in seconds: the most common step between consecutive rows of
    a channel within a day (the largest of equally common ones); with one row a day, the
    coarsest grid from midnight all rows lie on."""
    frame = pd.DataFrame({"channel": agents["channel"].to_numpy(),
                          "day": agents["interval_start"].dt.normalize().to_numpy(),
                          "since": np.round(since)})
    steps = frame.sort_values(["channel", "day", "since"]).groupby(
        ["channel", "day"], sort=False)["since"].diff().dropna()
    steps = steps[steps > 0]
    if len(steps):
        return float(steps.mode().max())
    return float(math.gcd(round(DAY), *(round(x) for x in since)))
