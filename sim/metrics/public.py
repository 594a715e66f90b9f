"""Public complaints: which public contacts count as complaints, and how many are outstanding."""

from __future__ import annotations

import numpy as np

from sim.engine.records import COMPLAINT, Records
from sim.metrics.visibility import outstanding_seconds
from sim.scenario.schema import Scenario

COMPLAINT_REASONS = ("complaint", "outage")  # needs with these reasons complain wherever they are


def public_channels(records: Records, scenario: Scenario) -> np.ndarray:
    """Per channel code: is it a public channel (kind "public")?"""
    return np.array([scenario.channels[name].kind == "public" for name in records.channels],
                    dtype=bool)


def is_public_complaint(records: Records, scenario: Scenario,
                        contacts: np.ndarray | None = None) -> np.ndarray:
    """Per contact (all, or the indices `contacts`): on a public channel, and either its need's
    reason is a complaint or an outage, or it was made to complain in public (cause COMPLAINT).
    """
    idx = np.arange(len(records)) if contacts is None else np.asarray(contacts, dtype=np.intp)
    reasons = records.needs.reasons
    complaining = np.array([r in COMPLAINT_REASONS for r in reasons], dtype=bool)
    reason = records.needs.reason[records.need[idx]].astype(np.intp)
    public = public_channels(records, scenario)[records.channel[idx].astype(np.intp)]
    return public & (complaining[reason] | (records.cause[idx] == COMPLAINT))


def outstanding_per_bin(records: Records, scenario: Scenario, edges: np.ndarray) -> np.ndarray:
    """Seconds of public complaints not yet replied to, shaped (channels, bins).

    Every public complaint that arrived before the horizon counts, warm-up ones
    included: one still unanswered at t=0 is outstanding from 0 (bins start
    at 0). A complaint not replied to by the horizon is outstanding until it.
    Divided by the bin width this is the time-average number outstanding.
    Non-public channels get zero rows.
    """
    out = np.zeros((len(records.channels), len(edges) - 1))
    if not public_channels(records, scenario).any():
        return out
    complaint = is_public_complaint(records, scenario) & (records.arrival < records.horizon)
    reply = public_reply(records)
    until = np.where(np.isnan(reply), records.horizon, reply)
    for ch in np.flatnonzero(public_channels(records, scenario)):
        mine = complaint & (records.channel == ch)
        out[ch] = outstanding_seconds(records.arrival[mine], until[mine], edges)
    return out


def public_reply(records: Records) -> np.ndarray:
    """When each contact was first answered in public: its first reply, or an earlier status
    post that reached it (a policy's broadcast), NaN if neither happened by the horizon."""
    reply = records.replied.copy()
    posted = records.broadcast_time < records.horizon
    contacts = records.broadcast_contact[posted]
    reply[contacts] = np.fmin(reply[contacts], records.broadcast_time[posted])
    return reply
