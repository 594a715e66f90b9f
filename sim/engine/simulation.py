"""One replication: simpy is the clock, plain containers hold the state.

No processes: a service completion, an abandonment, a late reply, a
follow-up contact, a staffing or an opening-hours change is a callback
scheduled on simpy's heap; first contacts, known in advance, are fed to the
clock in order (see `Clock`). Contacts and needs are integers indexing
columns (`array.array`s, about 80 bytes a contact in all, see `_set_up_contacts`), which
`Records` receives as numpy views. What customers do between contacts lives in
`journeys.py`.
"""

from __future__ import annotations

from array import array
from collections import deque
from heapq import heappush
from math import inf, isnan, nan

import numpy as np
from simpy.core import NORMAL

from sim.engine.agents import Agent, PoolState
from sim.engine.clock import Clock
from sim.engine.journeys import Journeys
from sim.engine.population import Population, draw_population
from sim.engine.records import (
    ABANDONED,
    ANSWERED,
    DEFLECTED,
    FIRST,
    IN_SERVICE,
    OPEN,
    RESOLVED,
    WAITING,
    Needs,
    Records,
)
from sim.model.staffing import duty_steps
from sim.model.units import DAY
from sim.policies import Policy, make_policy
from sim.scenario.schema import Scenario


class Simulation(Journeys):
    """The state of one replication. Policies read it; only the engine changes it.

    What a policy may read: `now`, `channels` (names), `channel_specs`,
    `pools`, `pools_for[ch]` (pools with skill ch), `concurrency[ch]`,
    `open[ch]`, `waiting[ch]` (contacts in queue), `head(ch)` (oldest waiting
    contact or None), `arrival[i]`, `channel_of[i]` and `need_of[i]` of
    contact i.
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence) -> None:
        self.scenario = scenario
        self._seed = seed
        self.env = Clock(initial_time=-scenario.warmup)
        self.policy = make_policy(scenario.policy.name, scenario.policy.options)
        self.channels = tuple(scenario.channels)
        self.channel_specs = tuple(scenario.channels.values())
        code = {name: k for k, name in enumerate(self.channels)}
        self._roster: list[Agent] = []  # every agent, by serial (see `Agent`)
        self.pools = tuple(
            PoolState(k, name, tuple(code[s] for s in pool.skills), self._roster)
            for k, (name, pool) in enumerate(scenario.pools.items())
        )
        self.pools_for = tuple(
            tuple(p for p in self.pools if ch in p.skills) for ch in range(len(self.channels))
        )
        self.concurrency = tuple(c.concurrency for c in self.channel_specs)
        self.slowdown = tuple(c.concurrency_slowdown for c in self.channel_specs)
        self.realtime = tuple(c.kind == "realtime" for c in self.channel_specs)
        self.scenario_reasons = tuple(scenario.needs.reasons)
        self._messages = tuple(c.messages is not None for c in self.channel_specs)
        self.open = [c.hours is None or c.hours.is_open(-scenario.warmup)
                     for c in self.channel_specs]
        self.queues: tuple[deque[int], ...] = tuple(deque() for _ in self.channels)
        self.waiting = [0] * len(self.channels)
        overrides = lambda hook: getattr(type(self.policy), hook) is not getattr(Policy, hook)  # noqa: E731
        self._custom_handle = overrides("handle_time")
        self._queue_hook = overrides("on_queue")
        self._broadcast_hook = overrides("broadcast")
        self._kept: set[int] = set()  # contacts that keep their place without waiting on line
        self._untagged = tuple(c.untagged for c in self.channel_specs)
        self._set_up_hot_path()
        population = draw_population(scenario, seed, self.policy)
        self._set_up_journeys(seed)
        self._set_up_contacts(population)  # before the needs: it takes over big columns
        self._set_up_needs(population)

    # ---- set-up ----------------------------------------------------------------------------

    def _set_up_hot_path(self) -> None:
        """What every contact's arrival, start and completion look up, decided once per run
        rather than tested per contact: each test or attribute lookup there costs a few
        percent of the run."""
        specs = self.channel_specs
        # what an arrival must check before it looks for an agent (see `_checked_arrival`)
        self._arrival_checks = tuple(
            c.hours is not None or c.patience is not None or bool(c.untagged)
            or (self._broadcast_hook and c.kind == "public") for c in specs)
        # how an agent starts a contact of each channel: `_start_single` on channels of one
        # exchange, one session per agent and the drawn handle time; `_start` on the rest
        self._start_on = tuple(
            self._start_single if c.concurrency == 1 and c.messages is None
            and not self._custom_handle else self._start for c in specs)
        # the policy's two questions, bound once: asked for every contact
        self._select_agent = self.policy.select_agent
        self._select_contact = self.policy.select_contact
        # the heap and its id counter, for the inlined `Clock.call_at` of the two `_start`s
        self._heap, self._eid = self.env._queue, self.env._eid
        self._complete = self._on_complete  # bound once: every service schedules one

    def _set_up_needs(self, p: Population) -> None:
        """Need columns: the population's (kept as numpy arrays, read only on the journeys'
        paths), and what the run fills in."""
        n = len(p.channel)
        deflected = p.channel < 0
        self.need_twitter = p.twitter
        self.need_reason = p.reason
        self.need_region = p.region
        self._followers = p.followers
        self._first_channel = p.channel
        self._retweets = (p.retweet_need, p.retweet_age, p.retweet_followers)
        outcome = np.full(n, OPEN, dtype=np.uint8)
        outcome[deflected] = DEFLECTED
        self._outcome = bytearray(outcome)
        self._resolved = array("d", [nan]) * n
        self._contacts = _column("h", (~deflected).astype(np.int16))
        self._changes = array("h", [0]) * n
        self._open_contacts = _column("h", (~deflected).astype(np.int16))
        self._tried: dict[int, int] = {}  # channels a need has used, once it has a follow-up

    def _set_up_contacts(self, p: Population) -> None:
        """First contacts, in arrival order; follow-ups are appended as they happen.

        Columns are `array.array`s: 1 to 8 bytes a value, against 32 or more in a list of
        Python floats, and `_records` hands them to numpy without a copy. Their values
        come from the population's numpy columns, which are dropped as soon as they are
        copied so that set-up never holds both.
        """
        first = np.flatnonzero(p.channel >= 0)
        n = len(first)
        everyone = n == len(p.channel)  # no self-service: contact k is need k's first
        self._first_contacts = n
        self.arrival = _column("d", p.arrival if everyone else p.arrival[first])
        # with no self-service, the needs' arrival column is the first n contacts' one
        self._need_arrival = None if everyone else p.arrival
        p.arrival = None
        self._handle = _column("d", p.handle if everyone else p.handle[first])
        # patience: None when no channel has one (nothing to store, nothing to check)
        self._patience = None if p.patience is None else _column(
            "d", p.patience if everyone else p.patience[first])
        p.handle = p.patience = None
        self.channel_of = _column("b", p.channel[first])
        self.need_of = _column("i", first.astype(np.int32))
        # a first contact has no parent and cause FIRST: these two are the follow-ups' only
        # (contact n + k is row k), and `_records` fills in the first contacts
        self._parent = array("i")
        self._cause = bytearray()
        self._answered = array("d", [nan]) * n
        # a reply is recorded during the run only on channels with exchanges, redirects or
        # fcr below 1 (not `_plain`): with none, `_records` makes the column from `ended`
        self._replied = None if all(self._plain) else array("d", [nan]) * n
        self._ended = array("d", [nan]) * n
        # who took each contact's first exchange, by serial (-1: nobody yet); `_records`
        # splits it into the pool and agent columns. One write per service, not two.
        self._served_by = array("i", [-1]) * n
        self._status = bytearray(n)  # WAITING == 0
        self._exchanges_left = array("h", [1]) * n
        self._exchange_contact = array("i")
        self._exchange_pool = array("h")
        self._exchange_agent = array("i")
        self._exchange_start = array("d")
        self._exchange_end = array("d")
        self._exchange_row: dict[int, int] = {}
        self._broadcast_contact = array("i")
        self._broadcast_time = array("d")
        for ch, spec in enumerate(self.channel_specs):
            if spec.messages is not None:
                mask = np.flatnonzero(p.channel[first] == ch)
                self._set_exchanges(mask, spec.messages.ppf(self._u_messages(ch, len(mask))))

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

    def is_first_exchange(self, i: int) -> bool:
        """No reply yet: the exchange an agent takes contact i for is its first."""
        return self._replied is None or isnan(self._replied[i])

    def reason_of(self, i: int) -> str:
        return self.scenario_reasons[self.need_reason[self.need_of[i]]]

    def coin(self) -> float:
        """A uniform from the replication's journeys stream, for a policy's random choices."""
        return self._coin()

    # ---- the run ----------------------------------------------------------------------------

    def run(self) -> Records:
        sc, env = self.scenario, self.env
        # opening hours first: at the same instant, a channel closes before a shift starts
        for ch, spec in enumerate(self.channel_specs):
            if spec.hours is not None:
                for t, is_open in _hours_changes(spec.hours, -sc.warmup, sc.horizon):
                    env.call_at(t, self._on_hours, (ch, is_open))
        for pool, spec in zip(self.pools, sc.pools.values(), strict=True):
            for t, count in duty_steps(spec, sc.interval, -sc.warmup, sc.horizon):
                env.call_at(t, self._on_staffing, (pool, count))
        env.run_merged(sc.horizon, self.arrival, self._first_contacts, self._on_arrival)
        return self._records()

    def _on_arrival(self, i: int) -> None:
        """Contact i arrives. On a channel with something to check first (`_arrival_checks`)
        see `_checked_arrival`; on the others it looks for an agent at once: `_offer`,
        inlined because it runs for every contact (and such a channel, with no opening
        hours, is always open)."""
        ch = self.channel_of[i]
        if self._arrival_checks[ch]:
            self._checked_arrival(i, ch)
            return
        agent = self._select_agent(self, i, ch)
        if agent is None:
            self._join_queue(i, ch)
        else:
            if agent.sessions == 0:
                del agent.pool.idle[agent]
            self._start_on[ch](i, ch, agent, self.env._now)

    def _checked_arrival(self, i: int, ch: int) -> None:
        """An arrival on a channel with opening hours, patience, untagged mentions, or a
        public channel under a broadcasting policy."""
        env = self.env
        now = env._now
        if not self.open[ch] and self._closed_action[ch] != "queue":
            self._closed_door(i, ch)
            return
        patience = inf if self._patience is None else self._patience[i]
        if patience != inf:
            env.call_at(now + patience, self._on_abandon if self.realtime[ch] else self._on_late,
                        i)
        if self._broadcast_hook and self.channel_specs[ch].kind == "public":
            posted = self.policy.broadcast(self, i)
            if posted is not None:
                self._broadcast_contact.append(i)
                self._broadcast_time.append(max(now, posted))
        if self._untagged[ch] and self._untagged_coin() < self._untagged[ch]:
            found = self.policy.detect(self, i)  # a mention the brand must find first
            if found is not None:
                env.call_at(now + found, self._on_found, i)
            return
        self._offer(i, ch, now)

    def _on_found(self, i: int) -> None:
        self._offer(i, self.channel_of[i], self.env._now)

    def keep_place(self, i: int) -> None:
        """Contact i keeps its place in queue without waiting on line (a callback): it no
        longer abandons."""
        self._kept.add(i)

    def _offer(self, i: int, ch: int, now: float) -> None:
        """A contact (or a case's next message) looks for an agent, else waits in queue."""
        agent = self._select_agent(self, i, ch) if self.open[ch] else None
        if agent is None:
            self._join_queue(i, ch)
        else:
            if agent.sessions == 0:
                del agent.pool.idle[agent]
            self._start_on[ch](i, ch, agent, now)

    def _join_queue(self, i: int, ch: int) -> None:
        """No agent took contact i: it waits in channel ch's queue."""
        self.queues[ch].append(i)
        self.waiting[ch] += 1
        if self._queue_hook:
            self.policy.on_queue(self, i, ch)

    def _start(self, i: int, ch: int, agent: Agent, now: float) -> None:
        """Agent takes contact i (or its next exchange) now; its completion goes on the heap.
        Called through `_start_on[ch]`, which is `_start_single` where that one will do."""
        pool = agent.pool
        sessions = agent.sessions
        if sessions == 0:
            agent.channel = ch
        sessions += 1
        agent.sessions = sessions
        duration = self._handle[i]
        if self._custom_handle:
            duration = self.policy.handle_time(self, i, ch, duration)
        concurrency = self.concurrency[ch]
        if concurrency > 1:
            duration *= 1.0 + self.slowdown[ch] * (sessions - 1)
            slots = pool.open_slots[ch]
            if sessions < concurrency:
                slots[agent] = None
            else:
                slots.pop(agent, None)
        self._status[i] = IN_SERVICE
        if not self._messages[ch] or isnan(self._answered[i]):
            self._answered[i] = now
            self._served_by[i] = agent.serial
        else:  # a later exchange of a multi-message case
            self._exchange_row[i] = len(self._exchange_start)
            self._exchange_contact.append(i)
            self._exchange_pool.append(pool.code)
            self._exchange_agent.append(agent.index)
            self._exchange_start.append(now)
            self._exchange_end.append(nan)
        # env.call_at(now + duration, self._complete, (i, agent)), inlined: once per service
        heappush(self._heap, (now + duration, NORMAL, next(self._eid), self._complete, (i, agent)))

    def _start_single(self, i: int, ch: int, agent: Agent, now: float) -> None:
        """`_start` on a channel of one exchange, one session at a time and the drawn handle
        time (see `_start_on`): the common case, without the tests for the rest."""
        if agent.sessions == 0:
            agent.channel = ch
        agent.sessions += 1
        self._status[i] = IN_SERVICE
        self._answered[i] = now
        self._served_by[i] = agent.serial
        # env.call_at(now + handle, self._complete, (i, agent)), inlined: once per service
        heappush(self._heap, (now + self._handle[i], NORMAL, next(self._eid), self._complete,
                              (i, agent)))

    def _on_complete(self, value: tuple[int, Agent]) -> None:
        i, agent = value
        now = self.env._now
        ch = agent.channel
        if self._plain[ch]:
            # one exchange that resolves: the common case, kept short. The reply is the end
            # (filled in by _records), and a resolved need no longer counts open contacts.
            self._status[i] = ANSWERED
            self._ended[i] = now
            need = self.need_of[i]
            outcome = self._outcome
            if outcome[need] == OPEN:
                outcome[need] = RESOLVED
                self._resolved[need] = now
        else:
            self._exchange_done(i, ch, now)
        # the agent: off shift, or more work
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
        select = self._select_contact
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
            self._start_on[ch](i, ch, agent, now)
            if agent.sessions >= self.concurrency[ch]:
                return
        if agent.sessions == 0:
            idle.setdefault(agent)
        elif self.concurrency[agent.channel] > 1:
            agent.pool.open_slots[agent.channel][agent] = None

    def _on_abandon(self, i: int) -> None:
        if self._status[i] == WAITING and isnan(self._answered[i]) and i not in self._kept:
            now = self.env._now
            self._status[i] = ABANDONED
            self._ended[i] = now
            ch = self.channel_of[i]
            self.waiting[ch] -= 1
            self._next_step(i, self.channel_specs[ch].on_abandon)
            self._contact_ended(i)

    def _on_staffing(self, value: tuple[PoolState, int]) -> None:
        """Bring agents on duty, or send them off: idle ones at once, busy ones as they free up.
        A rise first cancels pending departures (busy agents still to go, then chat agents
        already leaving with sessions), and only then hires."""
        pool, count = value
        now = self.env._now
        change = count - (pool.active - pool.to_release)
        if change > 0:
            cancelled = min(change, pool.to_release)
            pool.to_release -= cancelled
            recall = any(self.concurrency[ch] > 1 for ch in pool.skills)
            for _ in range(change - cancelled):
                agent = pool.recall() if recall else None
                if agent is None:
                    recall, agent = False, pool.hire(now)
                self._serve(agent, now)
        else:
            for _ in range(-change):
                if pool.idle:
                    pool.retire(next(reversed(pool.idle)))  # the most recently idle leaves first
                elif not pool.release_partly_busy():
                    pool.to_release += 1  # the next agent to finish a contact leaves

    def _on_hours(self, value: tuple[int, bool]) -> None:
        ch, is_open = value
        self.open[ch] = is_open
        now = self.env._now
        # opening: idle agents take the channel's waiting work; closing: a policy that held
        # agents back for this channel may now give them other work
        for pool in self.pools_for[ch]:
            for agent in list(pool.idle):
                if is_open and not self.waiting[ch]:
                    return
                self._serve(agent, now)

    def _records(self) -> Records:
        """The columns as numpy arrays: views of the run's own buffers, not copies."""
        sc = self.scenario
        # the run is over: free what is not recorded before the columns made here
        self._handle = self._patience = self._exchanges_left = self._open_contacts = None

        def column(values, dtype) -> np.ndarray:
            return np.frombuffer(values, dtype) if len(values) else np.empty(0, dtype)

        status, ended = column(self._status, np.uint8), column(self._ended, float)
        n, first = len(status), self._first_contacts
        if self._replied is None:  # every channel plain: the end of an answered one is its reply
            replied = np.where(status == ANSWERED, ended, nan)
        else:
            replied = column(self._replied, float)
            single = np.isnan(replied) & (status == ANSWERED)  # the reply ended the contact
            np.copyto(replied, ended, where=single)  # in place: the run is over
        parent = np.full(n, -1, dtype=np.int32)
        parent[first:] = column(self._parent, np.int32)
        cause = np.full(n, FIRST, dtype=np.uint8)
        cause[first:] = column(self._cause, np.uint8)
        pool, agent = _split_serials(self._roster, column(self._served_by, np.int32))
        self._served_by = None
        need_arrival = self._need_arrival
        if need_arrival is None:  # shared with the first contacts (see _set_up_contacts)
            need_arrival = column(self.arrival, float)[:len(self._outcome)]
        needs = Needs(
            reasons=tuple(sc.needs.reasons), regions=tuple(sc.needs.regions),
            arrival=need_arrival, reason=self.need_reason, region=self.need_region,
            twitter=self.need_twitter, followers=self._followers,
            outcome=column(self._outcome, np.uint8),
            resolved=column(self._resolved, float),
            contacts=column(self._contacts, np.int16),
            channel_changes=column(self._changes, np.int16),
        )
        retweet_need, retweet_age, retweet_followers = self._retweets
        return Records(
            channels=self.channels,
            pools=tuple(p.name for p in self.pools),
            arrival=column(self.arrival, float),
            channel=column(self.channel_of, np.int8),
            need=column(self.need_of, np.int32),
            parent=parent,
            cause=cause,
            answered=column(self._answered, float),
            replied=replied,
            ended=ended,
            pool=pool,
            agent=agent,
            status=status,
            exchange_contact=column(self._exchange_contact, np.int32),
            exchange_pool=column(self._exchange_pool, np.int16),
            exchange_agent=column(self._exchange_agent, np.int32),
            exchange_start=column(self._exchange_start, float),
            exchange_end=column(self._exchange_end, float),
            broadcast_contact=column(self._broadcast_contact, np.int32),
            broadcast_time=column(self._broadcast_time, float),
            needs=needs,
            retweet_need=retweet_need,
            retweet_age=retweet_age,
            retweet_followers=retweet_followers,
            horizon=sc.horizon,
            warmup=sc.warmup,
        )


def _split_serials(roster: list[Agent], serial: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pool code, index in pool) of agents given by serial; (-1, -1) for serial -1."""
    # each table ends with -1, so that serial -1 (nobody) indexes it
    pool_of = np.array([a.pool.code for a in roster] + [-1], dtype=np.int16)
    index_of = np.array([a.index for a in roster] + [-1], dtype=np.int32)
    return pool_of[serial], index_of[serial]


def _column(typecode: str, values: np.ndarray) -> array:
    """A copy of `values` as an `array.array` of `typecode` (the same item size), copied
    straight from numpy's buffer (no `bytes` in between)."""
    column = array(typecode)
    values = np.ascontiguousarray(values)
    if values.itemsize != column.itemsize:
        raise TypeError(f"array {typecode!r} from {values.dtype}: item sizes differ")
    column.frombytes(memoryview(values).cast("B"))
    return column


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
