"""Agents on duty against the schedule through every change, agent by agent: breaks, drops
while agents are busy, rises before they have left, shrinkage."""

from __future__ import annotations

import numpy as np

from sim.model.units import HOUR
from tests.unit.test_engine import build, exponential, fixed, run

FIVE = 300.0


def busy_queue(pools: dict, handle: float, horizon: float = 6 * HOUR, interval=1800.0):
    """A phone queue that never empties: a backlog and more arrivals than agents can take."""
    return run(build({"phone": {"kind": "realtime", "handle_time": fixed(handle),
                                "backlog": 50}},
                     pools, {"phone": 1.0}, per_hour=60, horizon=horizon, interval=interval))


def test_an_agent_on_break_finishes_the_contact_in_hand_and_takes_none_until_it_ends():
    shift = {"start": "1h", "length": "4h", "count": 1,
             "breaks": [{"at": "1h", "length": "30min"}]}  # on break 02:00-02:30
    r = busy_queue({"team": {"skills": ["phone"], "shifts": [shift]}}, handle=700)
    served = ~np.isnan(r.answered)
    start, end = 2 * HOUR, 2.5 * HOUR
    assert not np.any(served & (r.answered >= start) & (r.answered < end))
    in_hand = served & (r.answered < start) & (r.ended > start)
    assert in_hand.sum() == 1, "the contact in hand at the break is finished, not dropped"
    assert np.sum(r.answered == end) == 1, "back from the break, the agent takes the queue"
    assert np.all((r.answered[served] >= HOUR) & (r.answered[served] < 5 * HOUR))


def test_a_rise_before_busy_agents_leave_cancels_their_leaving_instead_of_hiring():
    # 3, 1, 3 agents per 5 minutes, repeating; every contact lasts 15 min, so the two agents
    # sent off at each drop are still busy at the rise: they stay, and nobody new is hired
    r = busy_queue({"team": {"skills": ["phone"], "agents": [3, 1, 3]}}, handle=3 * FIVE,
                   horizon=2 * HOUR, interval=FIVE)
    served = ~np.isnan(r.answered)
    assert set(r.agent[served]) == {0, 1, 2}, "a rise hired agents instead of cancelling"
    starts, counts = np.unique(r.answered[served], return_counts=True)
    assert np.all(starts % (3 * FIVE) == 0) and np.all(counts == 3)


def test_after_a_drop_the_busy_finish_and_then_only_the_schedule_works():
    # 3 then 1 agent per half hour; 700 s contacts: once the two leaving agents finish, one
    # agent alone takes contacts until the rise
    r = busy_queue({"team": {"skills": ["phone"], "agents": [3, 1]}}, handle=700)
    served = ~np.isnan(r.answered)
    for drop in np.arange(1800.0, 5 * HOUR, HOUR):  # each with its rise before the horizon
        crossing = served & (r.answered < drop) & (r.ended > drop)
        assert crossing.sum() == 3
        later = served & (r.answered >= drop) & (r.answered < drop + 1800)
        assert len(set(r.agent[later])) == 1, "more agents than the schedule after the drop"
        rise = drop + 1800
        assert np.sum(r.answered == rise) == 2, "the rise brings the two back at once"


def test_at_a_drop_the_most_recently_idle_agent_leaves():
    # a light load, so agents are often idle at the drops (3 -> 2 agents each hour)
    r = run(build({"phone": {"kind": "realtime", "handle_time": exponential(400)}},
                  {"team": {"skills": ["phone"], "agents": [3, 3, 2, 2]}}, {"phone": 1.0},
                  per_hour=12, horizon=48 * HOUR))
    served = ~np.isnan(r.answered)
    checked = 0
    for drop in np.arange(HOUR, 48 * HOUR, 2 * HOUR):
        busy = served & (r.answered < drop) & (r.ended > drop)
        idle = {a for a in range(3) if a not in set(r.agent[busy])}
        if not idle:
            continue
        last_end = {a: r.ended[served & (r.agent == a) & (r.ended <= drop)].max(initial=-1e9)
                    for a in idle}
        leaver = max(idle, key=lambda a: last_end[a])
        away = served & (r.answered >= drop) & (r.answered < drop + HOUR)
        assert leaver not in set(r.agent[away]), f"the wrong idle agent left at {drop}"
        checked += 1
    assert checked > 10


def test_shrinkage_puts_the_whole_agents_on_duty_and_no_more():
    r = busy_queue({"team": {"skills": ["phone"], "agents": 10, "shrinkage": 0.3}}, handle=600)
    served = ~np.isnan(r.answered)
    assert set(r.agent[served]) == set(range(7))  # floor(10 x 0.7) = 7, never 10
