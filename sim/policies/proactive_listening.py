"""`proactive-listening`: search for mentions that do not tag the brand, and answer them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from sim.model.fields import Duration, Share
from sim.policies.fifo import Fifo

if TYPE_CHECKING:
    from sim.engine.simulation import Simulation


class ListeningOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    detection: Share = 0.8  # share of untagged mentions the search finds (assumption)
    delay: Duration = 900.0  # how long after the tweet it finds them (assumption)


class ProactiveListening(Fifo):
    """Pick it when many complaints mention the brand without tagging it.

    A public channel's `untagged` share of mentions is invisible to a brand
    that only reads its notifications (every other policy). With listening,
    a share `detection` of them is found `delay` after the tweet and joins the
    public queue; routing is fifo. Compare it with fifo on unanswered
    impressions and on the public workload.
    """

    name = "proactive-listening"
    Options = ListeningOptions

    def detect(self, sim: Simulation, contact: int) -> float | None:
        return self.options.delay if sim.coin() < self.options.detection else None
