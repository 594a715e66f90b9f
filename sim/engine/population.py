"""Who arrives: every need of a replication and its first contact, drawn at set-up in numpy.

Each attribute comes from its own named stream, one uniform per need, so a
change in one part of the scenario (a channel's handle time, the channel
mix, an outage) leaves the other draws of the other needs as they were.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf

import numpy as np

from sim.engine.streams import stream
from sim.metrics.visibility import retweet_draws
from sim.model.arrivals import arrival_times, rate_steps
from sim.model.choice import draw_channels, split_by_twitter
from sim.policies import Policy
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Population:
    """Needs in arrival order, and the retweets their public tweets would get."""

    arrival: np.ndarray  # float64 seconds
    reason: np.ndarray  # int8, index into scenario.needs.reasons
    region: np.ndarray  # int8, index into scenario.needs.regions
    twitter: np.ndarray  # bool: the customer uses Twitter
    followers: np.ndarray  # float64 (0 for customers not on Twitter)
    channel: np.ndarray  # int64 first channel, -1 when self-service resolved the need
    handle: np.ndarray  # float64 first contact's (first exchange) handle time
    patience: np.ndarray  # float64, inf where the channel has none
    retweet_need: np.ndarray  # intp: which need's tweet is retweeted
    retweet_age: np.ndarray  # float64 seconds after the tweet
    retweet_followers: np.ndarray  # float64


def choice_matrix(scenario: Scenario) -> np.ndarray:
    """Rows of first-choice shares, one per (reason, region, uses Twitter) group."""
    channels = list(scenario.channels)
    twitter_only = np.array([c.needs_twitter for c in scenario.channels.values()])
    needs = scenario.needs
    rows = []
    for reason in needs.reasons:
        for region in needs.regions:
            table = scenario.table_for(reason, region)
            shares = np.array([table.get(ch, 0.0) for ch in channels])
            users, others = split_by_twitter(shares, twitter_only,
                                             needs.by_region("twitter_users", region))
            rows += [others, users]
    return np.array(rows)


def group_of(scenario: Scenario, reason, region, twitter) -> np.ndarray:
    """Row of `choice_matrix` for each need."""
    return (np.asarray(reason) * len(scenario.needs.regions) + np.asarray(region)) * 2 + \
        np.asarray(twitter, dtype=np.int64)


def draw_population(scenario: Scenario, seed: np.random.SeedSequence,
                    policy: Policy | None = None) -> Population:
    sc, needs = scenario, scenario.needs
    arrival_all, reason_all, first_channel = _arrivals(sc, seed)
    order = None
    if len(arrival_all) and np.any(np.diff(arrival_all) < 0):
        order = np.argsort(arrival_all, kind="stable")
        arrival_all, reason_all = arrival_all[order], reason_all[order]
        first_channel = first_channel[order]
    n = len(arrival_all)

    def uniforms(name: str) -> np.ndarray:  # base needs first, then each event's, then sorted
        u = stream(seed, name).random(n)
        return u if order is None else u[order]

    # an attribute that the scenario makes certain is set without drawing its stream
    region = _category(lambda: uniforms("region"), np.array(list(needs.regions.values())), n)
    region_names = list(needs.regions)
    users = np.array([needs.by_region("twitter_users", r) for r in region_names])
    twitter = _chance(lambda: uniforms("twitter"), users[region])
    twitter_only = np.array([c.needs_twitter for c in sc.channels.values()])
    if sc.demand.channels is not None:  # a tweet to the brand comes from a Twitter user
        twitter |= twitter_only[first_channel]
    public = any(c.kind == "public" for c in sc.channels.values())
    followers = np.zeros(n)
    if public:  # followers matter only to public contacts
        followers = np.where(twitter, needs.followers.ppf(uniforms("followers")), 0.0)
    deflect = np.array([needs.by_region("self_service", r) for r in region_names])[region]
    extra = policy and policy.extra_self_service(sc, arrival_all, reason_all)
    if extra is not None:  # e.g. a status post during an outage
        deflect = deflect + (1 - deflect) * extra
    deflected = _chance(lambda: uniforms("self_service"), deflect)
    tables = choice_matrix(sc)
    if sc.demand.channels is not None:
        channel = first_channel
    elif (tables == tables[0]).all() and np.count_nonzero(tables[0]) == 1:
        channel = np.full(n, np.flatnonzero(tables[0])[0])
    else:
        channel = draw_channels(uniforms("choice"), group_of(sc, reason_all, region, twitter),
                                tables)
    channel = np.where(deflected, -1, channel)
    handle, patience = _first_variates(sc, channel, uniforms("handle"), uniforms("patience"))
    backlog = _backlog(sc, seed, users)
    columns = [np.concatenate(pair) for pair in zip(
        backlog, (arrival_all, reason_all, region, twitter, followers, channel, handle, patience),
        strict=True)]
    sample = lambda rng, k: needs.followers.ppf(rng.random(k))  # noqa: E731
    v = sc.visibility
    retweets = retweet_draws(stream(seed, "retweets"), sample, len(columns[0]) if public else 0,
                             v.retweet_per_hour, v.half_life, v.retweet_window)
    arrival_c, reason_c, region_c, twitter_c, followers_c, channel_c, handle_c, patience_c = columns
    return Population(arrival_c, reason_c.astype(np.int8), region_c.astype(np.int8),
                      twitter_c.astype(bool), followers_c, channel_c.astype(np.int64), handle_c,
                      patience_c, *retweets)


def _arrivals(sc: Scenario, seed: np.random.SeedSequence) -> tuple[np.ndarray, ...]:
    """(arrival, reason, channel) of every need, unsorted: each demand stream's needs (their
    reasons drawn), then each event's extra needs per stream. The channel is -1 where the
    choice tables draw it (demand for all needs) and the stream's channel otherwise."""
    start, end = -sc.warmup, sc.horizon
    needs, names = sc.needs, list(sc.needs.reasons)
    codes = {name: k for k, name in enumerate(sc.channels)}
    steps = {ch: rate_steps(volume, sc.interval, start, end)
             for ch, volume in sc.demand.volumes().items()}
    suffix = {ch: "" if ch is None else f":{ch}" for ch in steps}
    base = [arrival_times(stream(seed, f"arrivals{suffix[ch]}"), *steps[ch]) for ch in steps]
    arrival, channel = list(base), [np.full(len(t), codes.get(ch, -1)) for ch, t in
                                    zip(steps, base, strict=True)]
    n_base = sum(map(len, base))
    reason = [_category(lambda: stream(seed, "reason").random(n_base),
                        np.array(list(needs.reasons.values())), n_base)]
    for k, event in enumerate(sc.events):
        lo, hi = max(event.start, start), min(event.start + event.length, end)
        if lo >= hi:
            continue
        for ch, (edges, rates) in steps.items():
            inside = (edges[:-1] < hi) & (edges[1:] > lo)
            ev_edges = np.clip(np.append(edges[:-1][inside], edges[1:][inside][-1]), lo, hi)
            extra = rates[inside] * needs.reasons[event.reason] * (event.multiplier - 1)
            times = arrival_times(stream(seed, f"arrivals:event{k}{suffix[ch]}"), ev_edges,
                                  extra)
            arrival.append(times)
            channel.append(np.full(len(times), codes.get(ch, -1)))
            reason.append(np.full(len(times), names.index(event.reason)))
    return tuple(np.concatenate(parts) for parts in (arrival, reason, channel))


def _backlog(sc: Scenario, seed: np.random.SeedSequence, users: np.ndarray) -> tuple:
    """Needs already waiting at the start of the warm-up (`backlog` per channel), with
    their own stream so the backlog never shifts other needs' draws."""
    channel = np.repeat(np.arange(len(sc.channels)), [c.backlog for c in sc.channels.values()])
    u = stream(seed, "backlog").random((6, len(channel)))
    needs = sc.needs
    reason = _pick(u[0], np.array(list(needs.reasons.values())))
    region = _pick(u[1], np.array(list(needs.regions.values())))
    on_twitter = np.array([c.needs_twitter for c in sc.channels.values()])[channel]
    twitter = on_twitter | (u[2] < users[region])
    followers = np.where(twitter, needs.followers.ppf(u[3]), 0.0)
    handle, patience = _first_variates(sc, channel, u[4], u[5])
    return (np.full(len(channel), -sc.warmup), reason, region, twitter, followers, channel,
            handle, patience)


def _category(draw, shares: np.ndarray, n: int) -> np.ndarray:
    """Category index per need by inverse transform; no draw when one category is certain."""
    if np.count_nonzero(shares) == 1:
        return np.full(n, np.flatnonzero(shares)[0])
    return _pick(draw(), shares)


def _chance(draw, p: np.ndarray) -> np.ndarray:
    """True with probability p per need; no draw when every p is 0 or 1."""
    if np.all((p == 0) | (p == 1)):
        return p == 1
    return draw() < p


def _pick(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(shares) / shares.sum()
    cumulative[np.flatnonzero(shares)[-1]:] = 1.0
    return np.searchsorted(cumulative, u, side="right")


def _first_variates(sc: Scenario, channel: np.ndarray, u_handle: np.ndarray,
                    u_patience: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each first contact's handle time and patience, by inverse transform of its uniforms."""
    handle = np.zeros(len(channel))
    patience = np.full(len(channel), inf)
    for k, spec in enumerate(sc.channels.values()):
        mask = channel == k
        handle[mask] = spec.handle_time.ppf(u_handle[mask])
        if spec.patience is not None:
            patience[mask] = spec.patience.ppf(u_patience[mask])
    return handle, patience
