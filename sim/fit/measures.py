"""What a backtest compares, computed the same way from a log and from a simulated run:
per channel (and per interval of the day) offered per day, abandonment, share delayed, mean
wait and service level.

One function for both sides, on times floored to the second (a log's resolution), so that
observed and simulated differ only in what the model gets wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model.units import DAY

MEASURES = ("offered_per_day", "abandon_rate", "delayed_share", "wait_mean", "service_level")
REALTIME_ONLY = frozenset({"abandon_rate"})


@dataclass(frozen=True)
class Contacts:
    """Contacts as seconds after the first midnight (NaN: never answered / still open)."""

    channel: np.ndarray  # str
    arrival: np.ndarray
    answered: np.ndarray
    ended: np.ndarray


def log_contacts(table: pd.DataFrame, start: pd.Timestamp) -> Contacts:
    """A log's table (arrival, channel, answered, ended as timestamps) in seconds from start."""
    def seconds(column: str) -> np.ndarray:
        return ((table[column] - start) / pd.Timedelta(seconds=1)).to_numpy(float)

    return Contacts(table["channel"].astype(str).to_numpy(), seconds("arrival"),
                    seconds("answered"), seconds("ended"))


def measures(c: Contacts, days: float, interval: float, kinds: dict[str, str],
             within: dict[str, float]) -> pd.DataFrame:
    """Columns channel, interval_start (NaN for the whole day), metric, value: every measure
    per channel of `kinds` over contacts arriving in [0, days), and per interval of the day.
    A realtime contact abandons when it ended unanswered; the service level counts answers
    within the channel's `within` over all contacts."""
    arrival, answered = np.floor(c.arrival), np.floor(c.answered)
    keep = (arrival >= 0) & (arrival < days * DAY)
    per_day = round(DAY / interval)
    slot = (np.mod(arrival, DAY) // interval).astype(np.int64)
    rows = []
    for name, kind in kinds.items():
        mine = keep & (c.channel == name)
        wait = answered[mine] - arrival[mine]
        took = ~np.isnan(wait)
        flags = {"abandon": ~took & ~np.isnan(c.ended[mine]),
                 "delayed": ~took | (wait > 0),
                 "met": took & (wait <= within[name])}
        slots = slot[mine]
        whole = _values(len(wait), np.nansum(wait), took.sum(),
                        {k: f.sum() for k, f in flags.items()}, days)
        by_slot = _values(np.bincount(slots, minlength=per_day),
                          np.bincount(slots, weights=np.where(took, wait, 0.0), minlength=per_day),
                          np.bincount(slots, weights=took, minlength=per_day),
                          {k: np.bincount(slots, weights=f, minlength=per_day)
                           for k, f in flags.items()}, days)
        for metric in MEASURES:
            if metric in REALTIME_ONLY and kind != "realtime":
                continue
            rows.append((name, np.nan, metric, float(whole[metric])))
            rows += [(name, k * interval, metric, float(v))
                     for k, v in enumerate(by_slot[metric])]
    return pd.DataFrame(rows, columns=["channel", "interval_start", "metric", "value"])


def _values(offered, wait_sum, answered, flags: dict, days: float) -> dict:
    """The measures from counts (scalars or one per interval); NaN where nothing arrived."""
    offered = np.asarray(offered, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = {k: np.where(offered > 0, np.asarray(v, float) / offered, np.nan)
                 for k, v in flags.items()}
        wait_mean = np.where(np.asarray(answered) > 0, wait_sum / np.asarray(answered, float),
                             np.nan)
    return {"offered_per_day": offered / days, "abandon_rate": share["abandon"],
            "delayed_share": share["delayed"], "wait_mean": wait_mean,
            "service_level": share["met"]}
