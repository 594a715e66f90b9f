"""`fifo`: each channel first come, first served; the longest-idle agent takes an arrival."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.engine.agents import Agent
    from sim.engine.simulation import Simulation


class Fifo(Policy):
    """The reference policy: no channel is favoured.

    A planner picks it as the baseline that other policies are compared with,
    and it is the discipline under which Erlang C and A hold. An arrival goes
    to the agent idle longest (across the pools with the skill), else to an
    agent that has a free chat slot; a free agent takes the contact that
    arrived first among the open channels it serves.
    """

    name = "fifo"

    def select_agent(self, sim: Simulation, contact: int, channel: int) -> Agent | None:
        pools = sim.pools_for[channel]
        if len(pools) == 1 and pools[0].idle:  # the common case, without the comparison
            return next(iter(pools[0].idle))
        best = None
        for pool in pools:
            if pool.idle:
                agent = next(iter(pool.idle))
                if best is None or agent.free_since < best.free_since:
                    best = agent
        if best is None and sim.concurrency[channel] > 1:
            for pool in sim.pools_for[channel]:
                slots = pool.open_slots[channel]
                if slots:
                    return next(iter(slots))
        return best

    def select_contact(self, sim: Simulation, agent: Agent) -> int | None:
        if agent.sessions:  # a chat agent with room takes more of the same channel only
            return sim.head(agent.channel) if sim.open[agent.channel] else None
        skills = agent.pool.skills
        if len(skills) == 1:  # a dedicated pool: its one queue, without comparing heads
            ch = skills[0]
            return sim.head(ch) if sim.waiting[ch] and sim.open[ch] else None
        return oldest_head(sim, skills)


def oldest_head(sim: Simulation, channels: Iterable[int]) -> int | None:
    """The contact that arrived first among the queue heads of the open `channels` with work
    (fifo's choice, restricted to some channels)."""
    best, oldest = None, 0.0
    for ch in channels:
        if sim.waiting[ch] and sim.open[ch]:
            i = sim.head(ch)
            if i is not None and (best is None or sim.arrival[i] < oldest):
                best, oldest = i, sim.arrival[i]
    return best
