"""The staffing file (`--agents FILE`): how many agents each channel had in each interval of the
log, read and checked like the log (see `sim.fit.log`), and averaged into a day.

Row numbers follow the log's convention: for CSV the header is row 1, so the first data row is
row 2; for parquet, the 1-based data row.
"""

from __future__ import annotations

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
    divisor of a day) of the day over the days observed. A day counts for a channel when the
    file has at least one row for that channel that day; within it, an interval the file omits
    counts as 0 agents (a closed hour need not be written out), while a day without a single
    row is not observed and left out of the mean, not taken as a day with no agents. Raises
    LogError for an interval_start off the grid of `interval` from midnight."""
    slots = round(DAY / interval) if interval > 0 else 0
    if slots < 1 or abs(slots * interval - DAY) > 1e-6:
        raise ValueError(f"an interval of {format_duration(interval)} does not divide a day")
    start = agents["interval_start"]
    day = start.dt.normalize()
    since = (start - day).to_numpy().astype("timedelta64[ns]").astype(np.int64)
    step = round(interval * 1e9)
    off = since % step != 0
    if off.any():
        i = int(off.argmax())
        name = agents.attrs.get("path", "the staffing file")
        where = (f"row {agents.index[i]}" if agents.index.name == "row"
                 else f"entry {i + 1}")
        raise LogError(f"{name}: {where}, column 'interval_start': {start.iloc[i]} is not on the "
                       f"{format_duration(interval)} grid (intervals start at midnight and every "
                       f"{format_duration(interval)} after)")
    slot = since // step
    means: dict[str, list[float]] = {}
    for channel in sorted(agents["channel"].unique()):
        mine = (agents["channel"] == channel).to_numpy()
        days = day[mine].nunique()
        total = np.bincount(slot[mine], weights=agents["agents"].to_numpy()[mine],
                            minlength=slots)
        means[channel] = (total / days).tolist()
    return means
