"""The fitted model as a scenario `sim run` takes as it is: each number with a comment that
cites its source (the log and the fit's statistic), or says "assumption"."""

from __future__ import annotations

import re

from sim.fit.model import ChannelFit, LogFit, square_root_staffing
from sim.model.units import format_duration
from sim.scenario.toml import dumps

# assumption: the usual 80/20 for calls and chats, and a working day for messages
TARGETS = {"realtime": {"within": "20s", "share": 0.8},
           "deferred": {"within": "24h", "share": 0.8}}


def scenario_name(text: str) -> str:
    """A scenario name (it names a folder) from a file stem."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-._")
    return name if name and name[0].isalnum() else f"fitted-{name}".rstrip("-")


def scenario_data(fit: LogFit, name: str) -> tuple[dict, dict[tuple[str, ...], str]]:
    """The scenario as a TOML-ready dict, and the comments for `toml.dumps`."""
    log = fit.log
    weekly = any(c.volume.weekdays is not None for c in fit.channels.values())
    data: dict = {"name": name, "horizon": "7d" if weekly else "1d", "warmup": "1d",
                  "interval": format_duration(fit.interval)}
    comments = {
        (): (f"Fitted by `sim fit` from {log.path.name}: {log.rows:,} rows "
             f"({log.dropped:,} dropped as bad), arrivals from {log.start:%Y-%m-%d} to "
             f"{log.end:%Y-%m-%d} (exclusive), {fit.days} days.\n"
             "Every number comes from that log (or its staffing file) unless its comment "
             "says assumption."),
        ("horizon",): ("a week: day 0 is a Monday, as the weekday factors are listed"
                       if weekly else "the average day"),
        ("warmup",): "assumption: a whole day before, so the night's queue is there at t=0",
    }
    data["demand"] = {"channels": {}}
    data["channels"], data["pools"] = {}, {}
    for ch in fit.channels.values():
        data["demand"]["channels"][ch.name] = _demand(ch)
        comments[("demand", "channels", ch.name)] = (
            f"{ch.name}: {ch.contacts:,} contacts in {ch.volume.days} days; profile = mean "
            f"contacts per {format_duration(fit.interval)} of the day"
            + ("; weekdays = each weekday's mean day over the mean day, Monday first"
               if ch.volume.weekdays else ""))
        data["channels"][ch.name], channel_comments = _channel(ch)
        comments.update({("channels", ch.name, *k): v for k, v in channel_comments.items()})
        if ch.agents is not None:
            agents: int | list[int] = ch.agents
            source = (f"observed agents per {format_duration(fit.interval)} of the average "
                      f"day, over the {fit.agents_days} days of the staffing file")
        else:
            agents = square_root_staffing(ch, fit.interval)
            source = ("assumption: no --agents file; square-root staffing ceil(a + sqrt(a)) on "
                      "the fitted load a")
        if len(set(agents)) == 1:
            agents = agents[0]
        data["pools"][ch.name] = {"skills": [ch.name], "agents": agents}
        comments[("pools", ch.name)] = f"one pool per channel: {source}"
    return data, comments


def scenario_toml(fit: LogFit, name: str) -> str:
    return dumps(*scenario_data(fit, name))


def _demand(ch: ChannelFit) -> dict:
    v = ch.volume
    table: dict = {"daily": v.daily, "profile": [float(w) for w in v.profile]}
    if v.weekdays is not None:
        table["weekdays"] = [float(w) for w in v.weekdays]
    return table


def _channel(ch: ChannelFit) -> tuple[dict, dict[tuple[str, ...], str]]:
    table: dict = {"kind": ch.kind, "handle_time": ch.handle.dist}
    comments = {("kind",): ("marked --deferred: no abandonment" if ch.kind == "deferred" else
                            "realtime: its customers abandon"),
                ("handle_time",): f"ended - answered of {ch.handle.n:,} answered contacts: "
                                  f"{ch.handle.statistic}"}
    if ch.kind == "realtime":
        if ch.patience is not None:
            table["patience"] = ch.patience.dist
            comments[("patience",)] = (
                f"censored: an abandoned contact shows its patience, an answered one only "
                f"that it exceeded its wait: {ch.patience.statistic}")
        else:
            comments[("kind",)] = "realtime; nobody abandoned, so no patience is fitted"
    table["target"] = TARGETS[ch.kind]
    comments[("target",)] = "assumption: set your own target"
    return table, comments

