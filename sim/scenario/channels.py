"""Channels: how a contact is queued and served, and what its customer does next."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.model.distributions import Distribution
from sim.model.fields import Duration, PositiveDuration, Share, TimeOfDay
from sim.model.units import DAY
from sim.scenario.base import Count, Strict

ByReason = Share | dict[str, Share]  # one value, or one per reason with a "default"
MAX_EXCHANGES = 32_767  # a case's exchanges, and a need's contacts, are int16 counts


class Target(Strict):
    """Service-level target: `share` of contacts answered within `within`."""

    within: Duration
    share: Annotated[float, Field(gt=0, le=1)] = 0.8


class Caps(Strict):
    """Upper limits a planner sets per channel, beside the service level: the share of
    contacts that abandon, and the mean wait of answered ones (ASA). Named as the metrics."""

    abandon_rate: Share | None = None
    wait_mean: PositiveDuration | None = None


class Hours(Strict):
    """Daily opening hours: agents take this channel's contacts only between `open` and `close`
    ("09:00" to "17:30"; a close before the open is past midnight)."""

    open: TimeOfDay
    close: TimeOfDay

    @model_validator(mode="after")
    def _within_a_day(self) -> Hours:
        if not (self.open < DAY and 0 < self.close <= DAY and self.open != self.close):
            raise ValueError("open and close are times of day (00:00 to 24:00) and must "
                             "differ")
        return self

    def next_open(self, t: float) -> float:
        """The first opening instant at or after t."""
        day, tod = divmod(t, DAY)
        return (day + (tod > self.open)) * DAY + self.open

    def is_open(self, t: float) -> bool:
        tod = t % DAY
        if self.open < self.close:
            return self.open <= tod < self.close
        return tod >= self.open or tod < self.close  # open past midnight


class NextStep(Strict):
    """What a customer does after a bad experience: `retry` on another channel, or
    complain in `public` (Twitter users only); with the remaining probability they give up."""

    retry: Share = 0.0
    public: Share = 0.0

    @model_validator(mode="after")
    def _at_most_one(self) -> NextStep:
        if self.retry + self.public > 1 + 1e-9:
            raise ValueError("retry + public must not exceed 1")
        return self


class Redirect(Strict):
    """The "help can be obtained here" reply: a `share` of answered contacts (per reason)
    is sent on to other channels, chosen by `to`, after the customer's `delay`."""

    share: ByReason
    to: Annotated[dict[str, Share], Field(min_length=1)]
    delay: Distribution | None = None  # absent: the customer moves at once


class Channel(Strict):
    kind: Literal["realtime", "deferred", "public"]
    handle_time: Distribution  # per exchange when `messages` is set
    patience: Distribution | None = None  # realtime: abandons; deferred/public: feels late
    target: Target | None = None
    caps: Caps | None = None  # limits `sim staff` meets besides the target
    concurrency: Annotated[int, Field(ge=1)] = 1  # sessions an agent holds at once (chat)
    concurrency_slowdown: Annotated[float, Field(ge=0)] = 0.0  # each extra session slows all
    hours: Hours | None = None  # absent: open around the clock
    # what a customer does on arriving while `hours` say closed (see `closed_action`)
    when_closed: Literal["switch", "return", "give_up", "queue"] | None = None
    return_delay: Distribution | None = None  # "return": time after the opening to come back
    backlog: Count = 0  # contacts already waiting at the start of the warm-up
    fcr: ByReason = 1.0  # first-contact resolution: share of served contacts that resolve
    escalate_to: str | None = None  # channel that takes unresolved contacts (e.g. tier 2)
    redirect: Redirect | None = None
    messages: Distribution | None = None  # exchanges per case (rounded, 1 to MAX_EXCHANGES)
    reply_gap: Distribution | None = None  # the customer's time to answer between exchanges
    on_abandon: NextStep = NextStep()
    on_late: NextStep = NextStep()  # when patience runs out on a deferred or public contact
    twitter_only: bool | None = None  # only Twitter users can use it (default: public)
    untagged: Share = 0.0  # public: mentions that do not tag the brand (found only by listening)

    @property
    def needs_twitter(self) -> bool:
        return self.twitter_only if self.twitter_only is not None else self.kind == "public"

    @property
    def closed_action(self) -> str:
        """`when_closed`, else: a realtime customer switches to an open channel of their
        table (a caller cannot wait on a closed line); a message waits in queue."""
        if self.when_closed is not None:
            return self.when_closed
        return "switch" if self.kind == "realtime" else "queue"

    @model_validator(mode="after")
    def _kind_rules(self) -> Channel:
        if self.kind == "realtime" and self.on_late != NextStep():
            raise ValueError("on_late: a realtime contact abandons instead; use on_abandon")
        if self.kind != "realtime" and self.on_abandon != NextStep():
            raise ValueError(f"on_abandon: a {self.kind} contact never abandons; use on_late")
        if self.untagged and self.kind != "public":
            raise ValueError("untagged: only public channels have mentions without the tag")
        if self.return_delay is not None and self.when_closed != "return":
            raise ValueError('return_delay: goes with when_closed = "return"')
        if self.reply_gap is not None and self.messages is None:
            raise ValueError("reply_gap: goes with messages")
        return self
