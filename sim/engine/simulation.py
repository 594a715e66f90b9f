"""One replication: simpy is the clock, plain containers hold the state.

No processes: a service completion, an abandonment, a staffing or an
opening-hours change is a callback scheduled on simpy's heap; arrivals,
known in advance, are fed to the clock in order (see `Clock`). Contacts are
integers indexing columnar arrays.
"""

from __future__ import annotations

from array import array
from collections import deque
from math import inf

import numpy as np

from sim.engine.agents import Agent, PoolState
from sim.engine.clock import Clock
from sim.engine.records import ABANDONED, ANSWERED, IN_SERVICE, WAITING, Records
from sim.engine.streams import stream
from sim.model.arrivals import arrival_times, rate_steps
from sim.model.staffing import staffing_steps
from sim.model.units import DAY
from sim.policies import make_policy
from sim.scenario.schema import Scenario


class Simulation:
    """The state of one replication. Policies read it; only the engine changes it.

    What a policy may read: `now`, `channels` (names), `channel_specs`,
    `pools`, `pools_for[ch]` (pools with skill ch), `concurrency[ch]`,
    `open[ch]`, `waiting[ch]` (contacts in queue), `head(ch)` (oldest waiting
    contact or None), `arrival[i]` and `channel_of[i]` of contact i.
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence) -> None:
        self.scenario = scenario
        self.env = Clock(initial_time=-scenario.warmup)
        self.policy = make_policy(scenario.policy.name, scenario.policy.options)
        self.channels = tuple(scenario.channels)
        self.channel_specs = tuple(scenario.channels.values())
        code = {name: k for k, name in enumerate(self.channels)}
        self.pools = tuple(
            PoolState(k, name, tuple(code[s] for s in pool.skills))
            for k, (name, pool) in enumerate(scenario.pools.items())
        )
        self.pools_for = tuple(
            tuple(p for p in self.pools if ch in p.skills) for ch in range(len(self.channels))
        )
        self.concurrency = tuple(c.concurrency for c in self.channel_specs)
        self.slowdown = tuple(c.concurrency_slowdown for c in self.channel_specs)
        self.open = [c.hours is None or c.hours.is_open(-scenario.warmup)
                     for c in self.channel_specs]
        self.queues: tuple[deque[int], ...] = tuple(deque() for _ in self.channels)
        self.waiting = [0] * len(self.channels)
        self._draw_contacts(seed)

    # ---- set-up: every customer's variates, drawn in numpy blocks -------------------------

    def _draw_contacts(self, seed: np.random.SeedSequence) -> None:
        sc = self.scenario
        start, end = -sc.warmup, sc.horizon
        d = sc.demand
        edges, rates = rate_steps(d.per_hour, d.daily, d.profile, sc.interval, start, end)
        needs = arrival_times(stream(seed, "arrivals"), edges, rates)
        shares = np.array([sc.choice["default"].get(ch, 0.0) for ch in self.channels])
        cumulative = np.cumsum(shares) / shares.sum()
        cumulative[np.flatnonzero(shares)[-1]:] = 1.0  # rounding never picks a zero share
        u_choice = stream(seed, "choice").random(len(needs))
        need_channel = np.searchsorted(cumulative, u_choice, side="right")
        backlog_channel = np.repeat(np.arange(len(self.channels)),
                                    [c.backlog for c in self.channel_specs])
        arrival = np.concatenate((np.full(len(backlog_channel), start), needs))
        channel = np.concatenate((backlog_channel, need_channel)).astype(np.int8)
        u_backlog = stream(seed, "backlog").random((2, len(backlog_channel)))
        u_handle = np.concatenate((u_backlog[0], stream(seed, "handle").random(len(needs))))
        u_patience = np.concatenate((u_backlog[1],
                                     stream(seed, "patience").random(len(needs))))
        handle = np.empty(len(arrival))
        patience = np.full(len(arrival), inf)
        for k, spec in enumerate(self.channel_specs):
            mask = channel == k
            handle[mask] = spec.handle_time.ppf(u_handle[mask])
            if spec.patience is not None:
                patience[mask] = spec.patience.ppf(u_patience[mask])
        n = len(arrival)
        self.arrival = arrival.tolist()
        self.channel_of = channel.tolist()
        self._channel = channel
        self._handle = handle.tolist()
        self._patience = patience.tolist()
        self._answered = array("d", np.full(n, np.nan).tobytes())
        self._ended = array("d", np.full(n, np.nan).tobytes())
        self._pool = array("h", np.full(n, -1, dtype=np.int16).tobytes())
        self._agent = array("i", np.full(n, -1, dtype=np.int32).tobytes())
        self._status = bytearray(n)  # WAITING == 0

    # ---- what policies read ---------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.env.now

    def head(self, ch: int) -> int | None:
        """The oldest contact still waiting on channel ch (abandoned ones are dropped lazily)."""
        queue, status = self.queues[ch], self._status
        while queue and status[queue[0]] != WAITING:
            queue.popleft()
        return queue[0] if queue else None

    # ---- the run ----------------------------------------------------------------------------

    def run(self) -> Records:
        sc, env = self.scenario, self.env
        # opening hours first: at the same instant, a channel closes before a shift starts
        for ch, spec in enumerate(self.channel_specs):
            if spec.hours is not None:
                for t, is_open in _hours_changes(spec.hours, -sc.warmup, sc.horizon):
                    self.env.call_at(t, self._on_hours, (ch, is_open))
        for pool, spec in zip(self.pools, sc.pools.values(), strict=True):
            for t, count in staffing_steps(spec.agents, spec.shifts, sc.interval,
                                           -sc.warmup, sc.horizon):
                self.env.call_at(t, self._on_staffing, (pool, count))
        env.run_merged(sc.horizon, self.arrival, self._on_arrival)
        return self._records()

    def _on_arrival(self, i: int) -> None:
        env = self.env
        now = env._now
        ch = self.channel_of[i]
        agent = self.policy.select_agent(self, i, ch) if self.open[ch] else None
        if agent is None:
            self.queues[ch].append(i)
            self.waiting[ch] += 1
            patience = self._patience[i]
            if patience != inf:
                env.call_at(now + patience, self._on_abandon, i)
        else:
            if agent.sessions == 0:
                del agent.pool.idle[agent]
            self._start(i, ch, agent, now)

    def _start(self, i: int, ch: int, agent: Agent, now: float) -> None:
        pool = agent.pool
        sessions = agent.sessions
        if sessions == 0:
            agent.channel = ch
        sessions += 1
        agent.sessions = sessions
        duration = self._handle[i]
        concurrency = self.concurrency[ch]
        if concurrency > 1:
            duration *= 1.0 + self.slowdown[ch] * (sessions - 1)
            slots = pool.open_slots[ch]
            if sessions < concurrency:
                slots[agent] = None
            else:
                slots.pop(agent, None)
        self._status[i] = IN_SERVICE
        self._answered[i] = now
        self._pool[i] = pool.code
        self._agent[i] = agent.index
        self.env.call_at(now + duration, self._on_complete, (i, agent))

    def _on_complete(self, event) -> None:
        i, agent = event._value
        now = self.env._now
        self._status[i] = ANSWERED
        self._ended[i] = now
        agent.sessions -= 1
        pool = agent.pool
        if self.concurrency[agent.channel] > 1:
            pool.open_slots[agent.channel].pop(agent, None)  # _serve puts it back if it has room
        if agent.sessions == 0:
            agent.free_since = now
        if pool.to_release and not agent.leaving:
            pool.to_release -= 1
            pool.active -= 1
            agent.leaving = True
        if agent.leaving:
            if agent.sessions == 0:
                pool.retired.append(agent)
            return
        self._serve(agent, now)

    def _serve(self, agent: Agent, now: float) -> None:
        """Give an agent with room work until it is full or the policy says stop.

        An idle agent that gets nothing keeps its place among the idle.
        """
        select = self.policy.select_contact
        idle = agent.pool.idle
        while True:
            i = select(self, agent)
            if i is None:
                break
            if agent.sessions == 0:
                idle.pop(agent, None)
            ch = self.channel_of[i]
            queue = self.queues[ch]
            if queue[0] == i:
                queue.popleft()
            else:
                queue.remove(i)
            self.waiting[ch] -= 1
            self._start(i, ch, agent, now)
            if agent.sessions >= self.concurrency[ch]:
                return
        if agent.sessions == 0:
            idle.setdefault(agent)
        elif self.concurrency[agent.channel] > 1:
            agent.pool.open_slots[agent.channel][agent] = None

    def _on_abandon(self, event) -> None:
        i = event._value
        if self._status[i] == WAITING:
            self._status[i] = ABANDONED
            self._ended[i] = self.env._now
            self.waiting[self.channel_of[i]] -= 1

    def _on_staffing(self, event) -> None:
        """Bring agents on shift, or send them off: idle ones at once, busy ones as they free up."""
        pool, count = event._value
        now = self.env._now
        change = count - (pool.active - pool.to_release)
        if change > 0:
            cancelled = min(change, pool.to_release)
            pool.to_release -= cancelled
            for _ in range(change - cancelled):
                self._serve(pool.hire(now), now)
        else:
            for _ in range(-change):
                if pool.idle:
                    pool.retire(next(reversed(pool.idle)))  # the most recently idle leaves first
                elif not pool.release_partly_busy():
                    pool.to_release += 1  # the next agent to finish a contact leaves

    def _on_hours(self, event) -> None:
        ch, is_open = event._value
        self.open[ch] = is_open
        if is_open:
            now = self.env._now
            for pool in self.pools_for[ch]:
                for agent in list(pool.idle):
                    if not self.waiting[ch]:
                        return
                    self._serve(agent, now)

    def _records(self) -> Records:
        sc = self.scenario
        return Records(
            channels=self.channels,
            pools=tuple(p.name for p in self.pools),
            arrival=np.asarray(self.arrival, dtype=float),
            channel=self._channel,
            answered=np.frombuffer(self._answered, float),
            ended=np.frombuffer(self._ended, float),
            pool=np.frombuffer(self._pool, np.int16),
            agent=np.frombuffer(self._agent, np.int32),
            status=np.frombuffer(self._status, np.uint8),
            horizon=sc.horizon,
            warmup=sc.warmup,
        )


def _hours_changes(hours, start: float, end: float) -> list[tuple[float, bool]]:
    """Opening and closing instants in (start, end)."""
    changes = []
    for day in range(int(start // DAY), int(end // DAY) + 1):
        for tod, is_open in ((hours.open, True), (hours.close % DAY, False)):
            t = day * DAY + tod
            if start < t < end:
                changes.append((t, is_open))
    return sorted(changes)


def simulate(scenario: Scenario, seed: np.random.SeedSequence) -> Records:
    """Run one replication of `scenario` with the streams of `seed`; no I/O."""
    return Simulation(scenario, seed).run()
