"""What happened to each measured contact, judged by its channel's rules, and sums by group.

Computed as flat arrays, so that per-channel and per-interval metrics are both plain
`bincount`s over a group code; a part of the contacts at a time (`contact_counts`), so that
a replication of millions of contacts needs little more memory than its records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.records import ABANDONED, CLOSED, Records
from sim.metrics.contacts import measured
from sim.metrics.impressions import contact_impressions
from sim.metrics.public import is_public_complaint
from sim.scenario.schema import Scenario

# Seconds: an arrival answered at once may differ from its arrival time by rounding.
TOLERANCE = 1e-9
DEFERRED_KINDS = ("deferred", "public")  # judged by first response, not by wait
CLOSED_METRICS = frozenset({"met_closed"})  # channels whose customers may meet them closed
PUBLIC_METRICS = frozenset({"public_complaints", "unanswered_impressions", "reply_impressions",
                            "public_outstanding"})
NEED_METRICS = ("transfers_per_need", "contacts_per_need", "resolution_time_mean",
                "resolved_share", "self_service_share")  # channel 'all' only


@dataclass(frozen=True)
class Outcomes:
    """Per measured contact (arrival in [0, horizon)); booleans unless noted."""

    channel: np.ndarray  # channel code
    arrival: np.ndarray  # seconds
    closed: np.ndarray  # met the channel closed: not offered, so in no other flag
    wait: np.ndarray  # answered - arrival, NaN unless answered
    answered: np.ndarray
    abandoned: np.ndarray
    delayed: np.ndarray  # not taken on arrival
    judged: np.ndarray  # its channel has a service-level target
    met: np.ndarray  # judged and within the target
    responded: np.ndarray  # deferred/public channel and replied to (first exchange done)
    first_response: np.ndarray  # replied - arrival, NaN unless responded
    escalated: np.ndarray  # led to another contact (some contact has it as parent)
    public_complaint: np.ndarray  # see `public.is_public_complaint`
    unanswered_impressions: np.ndarray  # float, 0 unless public
    reply_impressions: np.ndarray  # float, 0 unless public


PART = 1 << 16  # contacts judged at once by `contact_counts`


def outcomes(records: Records, scenario: Scenario, idx: np.ndarray | None = None,
             follow_up: np.ndarray | None = None) -> Outcomes:
    """The outcomes of the measured contacts (or of the contacts `idx`); `follow_up` is
    `has_follow_up(records)`, when the caller already has it."""
    idx = measured(records) if idx is None else idx
    follow_up = has_follow_up(records) if follow_up is None else follow_up
    channel = records.channel[idx].astype(np.intp)
    arrival = records.arrival[idx]
    wait = records.answered[idx] - arrival
    answered = ~np.isnan(wait)
    specs = [scenario.channels[name] for name in records.channels]
    within = np.array([np.inf if s.target is None else s.target.within for s in specs])
    has_target = np.array([s.target is not None for s in specs], dtype=bool)
    is_deferred = np.array([s.kind in DEFERRED_KINDS for s in specs], dtype=bool)

    deferred = is_deferred[channel]
    responded = deferred & ~np.isnan(records.replied[idx])
    first_response = np.where(responded, records.replied[idx] - arrival, np.nan)
    limit = within[channel] + TOLERANCE
    with np.errstate(invalid="ignore"):  # NaN compares False: not answered, not within
        in_time = np.where(deferred, first_response <= limit, wait <= limit)
    closed = records.status[idx] == CLOSED
    judged = has_target[channel] & ~closed
    unanswered, reply = contact_impressions(records, scenario, idx)
    return Outcomes(
        channel=channel,
        arrival=arrival,
        closed=closed,
        wait=wait,
        answered=answered,
        abandoned=records.status[idx] == ABANDONED,
        delayed=(~answered | (wait > TOLERANCE)) & ~closed,
        judged=judged,
        met=judged & in_time,
        responded=responded,
        first_response=first_response,
        escalated=follow_up[idx] & ~closed,
        public_complaint=is_public_complaint(records, scenario, idx),
        unanswered_impressions=unanswered,
        reply_impressions=reply,
    )


def has_follow_up(records: Records) -> np.ndarray:
    """Per contact: does some contact name it as its parent?"""
    return np.bincount(records.parent[records.parent >= 0], minlength=len(records)) > 0


# the sums behind the contact metrics (`rates`), per group
COUNTS = ("contacts", "closed", "answered", "abandoned", "delayed", "wait", "judged", "met",
          "responded", "first_response", "escalated", "public_complaints",
          "unanswered_impressions", "reply_impressions")


def group_counts(o: Outcomes, group: np.ndarray, n: int) -> np.ndarray:
    """The COUNTS (rows) per group code in [0, n) (columns): sums, so that the counts of
    several parts of the contacts add up."""
    flags = (None, o.closed, o.answered, o.abandoned, o.delayed,
             np.where(o.answered, o.wait, 0.0), o.judged, o.met, o.responded,
             np.where(o.responded, o.first_response, 0.0), o.escalated, o.public_complaint,
             o.unanswered_impressions, o.reply_impressions)
    return np.stack([np.bincount(group, weights=f, minlength=n) for f in flags])


def contact_counts(records: Records, scenario: Scenario, edges: np.ndarray) -> np.ndarray:
    """The COUNTS of the measured contacts by interval of arrival (the bins of `edges`) and
    channel: shaped (COUNTS, bins, channels). Summed over bins, they are the whole period's.
    Judged PART contacts at a time: the outcomes of all at once would cost more memory than
    the records."""
    n_bins, n_channels = len(edges) - 1, len(records.channels)
    follow_up = has_follow_up(records)
    counts = np.zeros((len(COUNTS), n_bins * n_channels))
    for start in range(0, len(records), PART):
        idx = measured(records, slice(start, start + PART))
        o = outcomes(records, scenario, idx, follow_up)
        bin_of = np.searchsorted(edges, o.arrival, side="right") - 1
        counts += group_counts(o, bin_of * n_channels + o.channel, n_bins * n_channels)
    return counts.reshape(len(COUNTS), n_bins, n_channels)


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """The contact metrics of `counts` (COUNTS along the first axis); NaN where a ratio has
    no data."""
    c = dict(zip(COUNTS, counts, strict=True))
    offered = c["contacts"] - c["closed"]
    return {
        "offered": offered,
        "met_closed": c["closed"],
        "answered": c["answered"],
        "abandoned": c["abandoned"],
        "abandon_rate": ratio(c["abandoned"], offered),
        "delayed_share": ratio(c["delayed"], offered),
        "wait_mean": ratio(c["wait"], c["answered"]),
        "service_level": ratio(c["met"], c["judged"]),
        "first_response_mean": ratio(c["first_response"], c["responded"]),
        "escalation_rate": ratio(c["escalated"], offered),
        "public_complaints": c["public_complaints"],
        "unanswered_impressions": c["unanswered_impressions"],
        "reply_impressions": c["reply_impressions"],
    }


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (a metric with no data, not an error)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def applicable(records: Records, scenario: Scenario) -> dict[str, set[str]]:
    """Which optional metrics each channel (and 'all') reports: service_level needs a target,
    met_closed opening hours that turn customers away, first_response_mean a deferred or
    public channel, the public metrics a public channel;
    'all' what any channel does (the catalogue's `applies` says which of them it has)."""
    out: dict[str, set[str]] = {}
    for name in records.channels:
        spec = scenario.channels[name]
        closes = spec.hours is not None and spec.closed_action != "queue"
        out[name] = ({"service_level"} if spec.target is not None else set()) | (
            CLOSED_METRICS if closes else set()) | (
            {"first_response_mean"} if spec.kind in DEFERRED_KINDS else set()) | (
            PUBLIC_METRICS if spec.kind == "public" else set())
    out["all"] = set().union(*out.values())
    return out
