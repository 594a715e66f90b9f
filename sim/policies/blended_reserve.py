"""`blended-reserve`: realtime first; deferred and public work only with agents to spare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from sim.policies.base import NoOptions
from sim.policies.fifo import Fifo, oldest_head

if TYPE_CHECKING:
    from sim.engine.agents import Agent, PoolState
    from sim.engine.simulation import Simulation


class BlendedReserveOptions(NoOptions):
    threshold: Annotated[int, Field(ge=1)] = 1  # realtime contacts waiting that stop blending
    reserve: Annotated[int, Field(ge=0)] = 1  # idle agents of the pool kept for realtime


class BlendedReserve(Fifo):
    """Pick it for multi-skilled agents who answer phone or chat and fill their idle time
    with email or mentions, when the realtime service level must not pay for the blend.

    Realtime work comes first (oldest first). An agent takes deferred or public work only
    while every open realtime queue it serves has fewer than `threshold` contacts waiting
    and at least `reserve` agents of its pool stay idle after it takes the item; a pool
    whose realtime channels are all closed keeps no reserve. Arrivals on realtime channels
    go to an agent as under fifo. Compare it with fifo on the realtime service level and
    with a dedicated realtime pool on what the blend still clears.

    `threshold` never binds with today's engine: an idle agent takes a waiting realtime
    contact first, so no realtime queue it serves has anyone waiting when it looks further.
    The engine does not ask idle agents again when a realtime channel closes, so reserve
    agents stay idle until the next event, and an item arriving then may go before older
    ones.
    """

    name = "blended-reserve"
    Options = BlendedReserveOptions

    def __init__(self, options: BlendedReserveOptions) -> None:
        super().__init__(options)
        self._split: dict[PoolState, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    def select_agent(self, sim: Simulation, contact: int, channel: int) -> Agent | None:
        if sim.channel_specs[channel].kind == "realtime":
            return super().select_agent(sim, contact, channel)
        best = None
        for pool in sim.pools_for[channel]:
            if pool.idle and self._may_blend(sim, pool, len(pool.idle) - 1):
                agent = next(iter(pool.idle))
                if best is None or agent.free_since < best.free_since:
                    best = agent
        if best is None and sim.concurrency[channel] > 1:  # room beside a session of it
            best = next((next(iter(p.open_slots[channel])) for p in sim.pools_for[channel]
                         if p.open_slots[channel]), None)
        return best

    def select_contact(self, sim: Simulation, agent: Agent) -> int | None:
        if agent.sessions:  # a chat agent with room: more of the same channel, as fifo
            return super().select_contact(sim, agent)
        pool = agent.pool
        realtime, other = self._channels(sim, pool)
        i = oldest_head(sim, realtime)
        if i is not None or not other:
            return i
        idle_after = len(pool.idle) - (agent in pool.idle)
        return oldest_head(sim, other) if self._may_blend(sim, pool, idle_after) else None

    def _may_blend(self, sim: Simulation, pool: PoolState, idle_after: int) -> bool:
        """Whether an agent of `pool` may take deferred or public work, leaving `idle_after`
        agents of the pool idle."""
        realtime = [ch for ch in self._channels(sim, pool)[0] if sim.open[ch]]
        return not realtime or (idle_after >= self.options.reserve and all(
            sim.waiting[ch] < self.options.threshold for ch in realtime))

    def _channels(self, sim: Simulation,
                  pool: PoolState) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """The pool's skills: realtime ones, then the others."""
        split = self._split.get(pool)
        if split is None:
            kinds = [sim.channel_specs[ch].kind == "realtime" for ch in pool.skills]
            split = self._split[pool] = (
                tuple(ch for ch, rt in zip(pool.skills, kinds, strict=True) if rt),
                tuple(ch for ch, rt in zip(pool.skills, kinds, strict=True) if not rt))
        return split
