"""`priority`: a static channel order; a free agent serves the highest channel with work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from sim.policies.base import NoOptions
from sim.policies.fifo import Fifo, oldest_head

if TYPE_CHECKING:
    from sim.engine.agents import Agent, PoolState
    from sim.engine.simulation import Simulation
    from sim.scenario.schema import Scenario


class PriorityOptions(NoOptions):
    # channel names, highest priority first; none listed: every channel oldest first (fifo)
    order: list[str] = Field(default_factory=list)


class Priority(Fifo):
    """Pick it when one channel must always go first, whatever the others' waits: e.g.
    public mentions first (`order = ["twitter"]`) because every minute unanswered is seen,
    or phone first because the caller is on the line.

    A free agent takes the oldest contact of the highest channel in `order` that it serves,
    that is open and has work; channels not listed come after, oldest first among them (so
    an empty `order` is fifo). An arrival goes to an agent as under fifo (longest idle). The
    price is paid by the channels lower in the order: compare it with fifo on their waits.
    """

    name = "priority"
    Options = PriorityOptions

    def __init__(self, options: PriorityOptions) -> None:
        super().__init__(options)
        self._plan: dict[PoolState, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    @classmethod
    def validate_for(cls, options: PriorityOptions, scenario: Scenario) -> None:
        _check_order(options.order, tuple(scenario.channels))

    def select_contact(self, sim: Simulation, agent: Agent) -> int | None:
        if agent.sessions:  # a chat agent with room: more of the same channel, as fifo
            return super().select_contact(sim, agent)
        plan = self._plan.get(agent.pool)
        if plan is None:
            plan = self._plan[agent.pool] = self._plan_for(sim, agent.pool)
        ranked, rest = plan
        for ch in ranked:
            if sim.waiting[ch] and sim.open[ch]:
                i = sim.head(ch)
                if i is not None:
                    return i
        return oldest_head(sim, rest)

    def _plan_for(self, sim: Simulation,
                  pool: PoolState) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The pool's skills split into those in `order` (in that order) and the rest."""
        try:  # the scenario check does this; a scenario built around it is caught here
            _check_order(self.options.order, sim.channels)
        except ValueError as err:
            raise ValueError(f"policy.{err}") from None
        code = {name: k for k, name in enumerate(sim.channels)}
        ranked = tuple(code[n] for n in self.options.order if code[n] in pool.skills)
        return ranked, tuple(ch for ch in pool.skills if ch not in ranked)


def _check_order(order: list[str], channels: tuple[str, ...]) -> None:
    for k, name in enumerate(order):
        if name not in channels:
            raise ValueError(f"order: {name!r} names no channel "
                             f"(channels: {', '.join(channels)})")
        if name in order[:k]:
            raise ValueError(f"order: {name!r} is listed twice")
