"""The catalogue of metrics: one entry per name in metrics.csv, intervals.csv and the
backtest's backtest.csv.

Every place that shows a metric to people (the terminal, report.html, compare, the sweep
plot, `sim check`, the glossary in docs/metrics.md) takes its label, kind, unit and
direction from here, so that one metric has one label and one unit everywhere; the metrics
functions emit a row only where `applies` says it means something (no `all` row of a wait
that would average phone and email). Files keep the stored unit (seconds, fractions);
people see times by one rule of units and shares as percentages (sim/metrics/display.py
`shown`). Adding a metric: an entry here, its function, a test
(tests/unit/test_catalogue.py fails until all three agree).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Kind = Literal["time", "share", "count", "ratio", "money"]
Direction = Literal["lower", "higher"]
Applies = Literal["realtime", "deferred", "public", "all", "pool"]  # where rows exist

EVERY_CHANNEL: frozenset[Applies] = frozenset({"realtime", "deferred", "public", "all"})
PER_CHANNEL: frozenset[Applies] = frozenset({"realtime", "deferred", "public"})


@dataclass(frozen=True)
class Tolerance:
    """How much worse than the baseline a metric may get before `sim check` calls it a
    regression: a share of the baseline mean, but never less than an amount in the
    metric's own unit."""

    relative: float = 0.0  # share of the baseline mean
    absolute: float = 0.0  # in the metric's unit (seconds, share, impressions, ...)

    def amount(self, baseline_mean: float) -> float:
        return max(self.relative * abs(baseline_mean), self.absolute)

    def as_json(self) -> str | float:
        """As a baseline file's `tolerances` writes it ("10%" or an amount); an override has
        one of the two parts."""
        return f"{100 * self.relative:.6g}%" if self.relative else self.absolute


MEAN = Tolerance(relative=0.05, absolute=1.0)  # 5% of the mean, at least 1 (s, complaint, ...)
SHARE = Tolerance(absolute=0.01)  # one percentage point
PER_NEED = Tolerance(relative=0.05, absolute=0.01)  # 5%, at least a hundredth a need


@dataclass(frozen=True)
class Metric:
    """One metric; every metric here is a count, share, time or cost, so none is below 0."""

    name: str  # as in the files: metrics.csv's `metric` column
    label: str  # for people: "mean wait"
    kind: Kind  # how people see it: a duration, a percentage, a count
    unit: str  # the stored unit: "s", "fraction", "contacts", ...
    applies: frozenset[Applies]  # the rows that have it ('all' only where it means something)
    better: Direction | None  # None: neither way is better (a volume, staffing)
    tolerance: Tolerance | None  # sim check's default; None: not checked
    definition: str  # one line for the glossary
    passes_one: bool = False  # a share that can pass 1 (see `greatest`)

    @property
    def greatest(self) -> float:
        """The largest value the metric can take: 1 for a share, unless it `passes_one`."""
        return 1.0 if self.kind == "share" and not self.passes_one else math.inf


_CONTACTS = "contacts"
_ALL: frozenset[Applies] = frozenset({"all"})
_POOL: frozenset[Applies] = frozenset({"pool"})
_PUBLIC: frozenset[Applies] = frozenset({"public", "all"})
_DEFERRED: frozenset[Applies] = frozenset({"deferred", "public"})
_REALTIME: frozenset[Applies] = frozenset({"realtime"})

METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("offered", "offered", "count", _CONTACTS, EVERY_CHANNEL, None, None,
           "contacts arriving at the channel and offered to agents (not those that met it "
           "closed)"),
    Metric("met_closed", "met the channel closed", "count", _CONTACTS, EVERY_CHANNEL, None, None,
           "contacts that arrived while the channel was closed and did not wait (`when_closed`: "
           "switch, return or give up); channels with `hours` only"),
    Metric("answered", "answered", "count", _CONTACTS, EVERY_CHANNEL, None, None,
           "contacts taken by an agent"),
    Metric("abandoned", "abandoned", "count", _CONTACTS, EVERY_CHANNEL, None, None,
           "contacts that left the queue before an agent took them (realtime channels; a "
           "deferred or public contact never abandons)"),
    Metric("abandon_rate", "abandon rate", "share", "fraction", _REALTIME, "lower", SHARE,
           "abandoned / offered, realtime channels"),
    Metric("delayed_share", "had to wait", "share", "fraction", PER_CHANNEL, "lower", SHARE,
           "share of offered contacts not taken on arrival (they queued; abandoned and still "
           "waiting included)"),
    Metric("wait_mean", "mean wait", "time", "s", PER_CHANNEL, "lower", MEAN,
           "mean time from arrival to the first agent contact, over answered contacts"),
    Metric("wait_p50", "median wait", "time", "s", PER_CHANNEL, "lower", MEAN,
           "median time from arrival to the first agent contact, over answered contacts"),
    Metric("wait_p90", "90th percentile wait", "time", "s", PER_CHANNEL, "lower", MEAN,
           "90th percentile of the time from arrival to the first agent contact, over "
           "answered contacts"),
    Metric("service_level", "service level", "share", "fraction", EVERY_CHANNEL, "higher",
           SHARE, "share of offered contacts answered (realtime) or first replied to (deferred, "
           "public) within their channel's target time; channels with a `target`, and `all` "
           "over every judged contact"),
    Metric("first_response_mean", "mean time to first reply", "time", "s", _DEFERRED, "lower",
           MEAN, "deferred and public channels: mean time from arrival to the first reply"),
    Metric("escalation_rate", "led to another contact", "share", "fraction", EVERY_CHANNEL,
           "lower", SHARE, "share of offered contacts that led to another contact (retry, "
           "public complaint, redirect, escalation)"),
    Metric("public_complaints", "public complaints", "count", "complaints", _PUBLIC, "lower",
           MEAN, "public contacts whose need's reason is a complaint or an outage, or made as a "
           "public complaint (after an abandon, a late reply or no resolution)"),
    Metric("unanswered_impressions", "impressions while unanswered", "count", "impressions",
           _PUBLIC, "lower", MEAN,
           "impressions gathered by public contacts before the brand's first reply (a need's "
           "retweets go to its first public contact)"),
    Metric("reply_impressions", "impressions of the brand's replies", "count", "impressions",
           _PUBLIC, None, None, "impressions of the brand's public replies"),
    Metric("public_outstanding", "public complaints outstanding", "count", "complaints",
           _PUBLIC, "lower", None,
           "per interval (intervals.csv only): time-average public complaints not yet "
           "answered"),
    Metric("transfers_per_need", "channel changes per need", "ratio", "per need", _ALL, "lower",
           PER_NEED, "mean channel changes per need that self-service did not resolve "
           "(customer effort)"),
    Metric("contacts_per_need", "contacts per need", "ratio", "per need", _ALL, "lower",
           PER_NEED, "mean contacts per need that self-service did not resolve"),
    Metric("resolution_time_mean", "mean time to resolution", "time", "s", _ALL, "lower", MEAN,
           "mean time from a need's first contact to its resolution, over resolved needs, "
           "across channels"),
    Metric("resolved_share", "needs resolved", "share", "fraction", _ALL, "higher", SHARE,
           "share of needs resolved, of those self-service did not resolve"),
    Metric("self_service_share", "needs resolved by self-service", "share", "fraction", _ALL,
           "higher", SHARE, "share of all needs resolved by self-service, without a contact"),
    # it passes 1: busy time counts work an agent finishes after a shift, and a chat agent's
    # sessions as one busy stretch
    Metric("occupancy", "occupancy", "share", "fraction", _POOL, None, None,
           "busy agent time / on-duty agent time (breaks and shrinkage left out), per pool",
           passes_one=True),
    Metric("agents", "agents on shift (mean)", "count", "agents", _POOL, None, None,
           "mean agents scheduled (paid, breaks included), per pool"),
    Metric("on_duty", "agents on duty (mean)", "count", "agents", _POOL, None, None,
           "mean agents on duty (breaks and shrinkage left out), per pool"),
    Metric("cost", "cost", "money", "currency", _POOL, "lower", None,
           "paid (scheduled) agent hours x cost per hour"),
    Metric("offered_per_day", "offered per day", "count", "contacts per day", PER_CHANNEL,
           None, None, "backtest.csv only (`sim fit --backtest`): offered contacts per day, "
           "in the log and in the simulated logs"),
)}


def metric(name: str) -> Metric:
    """The entry of a metric; KeyError names the known ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the catalogue of metrics "
                       f"(sim/metrics/catalogue.py): {', '.join(METRICS)}") from None


def label(name: str) -> str:
    return metric(name).label


def has_row(name: str, where: Applies) -> bool:
    """Whether metric `name` has a row for a channel of kind `where` (or `all`, a pool)."""
    return where in metric(name).applies


def sign(name: str) -> int:
    """+1 if higher is better, -1 if lower is, 0 if neither."""
    return {"higher": 1, "lower": -1, None: 0}[metric(name).better]
