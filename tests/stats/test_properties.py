"""Invariants that hold for any valid scenario, and monotonicity under common random numbers."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.engine.records import ABANDONED, ANSWERED, CLOSED, IN_SERVICE, WAITING
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.scenario.load import parse_scenario
from tests.stats.factory import phone_scenario
from tests.support import assert_conserved

KINDS = ("realtime", "deferred", "public")
DISTS = (
    {"dist": "exponential", "mean": 120},
    {"dist": "lognormal", "mean": 90, "cv": 1.5},
    {"dist": "gamma", "mean": 200, "shape": 0.7},
    {"dist": "deterministic", "value": 60},
    {"dist": "empirical", "values": [10, 30, 300]},
)


@st.composite
def scenarios(draw):
    n_channels = draw(st.integers(1, 4))
    names = [f"c{k}" for k in range(n_channels)]
    channels = {}
    for name in names:
        kind = draw(st.sampled_from(KINDS))
        channel = {"kind": kind, "handle_time": draw(st.sampled_from(DISTS)),
                   "concurrency": draw(st.integers(1, 3)),
                   "concurrency_slowdown": draw(st.sampled_from([0.0, 0.25])),
                   "backlog": draw(st.integers(0, 5))}
        if kind == "realtime" and draw(st.booleans()):
            channel["patience"] = draw(st.sampled_from(DISTS))
        if kind == "realtime":
            channel["on_abandon"] = {"retry": draw(st.sampled_from([0.0, 0.5])),
                                     "public": draw(st.sampled_from([0.0, 0.3]))}
        elif draw(st.booleans()):
            channel["patience"] = draw(st.sampled_from(DISTS))
            channel["on_late"] = {"retry": draw(st.sampled_from([0.0, 0.5]))}
        channel["fcr"] = draw(st.sampled_from([1.0, 0.7, 0.0]))
        if draw(st.booleans()):
            channel["messages"] = {"dist": "empirical", "values": [1, 2, 4]}
            channel["reply_gap"] = {"dist": "exponential", "mean": 300}
        if draw(st.booleans()):
            open_h = draw(st.integers(0, 23))
            channel["hours"] = {"open": f"{open_h}h", "close": f"{(open_h + 8) % 24 or 24}h"}
        channels[name] = channel
    weights = draw(st.lists(st.integers(1, 5), min_size=n_channels, max_size=n_channels))
    shares = {name: w / sum(weights) for name, w in zip(names, weights, strict=True)}
    pools = {}
    for k in range(draw(st.integers(1, 3))):
        skills = draw(st.lists(st.sampled_from([*names, "public"]), min_size=1, unique=True))
        if draw(st.booleans()):
            staff = {"agents": draw(st.integers(0, 6))}
        elif draw(st.booleans()):
            staff = {"agents": draw(st.lists(st.integers(0, 6), min_size=1, max_size=48))}
        else:
            staff = {"shifts": [{"start": f"{draw(st.integers(0, 23))}h",
                                 "length": f"{draw(st.integers(1, 24))}h",
                                 "count": draw(st.integers(0, 5))}]}
        pools[f"p{k}"] = {"skills": skills, **staff}
    if draw(st.booleans()):
        channels[names[0]]["redirect"] = {"share": 0.5, "to": {names[-1]: 1.0}}
    channels["public"] = {"kind": "public", "handle_time": DISTS[0]}  # for public complaints
    shares["public"] = 0.0
    return parse_scenario({
        "journeys": {"on_unresolved": {"retry": draw(st.sampled_from([0.0, 0.6]))},
                     "max_contacts": draw(st.integers(1, 4))},
        "needs": {"twitter_users": 1.0},
        "name": "prop", "horizon": draw(st.sampled_from([600, 3600 * 6, 3600 * 30])),
        "warmup": draw(st.sampled_from([0, 1800])), "interval": "30min",
        "demand": {"per_hour": draw(st.sampled_from([5, 60, 400]))},
        "choice": {"default": shares}, "channels": channels, "pools": pools,
    })


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(), seed=st.integers(0, 2**32))
def test_every_contact_is_accounted_for(scenario, seed):
    """Conservation: each contact is answered, abandoned, or still in the system at the
    horizon, and its times and agent agree with that."""
    r = simulate(scenario, replication_seed(seed, 0))
    has_answer, has_end = ~np.isnan(r.answered), ~np.isnan(r.ended)
    assert set(np.unique(r.status)) <= {WAITING, IN_SERVICE, ANSWERED, ABANDONED, CLOSED}
    # never taken: waiting, abandoned or turned away by a closed channel; taken: in service,
    # done, or back in queue for the next message of its case
    assert set(np.unique(r.status[~has_answer])) <= {WAITING, ABANDONED, CLOSED}
    assert not np.isin(r.status[has_answer], [ABANDONED, CLOSED]).any()
    assert np.array_equal(has_end, np.isin(r.status, [ANSWERED, ABANDONED, CLOSED]))
    specs = list(scenario.channels.values())
    for i in np.flatnonzero(r.status == CLOSED):  # met its channel closed, at its arrival
        spec = specs[r.channel[i]]
        assert r.ended[i] == r.arrival[i] and spec.closed_action != "queue"
        assert not spec.hours.is_open(r.arrival[i]) or spec.hours.next_open(r.arrival[i]) \
            == r.arrival[i], "turned away while open"
    assert np.array_equal(r.pool >= 0, has_answer)
    assert np.all(r.arrival >= -scenario.warmup)
    assert np.all(r.answered[has_answer] >= r.arrival[has_answer])
    replied = ~np.isnan(r.replied)
    assert np.all(has_answer[replied])
    assert np.all(r.replied[replied] >= r.answered[replied])
    started = np.where(has_answer, r.answered, r.arrival)
    assert np.all(r.ended[has_end] >= started[has_end])
    assert np.all(r.ended[has_end] <= scenario.horizon)
    skills = [set(p.skills) for p in scenario.pools.values()]
    for i in np.flatnonzero(has_answer):
        ch = r.channels[r.channel[i]]
        assert ch in skills[r.pool[i]], "served by a pool without the skill"
        hours = specs[r.channel[i]].hours
        assert hours is None or hours.is_open(r.answered[i]), "answered while closed"
    for k, i in enumerate(r.exchange_contact):
        hours = specs[r.channel[i]].hours
        assert hours is None or hours.is_open(r.exchange_start[k]), "answered while closed"
    _assert_agents_within_concurrency(r, specs)
    assert_conserved(r)


def _assert_agents_within_concurrency(r, specs) -> None:
    """At any instant an agent holds sessions of one channel only, at most its concurrency.

    Sessions: each contact's first exchange [answered, replied) and the later exchanges."""
    first = np.flatnonzero(~np.isnan(r.answered))
    end_first = np.where(np.isnan(r.replied), r.horizon, r.replied)
    end_more = np.where(np.isnan(r.exchange_end), r.horizon, r.exchange_end)
    sessions = [(r.pool[i], r.agent[i], r.answered[i], end_first[i], i) for i in first] + [
        (r.exchange_pool[k], r.exchange_agent[k], r.exchange_start[k], end_more[k], i)
        for k, i in enumerate(r.exchange_contact)]
    by_agent: dict = {}
    for pool, agent, start, end, i in sessions:
        by_agent.setdefault((pool, agent), []).append((start, end, i))
    for mine in by_agent.values():
        events = sorted([(s, 1, i) for s, _, i in mine] + [(e, -1, i) for _, e, i in mine],
                        key=lambda e: (e[0], e[1]))
        held: list[int] = []
        for _, step, i in events:
            if step < 0:
                held.remove(i)
                continue
            held.append(i)
            assert len({r.channel[j] for j in held}) == 1, "an agent mixed channels"
            assert len(held) <= specs[r.channel[i]].concurrency


@settings(max_examples=40, deadline=None)
@given(agents=st.integers(1, 8), load=st.floats(0.5, 1.3), seed=st.integers(0, 2**32),
       handle=st.sampled_from([60.0, 300.0]))
def test_an_extra_agent_never_lengthens_a_wait(agents, load, seed, handle):
    """Under FIFO with common random numbers (same customers, same handle times), adding an
    agent never makes any customer wait longer (Kiefer-Wolfowitz monotonicity)."""
    per_hour = load * agents * 3600 / handle
    base = simulate(phone_scenario(agents, per_hour, handle, horizon=6 * 3600.0),
                    replication_seed(seed, 0))
    more = simulate(phone_scenario(agents + 1, per_hour, handle, horizon=6 * 3600.0),
                    replication_seed(seed, 0))
    assert np.array_equal(base.arrival, more.arrival)
    wait_base = np.where(np.isnan(base.answered), np.inf, base.answered - base.arrival)
    wait_more = np.where(np.isnan(more.answered), np.inf, more.answered - more.arrival)
    assert np.all(wait_more <= wait_base + 1e-9)
