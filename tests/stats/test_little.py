"""Little's law, on the agents and on the queue, with tolerances from the replications' CI."""

from __future__ import annotations

import numpy as np

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import overlap_seconds, replication_metrics
from sim.theory.erlang import erlang_a
from tests.stats.factory import phone_scenario, tolerance

AGENTS, PER_HOUR, HANDLE, PATIENCE = 50, 480, 360.0, 60.0
REPLICATIONS = 20


def _replications():
    scenario = phone_scenario(AGENTS, PER_HOUR, HANDLE, PATIENCE)
    for r in range(REPLICATIONS):
        records = simulate(scenario, replication_seed(3, r))
        yield scenario, records, replication_metrics(records, scenario)


def _value(metrics, channel: str, metric: str) -> float:
    row = metrics[(metrics.channel == channel) & (metrics.metric == metric)]
    return float(row["value"].iloc[0])


def test_busy_agents_equal_throughput_times_mean_handle_time():
    """L = lambda W on the agents: mean busy agents = answered per second x E[handle time]."""
    gaps = []
    for scenario, _, metrics in _replications():
        busy = _value(metrics, "pool:phone", "occupancy") * _value(metrics, "pool:phone",
                                                                       "agents")
        throughput = _value(metrics, "phone", "answered") / scenario.horizon
        gaps.append(busy - throughput * HANDLE)
    gaps = np.array(gaps)
    assert abs(gaps.mean()) <= tolerance(gaps) + 0.01 * AGENTS  # edge effects: < 1% of agents


def test_queue_length_equals_arrival_rate_times_queue_time():
    """L_q = lambda W_q, against the records and against Erlang A's mean queue time."""
    lam = PER_HOUR / 3600
    theory = lam * erlang_a(AGENTS, lam, HANDLE, PATIENCE).mean_wait
    lengths, little = [], []
    for scenario, records, _ in _replications():
        left_queue = np.fmin(records.answered, records.ended)  # answered, or abandoned
        left_queue = np.where(np.isnan(left_queue), scenario.horizon, left_queue)
        edges = np.array([0.0, scenario.horizon])
        lengths.append(overlap_seconds(records.arrival, left_queue, edges)[0] / scenario.horizon)
        window = (records.arrival >= 0) & (records.arrival < scenario.horizon)
        queue_time = (left_queue - records.arrival)[window]
        little.append(window.sum() / scenario.horizon * queue_time.mean())
    lengths, little = np.array(lengths), np.array(little)
    assert abs((lengths - little).mean()) <= tolerance(lengths - little) + 0.01 * theory
    assert abs(lengths.mean() - theory) <= tolerance(lengths)
