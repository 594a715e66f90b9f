"""The engine end to end: small scenarios through `simulate`, checked contact by contact.

Each test states a rule of the model (docs/design.md, "Built: how the engine runs") and
checks it on every record of a run, so a single contact breaking the rule fails the test.
"""

from __future__ import annotations

import tomllib

import numpy as np

from sim.engine.records import ABANDONED, ANSWERED, IN_SERVICE, WAITING, Records
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.model.units import DAY, HOUR
from sim.scenario.load import parse_scenario
from sim.scenario.schema import Scenario
from tests.support import BASE

HALF = 1800.0


def build(channels: dict, pools: dict, choice: dict, *, per_hour: float = 60.0,
          horizon: float = DAY, warmup: float = 0.0, interval: float = HALF) -> Scenario:
    return parse_scenario({
        "name": "engine", "horizon": horizon, "warmup": warmup, "interval": interval,
        "demand": {"per_hour": per_hour}, "choice": {"default": choice},
        "channels": channels, "pools": pools,
    })


def run(sc: Scenario, seed: int = 1, replication: int = 0) -> Records:
    r = simulate(sc, replication_seed(seed, replication))
    check_consistent(r)
    return r


def fixed(seconds: float) -> dict:
    return {"dist": "deterministic", "value": seconds}


def exponential(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def check_consistent(r: Records) -> None:
    """What every run's records must satisfy, whatever the scenario."""
    start = -r.warmup
    assert np.all(np.diff(r.arrival) >= 0), "contacts are numbered in arrival order"
    assert np.all((r.arrival >= start) & (r.arrival < r.horizon))
    answered, ended, status = r.answered, r.ended, r.status
    has_answer, has_end = ~np.isnan(answered), ~np.isnan(ended)
    np.testing.assert_array_equal(has_answer, np.isin(status, (IN_SERVICE, ANSWERED)))
    np.testing.assert_array_equal(has_end, np.isin(status, (ANSWERED, ABANDONED)))
    np.testing.assert_array_equal(r.pool >= 0, has_answer)
    np.testing.assert_array_equal(r.agent >= 0, has_answer)
    assert np.all(answered[has_answer] >= r.arrival[has_answer])
    assert np.all(answered[has_answer] < r.horizon)
    assert np.all(ended[has_end] < r.horizon)
    done = status == ANSWERED
    assert np.all(ended[done] >= answered[done])
    gone = status == ABANDONED
    assert np.all(ended[gone] >= r.arrival[gone])


# ---- chat concurrency -------------------------------------------------------------------


def test_chat_sessions_take_handle_times_slowed_by_the_sessions_already_held():
    sc = build(
        {"chat": {"kind": "realtime", "handle_time": fixed(100), "concurrency": 2,
                  "concurrency_slowdown": 0.25}},
        {"desk": {"skills": ["chat"], "agents": 3}}, {"chat": 1.0},
        per_hour=110, horizon=8 * HOUR)
    r = run(sc)
    served = ~np.isnan(r.answered)
    end = np.where(np.isnan(r.ended), np.inf, r.ended)
    durations = {100.0: 0, 125.0: 0}
    for agent in np.unique(r.agent[served]):
        mine = np.flatnonzero(served & (r.agent == agent))
        starts, ends = r.answered[mine], end[mine]
        for t in np.unique(starts):
            group = mine[starts == t]  # sessions this agent took at the same instant
            held = int(np.sum((starts < t) & (ends > t)))  # a session ending at t is gone
            assert held + len(group) <= 2, f"agent {agent} holds more than 2 at {t}"
            expected = sorted(100.0 * (1 + 0.25 * (held + q)) for q in range(len(group)))
            got = sorted(r.ended[group] - t)
            if not np.isnan(got).any():
                np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)
            for d in got:
                if not np.isnan(d):
                    assert any(abs(d - e) < 1e-9 for e in expected)
                    durations[round(d)] += 1
    # both cases occur many times: the check is not vacuous
    assert durations[100.0] > 100 and durations[125.0] > 100


def test_chat_agents_off_shift_take_no_new_sessions():
    sc = build(
        {"chat": {"kind": "realtime", "handle_time": exponential(300), "concurrency": 2}},
        {"desk": {"skills": ["chat"], "agents": [2, 0]}}, {"chat": 1.0},
        per_hour=15, horizon=2 * DAY)
    r = run(sc)
    answered = r.answered[~np.isnan(r.answered)]
    assert len(answered) > 100
    assert np.all(answered % HOUR < HALF), "a chat taken while the pool has no agents"


# ---- staffing changes -------------------------------------------------------------------


def test_per_interval_staffing_drops_after_the_contact_and_rises_at_once():
    # agents [2, 0]: 2 on [0, 30 min), none on [30, 60 min), repeating every hour.
    # 700 s contacts and a queue that never empties: both agents are busy at each drop.
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": fixed(700), "backlog": 4}},
        {"team": {"skills": ["phone"], "agents": [2, 0]}}, {"phone": 1.0},
        per_hour=60, horizon=6 * HOUR)
    r = run(sc)
    served = ~np.isnan(r.answered)
    answered = r.answered[served]
    assert np.all(answered % HOUR < HALF), "a contact taken while the pool has no agents"
    for drop in np.arange(HALF, 6 * HOUR, HOUR):
        crossing = served & (r.answered < drop) & (r.ended > drop)
        assert crossing.sum() == 2, f"both agents finish their contact after the drop {drop}"
    for rise in np.arange(HOUR, 6 * HOUR, HOUR):
        waiting = (r.arrival <= rise) & ~(r.answered < rise)  # queued at the rise
        taken = np.flatnonzero(r.answered == rise)
        assert waiting.sum() >= 2
        assert len(taken) == 2, f"2 agents back at {rise} take 2 waiting contacts at once"
        np.testing.assert_array_equal(taken, np.flatnonzero(waiting)[:2])  # the oldest two
        assert set(r.agent[taken]) == {0, 1}


def test_one_day_shift_takes_contacts_only_while_on():
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": exponential(300)}},
        {"team": {"skills": ["phone"], "shifts": [{"start": "8h", "length": "8h", "count": 2}]}},
        {"phone": 1.0}, per_hour=30, warmup=2 * HOUR)
    r = run(sc)
    served = ~np.isnan(r.answered)
    assert served.sum() > 100
    assert np.all((r.answered[served] >= 8 * HOUR) & (r.answered[served] < 16 * HOUR))
    assert np.sum(r.answered == 8 * HOUR) == 2, "the shift starts on the night's queue at once"
    # the queue never empties: at 16h both agents are mid-contact and finish after the shift
    assert np.sum(served & (r.answered < 16 * HOUR) & (r.ended > 16 * HOUR)) == 2
    late = r.arrival >= 16 * HOUR
    assert late.any() and np.all(r.status[late] == WAITING)


def test_a_shift_crossing_midnight_covers_the_warmup():
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": exponential(300)}},
        {"team": {"skills": ["phone"], "shifts": [{"start": "22h", "length": "8h", "count": 1}]}},
        {"phone": 1.0}, per_hour=6, warmup=2 * HOUR)
    r = run(sc)
    served = ~np.isnan(r.answered)
    assert (r.answered[served] < 0).any(), "the previous evening's shift works in the warm-up"
    tod = r.answered[served] % DAY
    assert np.all((tod >= 22 * HOUR) | (tod < 6 * HOUR))


# ---- opening hours ----------------------------------------------------------------------


def test_deferred_items_wait_for_opening_and_are_taken_oldest_first():
    sc = build(
        {"email": {"kind": "deferred", "handle_time": exponential(240),
                   "hours": {"open": "8h", "close": "18h"}}},
        {"desk": {"skills": ["email"], "agents": 2}}, {"email": 1.0},
        per_hour=10, warmup=2 * HOUR)
    r = run(sc)
    served = ~np.isnan(r.answered)
    tod = r.answered[served] % DAY
    assert np.all((tod >= 8 * HOUR) & (tod < 18 * HOUR))
    night = r.arrival < 8 * HOUR
    assert night.sum() > 50
    assert np.all(r.answered[night] >= 8 * HOUR)
    np.testing.assert_array_equal(np.flatnonzero(r.answered == 8 * HOUR), [0, 1])
    # one channel, first come first served: taken in arrival order, the unserved are the last
    assert np.all(np.diff(r.answered[served]) >= 0)
    assert np.all(np.flatnonzero(~served) > np.flatnonzero(served).max())
    evening = r.arrival >= 18 * HOUR
    assert evening.any() and np.all(r.status[evening] == WAITING)


def test_hours_past_midnight_on_a_deferred_channel():
    sc = build(
        {"email": {"kind": "deferred", "handle_time": exponential(240),
                   "hours": {"open": "22h", "close": "6h"}}},
        {"desk": {"skills": ["email"], "agents": 1}}, {"email": 1.0},
        per_hour=4, warmup=3 * HOUR, horizon=2 * DAY)
    r = run(sc)
    served = ~np.isnan(r.answered)
    tod = r.answered[served] % DAY
    assert np.all((tod >= 22 * HOUR) | (tod < 6 * HOUR))
    assert (r.answered[served] < 0).any(), "open in the warm-up from 22h the previous evening"
    assert np.sum(r.answered == 22 * HOUR) == 1
    assert np.all(np.diff(r.answered[served]) >= 0)


# ---- backlog ----------------------------------------------------------------------------


def test_backlog_arrives_at_the_start_of_the_warmup_and_is_served_first():
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": exponential(180)},
         "email": {"kind": "deferred", "handle_time": fixed(60), "backlog": 5}},
        {"team": {"skills": ["phone", "email"], "agents": 1}},
        {"phone": 0.5, "email": 0.5}, per_hour=10, warmup=HOUR, horizon=4 * HOUR)
    r = run(sc)
    backlog = r.arrival == -HOUR
    np.testing.assert_array_equal(np.flatnonzero(backlog), np.arange(5))
    assert np.all(r.channel[:5] == r.channels.index("email"))
    # one agent, oldest first: the five go one after the other from the first instant
    np.testing.assert_allclose(r.answered[:5], -HOUR + 60.0 * np.arange(5), atol=1e-9)
    later = ~np.isnan(r.answered[5:])
    assert later.any() and np.all(r.answered[5:][later] >= r.answered[4] + 60.0 - 1e-9)


# ---- multi-skilled pool -----------------------------------------------------------------


def test_a_freed_agent_takes_the_oldest_waiting_contact_across_its_channels():
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": exponential(240),
                   "patience": exponential(600)},
         "email": {"kind": "deferred", "handle_time": exponential(240)},
         "chat": {"kind": "realtime", "handle_time": exponential(240)}},
        {"team": {"skills": ["phone", "email"], "agents": 2},
         "chat": {"skills": ["chat"], "agents": 1}},
        {"phone": 0.4, "email": 0.4, "chat": 0.2}, per_hour=40, horizon=4 * HOUR)
    r = run(sc)
    team = r.pools.index("team")
    mine = np.isin(r.channel, [r.channels.index("phone"), r.channels.index("email")])
    answered = np.where(np.isnan(r.answered), np.inf, r.answered)
    left = np.where(r.status == ABANDONED, r.ended, np.inf)  # when a contact left the queue
    from_queue = 0
    for i in np.flatnonzero(r.pool == team):
        t = r.answered[i]
        waiting = mine & (r.arrival <= t) & (answered > t) & (left > t)
        assert not np.any(waiting & (r.arrival < r.arrival[i])), \
            f"contact {i} taken at {t} while an older one waited"
        from_queue += r.answered[i] > r.arrival[i]
    assert from_queue > 50  # most were taken from the queue, so the check had work to do
    for ch in ("phone", "email"):  # both channels were queued and served from the queue
        k = r.channels.index(ch)
        assert np.sum((r.channel == k) & (answered > r.arrival) & (answered < np.inf)) > 10
    assert np.all(r.pool[r.channel == r.channels.index("chat")] != team)


# ---- warm-up ----------------------------------------------------------------------------


def test_warmup_contacts_are_recorded_and_a_wait_may_straddle_zero():
    # one agent, 300 s contacts, a queue from the first instant: the agent never rests, so
    # the starts are a 300 s grid from -warm-up, with nothing special at t = 0
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": fixed(300), "backlog": 3}},
        {"team": {"skills": ["phone"], "agents": 1}}, {"phone": 1.0},
        per_hour=60, warmup=HOUR, horizon=2 * HOUR)
    r = run(sc)
    assert r.arrival[0] == -HOUR and (r.arrival < 0).sum() > 20
    served = np.sort(r.answered[~np.isnan(r.answered)])
    np.testing.assert_allclose(served, -HOUR + 300.0 * np.arange(len(served)), atol=1e-9)
    assert len(served) == 3 * HOUR / 300
    straddle = (r.arrival < 0) & (r.answered > 0)
    assert straddle.any()
    done = straddle & (r.status == ANSWERED)
    assert done.sum() > 5 and np.all(r.status[straddle & ~done] == IN_SERVICE)
    np.testing.assert_allclose(r.ended[done] - r.answered[done], 300.0)


# ---- abandonment ------------------------------------------------------------------------


def test_without_agents_everyone_abandons_after_their_patience():
    sc = build(
        {"phone": {"kind": "realtime", "handle_time": exponential(180), "patience": fixed(30)}},
        {"team": {"skills": ["phone"], "agents": 0}}, {"phone": 1.0},
        per_hour=1200, horizon=HOUR)
    r = run(sc)
    assert len(r) > 1000
    assert np.all(np.isnan(r.answered))
    gone = r.arrival + 30.0 < HOUR
    assert np.all(r.status[gone] == ABANDONED)
    np.testing.assert_array_equal(r.ended[gone], r.arrival[gone] + 30.0)
    still = ~gone
    assert still.sum() >= 1
    assert np.all(r.status[still] == WAITING) and np.all(np.isnan(r.ended[still]))


# ---- determinism ------------------------------------------------------------------------


def test_same_seed_same_records_other_seed_other_records():
    sc = parse_scenario(tomllib.loads(BASE))
    first, again = run(sc, seed=11), run(sc, seed=11)
    other_seed, other_replication = run(sc, seed=12), run(sc, seed=11, replication=1)
    for name in ("arrival", "channel", "answered", "ended", "pool", "agent", "status"):
        a, b = getattr(first, name), getattr(again, name)
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b, err_msg=name)  # NaN equals NaN here
    for other in (other_seed, other_replication):
        n = min(len(first), len(other))
        assert not np.array_equal(first.arrival[:n], other.arrival[:n])
