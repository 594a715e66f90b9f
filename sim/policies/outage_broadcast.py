"""`outage-broadcast`: a public status post during an outage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, ConfigDict

from sim.model.fields import Duration, Share
from sim.policies.fifo import Fifo

if TYPE_CHECKING:
    from sim.engine.simulation import Simulation
    from sim.scenario.schema import Scenario


class BroadcastOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    delay: Duration = 900.0  # from the outage's start to the status post (assumption)
    deflect: Share = 0.3  # needs of the outage's reason the post resolves (assumption)


class OutageBroadcast(Fifo):
    """Pick it for a day with an outage (`[[events]]`).

    `delay` after each outage starts, the brand posts its status in public.
    From then until the outage ends, a share `deflect` of needs with the
    outage's reason learn enough from the post and make no contact, and every
    public contact of that reason arriving in the outage is answered in the
    eyes of its audience when the post goes out (its unanswered impressions
    stop there); it still waits for an agent to resolve it. Routing is fifo.
    """

    name = "outage-broadcast"
    Options = BroadcastOptions

    def _windows(self, scenario: Scenario) -> list[tuple[float, float, int]]:
        reasons = list(scenario.needs.reasons)
        return [(e.start + self.options.delay, e.start + e.length, reasons.index(e.reason))
                for e in scenario.events]

    def extra_self_service(self, scenario: Scenario, arrival: np.ndarray,
                           reason: np.ndarray) -> np.ndarray | None:
        extra = np.zeros(len(arrival))
        for posted, end, code in self._windows(scenario):
            inside = (arrival >= posted) & (arrival < end) & (reason == code)
            extra[inside] = self.options.deflect
        return extra

    def broadcast(self, sim: Simulation, contact: int) -> float | None:
        reason = sim.need_reason[sim.need_of[contact]]
        now = sim.now
        for posted, end, code in self._windows(sim.scenario):
            if reason == code and posted - self.options.delay <= now < end:
                return posted
        return None
