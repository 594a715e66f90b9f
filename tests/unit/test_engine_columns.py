"""The engine's lean parts: the clock's merged loop, and records built from its columns.

The engine keeps contacts in `array.array` columns, fills some record columns only at the
end (the reply of a one-exchange contact, the parent and cause of first contacts, pool
and agent from one serial per agent) and hands numpy views of its buffers to `Records`.
These tests pin what that must leave unchanged.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.engine.clock import Clock
from sim.engine.population import draw_population
from sim.engine.records import ANSWERED, FIRST
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.model.units import HOUR
from tests.unit.test_engine import build, check_consistent, exponential

# ---- the clock ----------------------------------------------------------------------------


def test_run_merged_runs_everything_before_until_in_time_order_heap_first_on_ties():
    clock = Clock()
    seen = []
    for t in (5.0, 1.0, 3.0, 10.0, 12.0):  # 10.0 is `until`: not run
        clock.call_at(t, lambda v: seen.append(("heap", v, clock.now)), t)
    arrivals = [0.5, 3.0, 9.0, 10.0, 11.0]  # 10.0 and later: not run
    clock.run_merged(10.0, arrivals, len(arrivals),
                     lambda k: seen.append(("arrival", k, clock.now)))
    assert seen == [("arrival", 0, 0.5), ("heap", 1.0, 1.0), ("heap", 3.0, 3.0),
                    ("arrival", 1, 3.0), ("heap", 5.0, 5.0), ("arrival", 2, 9.0)]
    assert clock.now == 10.0


def test_run_merged_reads_only_the_first_n_arrivals_and_runs_simpy_processes_beside():
    clock = Clock()
    ticks, arrived = [], []

    def process(env: simpy.Environment):
        while True:
            yield env.timeout(2.0)
            ticks.append(env.now)

    clock.process(process(clock))
    arrivals = [1.0, 4.0, 5.0]  # the last one stands for a follow-up appended to the column
    clock.run_merged(7.0, arrivals, 2, arrived.append)
    assert arrived == [0, 1]
    assert ticks == [2.0, 4.0, 6.0]
    assert clock.now == 7.0


# ---- records from the engine's columns -------------------------------------------------


def plain_scenario(pools: dict | None = None):
    """One channel of one exchange with no patience: every column filled at the end."""
    return build({"phone": {"kind": "realtime", "handle_time": exponential(300.0)}},
                 pools or {"team": {"skills": ["phone"], "agents": 4}}, {"phone": 1.0},
                 per_hour=40.0, horizon=6 * HOUR)


def test_a_plain_channel_s_reply_is_its_end_and_first_contacts_have_no_parent():
    r = simulate(plain_scenario(), replication_seed(3, 0))
    check_consistent(r)
    answered = r.status == ANSWERED
    assert answered.sum() > 100 and (~answered).any()  # some still in service at the end
    np.testing.assert_array_equal(r.replied[answered], r.ended[answered])
    assert np.isnan(r.replied[~answered]).all()
    assert np.all(r.parent == -1) and np.all(r.cause == FIRST)
    assert r.arrival.dtype == np.float64 and r.channel.dtype == np.int8
    assert r.need.dtype == np.int32 and r.pool.dtype == np.int16 and r.agent.dtype == np.int32
    # with no self-service the needs' arrival is the first contacts' (one buffer, no copy)
    np.testing.assert_array_equal(r.needs.arrival, r.arrival[:len(r.needs.arrival)])
    assert np.shares_memory(r.needs.arrival, r.arrival)


def test_pool_and_agent_name_an_agent_of_a_pool_with_the_skill():
    pools = {"small": {"skills": ["phone"], "agents": 1},
             "big": {"skills": ["phone"], "agents": 3}}
    r = simulate(plain_scenario(pools), replication_seed(4, 0))
    check_consistent(r)
    taken = r.pool >= 0
    assert set(np.unique(r.pool[taken]).tolist()) == {0, 1}
    assert set(np.unique(r.agent[taken & (r.pool == 0)]).tolist()) == {0}
    assert set(np.unique(r.agent[taken & (r.pool == 1)]).tolist()) == {0, 1, 2}
    assert np.all(r.agent[~taken] == -1) and np.all(r.pool[~taken] == -1)


def test_same_seed_gives_identical_records_twice_in_one_process():
    sc = plain_scenario()
    a, b = (simulate(sc, replication_seed(5, 0)) for _ in range(2))
    for name in ("arrival", "channel", "need", "parent", "cause", "answered", "replied",
                 "ended", "pool", "agent", "status"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_population_codes_are_narrow_and_patience_is_not_drawn_where_no_channel_has_one():
    p = draw_population(plain_scenario(), replication_seed(6, 0))
    assert p.channel.dtype == np.int8 and p.reason.dtype == np.int8
    assert p.region.dtype == np.int8
    assert p.patience is None
    assert p.handle is not None and len(p.handle) == len(p.arrival)
