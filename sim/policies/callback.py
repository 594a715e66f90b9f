"""`callback`: offer callers a callback when the phone queue is long."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from sim.model.fields import Duration, Share
from sim.policies.fifo import Fifo

if TYPE_CHECKING:
    from sim.engine.simulation import Simulation


class CallbackOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    threshold: Duration = 60.0  # offer when the expected wait exceeds this
    accept: Share = 0.6  # callers who take the offer (assumption, docs/policies.md)


class Callback(Fifo):
    """Pick it when callers abandon a long phone queue.

    Routing is fifo. When a caller joins a realtime queue whose expected wait
    (callers ahead x mean handle time / agents serving the channel) exceeds
    `threshold`, a share `accept` of callers take a callback: they keep their
    place in the queue without waiting on the line, so they no longer abandon,
    and an agent calls them back when their turn comes.
    """

    name = "callback"
    Options = CallbackOptions

    def on_queue(self, sim: Simulation, contact: int, channel: int) -> None:
        if not sim.realtime[channel]:
            return
        agents = sum(pool.active for pool in sim.pools_for[channel])
        mean = sim.channel_specs[channel].handle_time.mean
        expected = sim.waiting[channel] * mean / agents if agents else float("inf")
        if expected > self.options.threshold and sim.coin() < self.options.accept:
            sim.keep_place(contact)
