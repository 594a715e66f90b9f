"""`sla-weighted`: the waiting contact furthest past its channel's target goes first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.model.fields import PositiveDuration
from sim.policies.base import NoOptions
from sim.policies.fifo import Fifo

if TYPE_CHECKING:
    from sim.engine.agents import Agent
    from sim.engine.simulation import Simulation

MIN_TARGET = 1e-3  # seconds: a target of 0 ranks its waits above every other channel's


class SlaWeightedOptions(NoOptions):
    default_target: PositiveDuration = 3600.0  # for channels without `target`


class SlaWeighted(Fifo):
    """Pick it when channels with very different targets (phone in 20 s, email in 12 h)
    share agents and each should meet its own: fifo serves by age alone, so the channel
    with the short target misses it while the long-target channel is far inside its own.

    A free agent compares the oldest waiting contact of each open channel it serves and
    takes the one whose wait is the largest multiple of its channel's `target.within`
    (`default_target` for channels without a target). Equal targets give fifo's choice. An
    arrival goes to an agent as under fifo (longest idle).
    """

    name = "sla-weighted"
    Options = SlaWeightedOptions

    def __init__(self, options: SlaWeightedOptions) -> None:
        super().__init__(options)
        self._target: tuple[float, ...] = ()

    def select_contact(self, sim: Simulation, agent: Agent) -> int | None:
        if agent.sessions:  # a chat agent with room: more of the same channel, as fifo
            return super().select_contact(sim, agent)
        if not self._target:
            default = self.options.default_target
            self._target = tuple(max(s.target.within if s.target else default, MIN_TARGET)
                                 for s in sim.channel_specs)
        now, best, most = sim.now, None, 0.0
        for ch in agent.pool.skills:
            if sim.waiting[ch] and sim.open[ch]:
                i = sim.head(ch)
                if i is not None:
                    overdue = (now - sim.arrival[i]) / self._target[ch]
                    if best is None or overdue > most:
                        best, most = i, overdue
        return best
