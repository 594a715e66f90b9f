"""Exact steady-state formulas for M/M/c (Erlang B and C) and M/M/c+M (Erlang A).

The simulator is validated against these, so they favour exactness and
numerical stability over speed: no factorials, only the Erlang B recursion and
log-space sums, so they hold for thousands of servers and loads near capacity.
Times are in seconds and rates per second; a load is arrival_rate * mean_service
in Erlangs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln, logsumexp

__all__ = [
    "ErlangA",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "mmc_mean_wait",
    "mmc_service_level",
    "sqrt_staffing",
]


def _check_servers(servers: int, minimum: int = 0) -> None:
    if servers < minimum or int(servers) != servers:
        raise ValueError(f"servers must be an integer >= {minimum}, got {servers!r}")


def _check_nonneg(name: str, value: float) -> None:
    if not 0.0 <= value < math.inf:  # also rejects NaN
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")


def _check_positive(name: str, value: float) -> None:
    if not 0.0 < value < math.inf:
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/c/c (Erlang loss): share of arrivals finding all busy.

    Uses the recursion B(k) = a B(k-1) / (k + a B(k-1)), B(0) = 1, whose terms
    stay in [0, 1], so it neither overflows nor loses precision for large c.
    """
    _check_servers(servers)
    _check_nonneg("load", load)
    b = 1.0
    for k in range(1, int(servers) + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability an arrival waits in M/M/c; 1.0 when load >= servers (no steady state).

    Derived from Erlang B as C = c B / (c - a (1 - B)), which avoids the
    cancellation of the textbook sum-of-terms form.
    """
    _check_servers(servers)
    _check_nonneg("load", load)
    if load >= servers:
        return 1.0
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1.0 - b))


def mmc_mean_wait(servers: int, arrival_rate: float, mean_service: float) -> float:
    """Mean time in queue over all M/M/c arrivals (zero waits included); inf when unstable."""
    _check_servers(servers, 1)
    _check_nonneg("arrival_rate", arrival_rate)
    _check_positive("mean_service", mean_service)
    load = arrival_rate * mean_service
    if load >= servers:
        return math.inf
    return erlang_c(servers, load) * mean_service / (servers - load)


def mmc_service_level(servers: int, arrival_rate: float, mean_service: float,
                      within: float) -> float:
    """P(wait <= within) in M/M/c: 1 - C exp(-(c mu - lambda) t); 0.0 when unstable.

    An unstable queue grows without bound, so in the long run no arrival is
    answered within any finite time.
    """
    _check_servers(servers, 1)
    _check_nonneg("arrival_rate", arrival_rate)
    _check_positive("mean_service", mean_service)
    if not within >= 0.0:
        raise ValueError(f"within must be >= 0, got {within!r}")
    load = arrival_rate * mean_service
    if load >= servers:
        return 0.0
    decay = (servers - load) / mean_service  # c mu - lambda
    return 1.0 - erlang_c(servers, load) * math.exp(-decay * within)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Steady state of M/M/c+M (exponential patience, FCFS), per arrival.

    p_wait: finds all servers busy. p_abandon: abandons before service.
    mean_wait: mean time in queue over all arrivals, served and abandoned
    (= mean queue length / arrival_rate). mean_wait_served: mean time in queue
    of the arrivals that are served (zero waits included).
    """

    p_wait: float
    p_abandon: float
    mean_wait: float
    mean_wait_served: float


_TAIL_TOL = 1e-20  # relative size of the neglected tail of the birth-death chain
_MAX_TAIL_STATES = 1 << 27


def _queue_sums(arrival_rate: float, cmu: float, theta: float,
                log_head: float) -> tuple[float, float, float, float, float]:
    """Sums over queue states q = 0, 1, ... (state c + q) of the M/M/c+M chain.

    Weights are t_q = pi_{c+q} / pi_c = prod_{i<=q} lambda / (c mu + i theta).
    Returns (m, S0, S1, S2, S3) with each sum scaled by exp(-m):
    S0 = sum t_q, S1 = sum q t_q, S2 = sum t_q s_q H_q, S3 = sum t_q s_q, where
    s_q = P(served | q ahead) and H_q the expected wait per served arrival
    given q ahead (see erlang_a).
    """
    log_lam = math.log(arrival_rate)
    start, size = 0, 256
    carry_log, carry_h = 0.0, 0.0  # L_{start-1}, H_{start-1}
    log_s0 = -math.inf
    chunks: list[tuple[float, float, float, float, float]] = []
    while True:
        q = np.arange(start, start + size, dtype=float)
        incr = log_lam - np.log(cmu + q * theta)
        if start == 0:
            incr[0] = 0.0
        log_t = carry_log + np.cumsum(incr)
        rate_out = cmu + (q + 1.0) * theta  # leaving a stage: a server frees or someone abandons
        h = carry_h + np.cumsum(1.0 / rate_out)
        served = cmu / rate_out
        top = float(log_t.max())
        w = np.exp(log_t - top)
        chunks.append((top, float(w.sum()), float((q * w).sum()),
                       float((w * served * h).sum()), float((w * served).sum())))
        log_s0 = float(np.logaddexp(log_s0, top + math.log(chunks[-1][1])))
        carry_log, carry_h = float(log_t[-1]), float(h[-1])
        start += size
        size = min(2 * size, 1 << 20)
        # Past the mode the ratios t_{q+1}/t_q = r fall, so the rest is at most
        # geometric: bound it (weighted by q and by H for S1, S2) against the total.
        last = start - 1
        r = arrival_rate / rate_out[-1]
        if r < 1.0:
            g = 1.0 / (1.0 - r)
            bound = carry_log + math.log(r * g * (1.0 + last + g) * (1.0 + carry_h + g / cmu))
            if bound < np.logaddexp(log_head, log_s0) + math.log(_TAIL_TOL):
                break
        if start > _MAX_TAIL_STATES:
            raise ValueError("queue too long to sum: patience far too long for this overload")
    m = max(c[0] for c in chunks)
    sums = np.array([[math.exp(c[0] - m) * v for v in c[1:]] for c in chunks]).sum(axis=0)
    return m, float(sums[0]), float(sums[1]), float(sums[2]), float(sums[3])


def erlang_a(servers: int, arrival_rate: float, mean_service: float,
             mean_patience: float) -> ErlangA:
    """Erlang A (Palm's M/M/c+M): Poisson arrivals, exponential service and patience.

    Solves the birth-death chain exactly (Garnett, Mandelbaum & Reiman 2002):
    states k <= c die at rate k mu, states c + q at c mu + q theta, so a steady
    state exists for any load. Sums run in log space and stop once the tail is
    below 1e-20 of the total. PASTA and Little's law give p_wait = P(N >= c),
    mean_wait = E[Q] / lambda and p_abandon = theta E[Q] / lambda.

    Served waits follow a tagged arrival that finds q ahead in queue: each stage
    ends at rate c mu + (k + 1) theta regardless of outcome, so
    P(served | q) = c mu / (c mu + (q + 1) theta) (telescoping) and
    E[wait | q, served] = sum_{k=1}^{q+1} 1 / (c mu + k theta).

    mean_patience = inf is plain M/M/c (Erlang C); 0 is the loss system (Erlang B).
    """
    _check_servers(servers, 1)
    _check_nonneg("arrival_rate", arrival_rate)
    _check_positive("mean_service", mean_service)
    if not mean_patience >= 0.0:
        raise ValueError(f"mean_patience must be >= 0, got {mean_patience!r}")
    load = arrival_rate * mean_service
    if arrival_rate == 0.0:
        return ErlangA(0.0, 0.0, 0.0, 0.0)
    if mean_patience == math.inf:
        wait = mmc_mean_wait(servers, arrival_rate, mean_service)
        return ErlangA(erlang_c(servers, load), 0.0, wait, wait)
    if mean_patience == 0.0:
        b = erlang_b(servers, load)
        return ErlangA(b, b, 0.0, 0.0)

    mu, theta = 1.0 / mean_service, 1.0 / mean_patience
    cmu = servers * mu
    # log(pi_k / pi_c) = gammaln(c+1) - gammaln(k+1) - (c-k) log a for k < c.
    k = np.arange(servers, dtype=float)
    log_head = float(logsumexp(gammaln(servers + 1.0) - gammaln(k + 1.0)
                               - (servers - k) * math.log(load)))
    m, s0, s1, s2, s3 = _queue_sums(arrival_rate, cmu, theta, log_head)
    # Rescale so the larger of head and queue sums is 1: either may dwarf the other.
    top = max(log_head, m)
    head = math.exp(log_head - top)
    s0, s1, s2, s3 = (v * math.exp(m - top) for v in (s0, s1, s2, s3))
    total = head + s0
    mean_queue = s1 / total
    p_served = (head + s3) / total  # = 1 - p_abandon; no cancellation when abandonment is high
    return ErlangA(
        p_wait=s0 / total,
        p_abandon=min(1.0, theta * mean_queue / arrival_rate),
        mean_wait=mean_queue / arrival_rate,
        mean_wait_served=(s2 / total) / p_served,
    )


def sqrt_staffing(arrival_rate: float, mean_service: float, target_share: float,
                  within: float) -> int:
    """Fewest servers whose M/M/c service level P(wait <= within) meets target_share.

    An exact search, not the square-root rule c = a + beta sqrt(a) itself, though
    it lands on that rule's answer for the matching beta. It starts at the
    smallest stable c, floor(load) + 1, since fewer servers give level 0.
    """
    _check_nonneg("arrival_rate", arrival_rate)
    _check_positive("mean_service", mean_service)
    if not 0.0 < target_share < 1.0:
        raise ValueError(f"target_share must be in (0, 1), got {target_share!r}")
    servers = max(1, math.floor(arrival_rate * mean_service) + 1)
    while mmc_service_level(servers, arrival_rate, mean_service, within) < target_share:
        servers += 1
    return servers
