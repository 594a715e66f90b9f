"""Agents and pools as the engine keeps them: plain objects with ordered sets of free agents."""

from __future__ import annotations


class Agent:
    """One agent. `sessions` contacts in progress, all on `channel` when there are any.

    `index` is its place in its pool; `serial` its place among every agent of the run
    (`PoolState.roster`), one number that names pool and agent both.
    """

    __slots__ = ("channel", "free_since", "index", "leaving", "pool", "serial", "sessions")

    def __init__(self, pool: PoolState, index: int, serial: int) -> None:
        self.pool = pool
        self.index = index
        self.serial = serial
        self.sessions = 0
        self.channel = -1
        self.free_since = 0.0
        self.leaving = False  # off shift: takes no new work, leaves when its last session ends


class PoolState:
    """A pool during a run.

    `idle` holds agents with no session, longest idle first; `open_slots[ch]`
    holds agents with sessions on channel ch and room for more (concurrency
    above 1). Both are dicts used as ordered sets: O(1) removal of any agent.
    """

    __slots__ = ("active", "agents", "code", "idle", "name", "open_slots", "retired", "roster",
                 "skills", "to_release")

    def __init__(self, code: int, name: str, skills: tuple[int, ...],
                 roster: list[Agent]) -> None:
        self.code = code
        self.name = name
        self.skills = skills
        self.agents: list[Agent] = []  # every agent object ever made; index = position
        self.roster = roster  # every agent of every pool of the run; serial = position
        self.idle: dict[Agent, None] = {}
        self.open_slots: dict[int, dict[Agent, None]] = {ch: {} for ch in skills}
        self.retired: list[Agent] = []  # off-shift agents, reused when staffing rises
        self.active = 0  # agents on shift and not leaving
        self.to_release = 0  # busy agents still to send off shift as they free up

    def hire(self, now: float) -> Agent:
        """An agent comes on shift, free; the caller gives it work or makes it idle."""
        if self.retired:
            agent = self.retired.pop()
        else:
            agent = Agent(self, len(self.agents), len(self.roster))
            self.agents.append(agent)
            self.roster.append(agent)
        agent.leaving = False
        agent.free_since = now
        self.active += 1
        return agent

    def release_partly_busy(self) -> bool:
        """Send off shift an agent with a free chat slot, so it takes no new session; it leaves
        when its sessions end. False if there is none."""
        for slots in self.open_slots.values():
            if slots:
                agent = next(reversed(slots))
                del slots[agent]
                agent.leaving = True
                self.active -= 1
                return True
        return False

    def recall(self) -> Agent | None:
        """Cancel the departure of a leaving agent still finishing chat sessions, so that a
        rise keeps it rather than hiring another beside it (which would serve more sessions
        than the schedule has agents for). None if there is none. A scan, but only on a rise
        that cancelled every pending release, in a pool with concurrency."""
        for agent in self.agents:
            if agent.leaving and agent.sessions:
                agent.leaving = False
                self.active += 1
                return agent
        return None

    def retire(self, agent: Agent) -> None:
        """An idle agent goes off shift."""
        del self.idle[agent]
        agent.leaving = True
        self.active -= 1
        self.retired.append(agent)
