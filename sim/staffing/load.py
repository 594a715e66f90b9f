"""Expected first contacts per channel and interval, from the scenario alone. Pure.

The warm start must not depend on sampling noise: on a stationary scenario it equals the
Erlang C staffing exactly. So the offered rate of first contacts is computed, not counted:
the integral of the demand rate (with events) over each interval, times the share of needs
whose first choice is the channel (reason, region and Twitter use as the population draws
them, less self-service). Later contacts (retries, follow-ups, redirects) depend on the run
and are counted in a simulation instead (`Evaluator`).
"""

from __future__ import annotations

import numpy as np

from sim.engine.population import choice_matrix
from sim.model.arrivals import rate_steps
from sim.scenario.demand import Volume
from sim.scenario.schema import Scenario


def first_contacts(scenario: Scenario, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Expected first contacts of each channel in each bin [edges[k], edges[k+1])."""
    channels = scenario.demand.channels
    if channels is None:
        per_reason = _needs_by_reason(scenario, scenario.demand, edges)  # (reasons, bins)
        shares = _channel_shares(scenario)  # (reasons, channels)
        counts = shares.T @ per_reason  # (channels, bins)
        return {name: counts[k] for k, name in enumerate(scenario.channels)}
    zero = np.zeros(len(edges) - 1)
    kept = _kept_share(scenario)
    return {name: kept * _needs_by_reason(scenario, channels[name], edges).sum(axis=0)
            if name in channels else zero for name in scenario.channels}


def _needs_by_reason(scenario: Scenario, volume: Volume, edges: np.ndarray) -> np.ndarray:
    """Expected needs of one demand stream arriving in each bin, per reason (events add to
    their reason)."""
    needs = scenario.needs
    steps, rates = rate_steps(volume, scenario.interval, float(edges[0]), float(edges[-1]))
    base = _integral(steps, rates, edges)
    reason_share = np.array(list(needs.reasons.values()))
    out = np.outer(reason_share / reason_share.sum(), base)
    names = list(needs.reasons)
    for event in scenario.events:
        lo, hi = event.start, event.start + event.length
        inside = np.clip(edges, lo, hi)
        extra = _integral(steps, rates, inside) * (event.multiplier - 1)
        out[names.index(event.reason)] += extra * needs.reasons[event.reason] / \
            reason_share.sum()
    return out


def _integral(steps: np.ndarray, rates: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Integral of the piecewise-constant rate over each bin of `edges` (clipped to `steps`)."""
    cumulative = np.concatenate(([0.0], np.cumsum(rates * np.diff(steps))))
    return np.diff(np.interp(edges, steps, cumulative))


def _kept_share(scenario: Scenario) -> float:
    """The share of needs that self-service does not resolve, over the regions."""
    needs = scenario.needs
    region_share = np.array(list(needs.regions.values()))
    kept = np.array([1.0 - needs.by_region("self_service", r) for r in needs.regions])
    return float(region_share @ kept / region_share.sum())


def _channel_shares(scenario: Scenario) -> np.ndarray:
    """Per reason, the expected share of its needs whose first contact is on each channel."""
    needs = scenario.needs
    tables = choice_matrix(scenario)  # rows (reason, region, twitter)
    region_share = np.array(list(needs.regions.values()))
    region_share = region_share / region_share.sum()
    out = np.zeros((len(needs.reasons), len(scenario.channels)))
    for i in range(len(needs.reasons)):
        for j, region in enumerate(needs.regions):
            users = needs.by_region("twitter_users", region)
            kept = 1.0 - needs.by_region("self_service", region)
            row = (i * len(needs.regions) + j) * 2
            out[i] += region_share[j] * kept * ((1 - users) * tables[row]
                                                + users * tables[row + 1])
    return out
