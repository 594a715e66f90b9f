"""Customer journeys across channels, and what the public sees of unanswered tweets."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.model.distributions import Distribution
from sim.model.fields import PositiveDuration, Share
from sim.scenario.base import Strict
from sim.scenario.channels import MAX_EXCHANGES, NextStep


class Journeys(Strict):
    """How a need moves between contacts."""

    on_unresolved: NextStep = NextStep()  # when a served contact does not resolve the need
    retry_delay: Distribution | None = None  # before a retry or a public complaint; absent: 0
    # a need gives up after this many contacts (at most MAX_EXCHANGES: an int16 count)
    max_contacts: Annotated[int, Field(ge=1, le=MAX_EXCHANGES)] = 6
    public_channel: str | None = None  # where public complaints go; default: first public one


class Visibility(Strict):
    """Impressions of public contacts (see docs/behaviour.md)."""

    impressions_per_follower: Share = 0.05  # facts: "1.3-8% of the author's followers, ~5%"
    half_life: PositiveDuration = 4800.0  # facts: "tweet attention half-life about 80 min"
    # hourly retweet probability of a fresh unanswered tweet, decaying with its attention;
    # 0.032 gives facts: "tweets retweeted at least once: about 6%" (docs/behaviour.md)
    retweet_per_hour: Annotated[float, Field(ge=0)] = 0.032
    retweet_window: PositiveDuration = 172800.0  # retweets drawn over 48 h of a tweet's age
