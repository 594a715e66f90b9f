"""Busy, on-duty and paid agent-seconds per pool and bin: occupancy is busy over on duty (breaks
and shrinkage left out), cost is paid time (breaks included)."""

from __future__ import annotations

import numpy as np

from sim.engine.records import Records
from sim.metrics.busy import busy_blocks, overlap_seconds, parts, service_intervals
from sim.model.staffing import duty_steps, paid_steps, staffed_seconds
from sim.scenario.schema import Scenario


def pool_seconds(records: Records, scenario: Scenario,
                 edges: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(busy, on duty, paid) agent-seconds, each shaped (pools, bins), in the order of
    `records.pools`.

    Only [edges[0], edges[-1]] counts: with edges from 0 to the horizon, a
    warm-up contact still in service at t=0 adds only its time after 0.
    """
    busy = np.zeros((len(records.pools), len(edges) - 1))
    duty, paid = np.zeros_like(busy), np.zeros_like(busy)
    for p, name in enumerate(records.pools):
        spec = scenario.pools[name]
        busy[p] = _busy(records, scenario, p, edges)
        for out, steps in ((duty, duty_steps), (paid, paid_steps)):
            out[p] = staffed_seconds(steps(spec, scenario.interval, 0.0, records.horizon),
                                     records.horizon, edges)
    return busy, duty, paid


def _busy(records: Records, scenario: Scenario, p: int, edges: np.ndarray) -> np.ndarray:
    """Busy agent-seconds of pool `p` per bin. Only an agent who can hold several sessions at
    once (a skill with concurrency) has stretches that overlap and need their union; anyone
    else's are the service intervals themselves, summed a part at a time, which costs far
    less memory on a long run."""
    skills = scenario.pools[records.pools[p]].skills
    if any(scenario.channels[s].concurrency > 1 for s in skills):
        blocks = busy_blocks(records, p)
        return overlap_seconds(blocks["start"].to_numpy(), blocks["end"].to_numpy(), edges)
    busy = np.zeros(len(edges) - 1)
    for rows, exchanges in parts(records):
        _, _, start, end = service_intervals(records, p, rows, exchanges)
        busy += overlap_seconds(start, end, edges)
    return busy


def cost_per_hour(records: Records, scenario: Scenario) -> np.ndarray:
    """Cost of one agent-hour, per pool in the order of `records.pools`."""
    return np.array([scenario.pools[name].cost_per_hour for name in records.pools])
