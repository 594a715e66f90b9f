"""Agents on duty against the schedule through every change, agent by agent: breaks, drops
while agents are busy, rises before they have left, shrinkage."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.staffing import duty_steps
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


# ---- invariants over whole runs -------------------------------------------------------------

SHIFTS = [  # overlapping shifts whose breaks start and end while agents are busy
    {"start": "0h", "length": "12h", "count": 3,
     "breaks": [{"at": "2h", "length": "15min"}, {"at": "5h", "length": "30min"},
                {"at": "8h", "length": "5min"}]},  # shorter than a contact
    {"start": "1h", "length": "8h", "count": 2, "breaks": [{"at": "2h10min", "length": "20min"}]},
    {"start": "6h", "length": "6h", "count": 1, "breaks": [{"at": "1h", "length": "10min"}]},
]
SCHEDULES = {
    "shifts with breaks": {"skills": ["phone"], "shifts": SHIFTS},
    "shifts with breaks and shrinkage": {"skills": ["phone"], "shifts": SHIFTS,
                                         "shrinkage": 0.3},
    "per interval": {"skills": ["phone"], "agents": [4, 1, 0, 3, 5, 2], "shrinkage": 0.2},
}


def in_service(r, t: np.ndarray) -> np.ndarray:
    """Contacts with an agent at each time of `t` (started at or before, not yet ended)."""
    ended = np.where(np.isnan(r.ended), np.inf, r.ended)
    started = ~np.isnan(r.answered)
    return np.array([np.sum(started & (r.answered <= s) & (ended > s)) for s in t])


def duty_at(scenario, t: np.ndarray) -> np.ndarray:
    steps = duty_steps(scenario.pools["team"], scenario.interval, -scenario.warmup,
                       scenario.horizon)
    times, counts = zip(*steps, strict=True)
    return np.array(counts)[np.searchsorted(times, t, side="right") - 1]


def phone_run(schedule: dict, handle: dict, per_hour: float, backlog: int = 0):
    sc = build({"phone": {"kind": "realtime", "handle_time": handle, "backlog": backlog}},
               {"team": schedule}, {"phone": 1.0}, per_hour=per_hour, horizon=12 * HOUR,
               interval=1800.0)
    return sc, run(sc)


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
@pytest.mark.parametrize(("handle", "per_hour", "backlog"), [
    (fixed(700), 60, 50),       # saturated: every agent on duty is always busy
    (exponential(300), 30, 0),  # light: agents are often idle at a drop
], ids=["saturated", "light"])
def test_a_contact_starts_only_when_agents_in_service_stay_within_the_agents_on_duty(
        schedule, handle, per_hour, backlog):
    # agents leaving finish their contact but take no other, and idle ones leave at once:
    # right after any contact starts, no more contacts are in service than agents on duty
    sc, r = phone_run(schedule, handle, per_hour, backlog)
    assert np.sum(~np.isnan(r.answered)) > 100
    starts = np.unique(r.answered[~np.isnan(r.answered)])
    assert np.all(in_service(r, starts) <= duty_at(sc, starts))
    made = len(np.unique(r.agent[r.agent >= 0]))
    assert made <= max(n for _, n in duty_steps(sc.pools["team"], sc.interval, 0, sc.horizon))


@pytest.mark.parametrize("schedule", SCHEDULES.values(), ids=SCHEDULES.keys())
def test_a_saturated_pool_serves_with_every_agent_on_duty_and_the_leaving_ones_only(schedule):
    # 700 s contacts and a queue that never empties: at any time, the agents on duty are all
    # busy, plus those that went off duty less than one contact ago and are finishing
    sc, r = phone_run(schedule, fixed(700), 60, backlog=50)
    t = np.arange(0.5, sc.horizon, 60.0)  # between events
    duty, serving = duty_at(sc, t), in_service(r, t)
    assert np.all(serving >= duty), "an agent on duty idle while the queue waits"
    team = sc.pools["team"]
    peak = np.array([max(n for _, n in duty_steps(team, sc.interval, max(s - 700, 0), s))
                     for s in t])  # the most on duty during the last contact's length
    assert np.all(serving <= peak), "more in service than were on duty one contact ago"
    settled = peak == duty  # no drop during the last contact's length
    assert settled.sum() > len(t) / 2
    np.testing.assert_array_equal(serving[settled], duty[settled])


def test_chat_agents_leaving_with_sessions_are_kept_by_a_rise_not_doubled():
    # 3, 1, 3 agents per 5 minutes and chats of 15 min: at each drop two agents still hold
    # sessions and leave; the rise must keep them (as it cancels a phone agent's leaving)
    # rather than hire two more beside them, who would hold sessions no schedule pays for
    sc = build({"chat": {"kind": "realtime", "handle_time": exponential(900),
                         "concurrency": 3}},
               {"desk": {"skills": ["chat"], "agents": [3, 1, 3]}}, {"chat": 1.0},
               per_hour=30, horizon=24 * HOUR, interval=FIVE)
    r = run(sc)
    served = ~np.isnan(r.answered)
    assert served.sum() > 300
    assert set(r.agent[served]) == {0, 1, 2}, "a rise hired agents beside leaving ones"
    ended = np.where(np.isnan(r.ended), np.inf, r.ended)
    for a in range(3):  # and no agent ever holds more sessions than its concurrency
        mine = served & (r.agent == a)
        starts = r.answered[mine]
        held = [np.sum((starts <= s) & (ended[mine] > s)) for s in starts]
        assert max(held) <= 3
