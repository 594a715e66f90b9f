"""`front-door`: Twitter as the front door. Public mentions first, a short public reply, and
the cases that need it sent on to DM, phone or email by reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from sim.model.fields import PositiveDuration, Share
from sim.policies.fifo import Fifo

if TYPE_CHECKING:
    from sim.engine.agents import Agent
    from sim.engine.simulation import Simulation
    from sim.scenario.schema import Scenario

# By reason, the share of public cases sent on after the first public reply (assumption,
# docs/policies.md): quick questions and compliments are answered in public; sensitive
# data and large purchases never stay in public.
DEFAULT_SHARES = {"default": 0.5, "quick_question": 0.0, "compliment": 0.0,
                  "complaint": 0.6, "outage": 0.2, "sensitive_account": 1.0,
                  "purchase_high_value": 1.0}


class FrontDoorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    reply_time: PositiveDuration = 60.0  # the short public reply that opens every case
    share: dict[str, Share] = Field(default_factory=lambda: dict(DEFAULT_SHARES))
    # where redirected cases go; absent: the public channel's own `redirect.to`, else phone
    to: Annotated[dict[str, Share], Field(min_length=1)] | None = None


class FrontDoor(Fifo):
    """Pick it to ask "what if Twitter is our front door?".

    Free agents take public mentions first (oldest first), then other work as
    fifo does. The first reply to a mention is short (`reply_time`); after it,
    a share of cases by reason (`share`, with "default") moves to `to` (for
    example DM for sensitive data, phone for large purchases); the rest are
    answered in public. Compare it with fifo to see the trade-off: fewer
    unanswered impressions, more work on the channels the redirects land on.
    """

    name = "front-door"
    Options = FrontDoorOptions

    def select_contact(self, sim: Simulation, agent: Agent) -> int | None:
        if not agent.sessions:
            for ch in agent.pool.skills:
                if sim.channel_specs[ch].kind == "public" and sim.waiting[ch] and sim.open[ch]:
                    i = sim.head(ch)
                    if i is not None:
                        return i
        return super().select_contact(sim, agent)

    def may_redirect(self, spec) -> bool:
        return spec.kind == "public" or spec.redirect is not None

    def handle_time(self, sim: Simulation, contact: int, channel: int, duration: float) -> float:
        if sim.channel_specs[channel].kind == "public" and sim.is_first_exchange(contact):
            return self.options.reply_time
        return duration

    def redirect(self, sim: Simulation, contact: int) -> tuple[int, float] | None:
        ch = sim.channel_of[contact]
        if sim.channel_specs[ch].kind != "public":
            return super().redirect(sim, contact)
        reason = sim.reason_of(contact)
        share = self.options.share.get(reason, self.options.share.get("default", 0.0))
        if sim.coin() >= share:
            return None
        return sim.pick_channel(self._targets(sim, ch)), 0.0

    def _targets(self, sim: Simulation, ch: int) -> dict[str, float]:
        if self.options.to is not None:
            return self.options.to
        spec = sim.channel_specs[ch]
        return dict(spec.redirect.to) if spec.redirect is not None else {"phone": 1.0}

    @classmethod
    def validate_for(cls, options: FrontDoorOptions, scenario: Scenario) -> None:
        targets = options.to or {}
        for name in targets:
            if name not in scenario.channels:
                raise ValueError(f"to.{name}: names no channel "
                                 f"(channels: {', '.join(scenario.channels)})")
        if options.to is None:
            for name, spec in scenario.channels.items():
                if spec.kind == "public" and spec.redirect is None and "phone" not in \
                        scenario.channels:
                    raise ValueError(f"to: channel {name!r} has no redirect.to and there is "
                                     "no phone channel; give `to`")
