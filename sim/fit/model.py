"""A log's fitted model: per channel its volume, handle time, censored patience and the agents
that served it. Pure: from the read tables to estimates, no files."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

from sim.fit.agents import average_day_agents
from sim.fit.handle import DurationFit, fit_duration
from sim.fit.log import ContactLog
from sim.fit.patience import PatienceFit, fit_patience
from sim.fit.volume import Volume, fit_volume
from sim.model.distributions import Distribution
from sim.model.units import DAY

SECOND = pd.Timedelta(seconds=1)


@dataclass(frozen=True)
class ChannelFit:
    """What one channel's rows say. `patience` is None for a deferred channel, and for a
    realtime one where nobody abandoned (then nothing bounds it)."""

    name: str
    kind: str  # "realtime" or "deferred"
    contacts: int
    answered: int
    abandoned: int
    volume: Volume
    handle: DurationFit
    patience: PatienceFit | None
    agents: list[int] | None  # per interval of the average day, from --agents


@dataclass(frozen=True)
class LogFit:
    log: ContactLog
    interval: float
    channels: dict[str, ChannelFit]
    agents_days: int | None  # days the staffing file covers

    agents_read: tuple[int, int, str | None] | None = None  # rows, dropped, first problem

    @property
    def days(self) -> int:
        return round((self.log.end - self.log.start) / pd.Timedelta(days=1))

    def dropped(self) -> list[tuple[str, int, int, str | None]]:
        """(file, rows dropped, rows read, the first problem) where --drop-bad skipped rows."""
        out = [("log", self.log.dropped, self.log.rows, self.log.first_problem)]
        if self.agents_read is not None:
            rows, dropped, first = self.agents_read
            out.append(("staffing file", dropped, rows, first))
        return [entry for entry in out if entry[1]]


class FitError(ValueError):
    """The log cannot give a model (e.g. a channel with no answered contact)."""


def fit_contacts(log: ContactLog, interval: float, deferred: set[str],
            agents: pd.DataFrame | None = None) -> LogFit:
    """Each channel of the log fitted; `deferred` channels have no abandonment."""
    unknown = deferred - set(log.channels)
    if unknown:
        raise FitError(f"--deferred: {', '.join(sorted(unknown))} is not a channel of the log "
                       f"(channels: {', '.join(log.channels)})")
    staffing = average_day_agents(agents, interval) if agents is not None else {}
    fits = {}
    for name in log.channels:
        rows = log.table[log.table["channel"] == name]
        fits[name] = _fit_channel(name, "deferred" if name in deferred else "realtime", rows,
                                  log, interval, staffing.get(name))
    if agents is None:
        return LogFit(log, interval, fits, None)
    return LogFit(log, interval, fits, agents["interval_start"].dt.normalize().nunique(),
                  (agents.attrs["rows"], agents.attrs["dropped"], agents.attrs["first_problem"]))


def _fit_channel(name: str, kind: str, rows: pd.DataFrame, log: ContactLog, interval: float,
                 agents: list[float] | None) -> ChannelFit:
    answered = rows["answered"].notna().to_numpy()
    ended = rows["ended"].notna().to_numpy()
    served = answered & ended
    if not served.any():
        raise FitError(f"{log.path}: channel {name!r} has no answered contact with an end: "
                       "its handle time cannot be estimated")
    handle = fit_duration(((rows["ended"] - rows["answered"])[served] / SECOND).to_numpy())
    abandoned = ~answered & ended
    patience = None
    if kind == "realtime":
        known = answered | abandoned  # a contact still waiting at the export says nothing
        wait = np.where(answered, (rows["answered"] - rows["arrival"]) / SECOND,
                        (rows["ended"] - rows["arrival"]) / SECOND)
        patience = fit_patience(wait[known].astype(float), abandoned[known])
    return ChannelFit(
        name=name, kind=kind, contacts=len(rows), answered=int(answered.sum()),
        abandoned=int(abandoned.sum()) if kind == "realtime" else 0,
        volume=fit_volume(rows["arrival"], interval, log.start, log.end),
        handle=handle, patience=patience,
        agents=None if agents is None else [round(a) for a in agents])


def square_root_staffing(fit: ChannelFit, interval: float) -> list[int]:
    """An assumed staffing when the log comes without one: offered load a = arrival rate x
    mean handle time in each interval, and ceil(a + sqrt(a)) agents (0 where a is 0)."""
    mean = TypeAdapter(Distribution).validate_python(fit.handle.dist).mean
    per_day = round(DAY / interval)
    if fit.kind == "deferred":  # messages wait: staff the day's work evenly
        load = np.full(per_day, fit.volume.daily * mean / DAY)
    else:
        load = np.asarray(fit.volume.profile, dtype=float) * mean / interval
    return [math.ceil(a + math.sqrt(a)) if a > 0 else 0 for a in load]
