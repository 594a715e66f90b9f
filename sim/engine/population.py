"""Who arrives: every need of a replication and its first contact, drawn at set-up in numpy.

Each attribute comes from its own named stream, one uniform per need, so a
change in one part of the scenario (a channel's handle time, the channel
mix, an outage) leaves the other draws of the other needs as they were.

Memory: a long replication has millions of needs, and set-up is where the engine's peak
memory would be, so columns are kept in their narrowest type from the start (int8 codes,
not int64), the per-group choice is drawn in blocks, and nothing is copied or drawn that
the scenario makes unnecessary (no backlog: no concatenation; no patience anywhere: no
patience column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import inf

import numpy as np

from sim.engine.streams import stream
from sim.model.arrivals import arrival_times, rate_steps
from sim.model.choice import draw_channels, split_by_twitter
from sim.model.retweets import retweet_draws
from sim.policies import Policy
from sim.scenario.schema import Scenario

CHOICE_BLOCK = 1 << 16  # needs per block of `draw_channels` (its temporaries are n x channels)


@dataclass
class Population:
    """Needs in arrival order, and the retweets their public tweets would get.

    Not frozen: the engine takes over `arrival`, `handle` and `patience` (copies them into
    its own contact columns) and then drops them here (None), so that they are not held
    twice.
    """

    arrival: np.ndarray | None  # float64 seconds
    reason: np.ndarray  # int8, index into scenario.needs.reasons
    region: np.ndarray  # int8, index into scenario.needs.regions
    twitter: np.ndarray  # bool: the customer uses Twitter
    followers: np.ndarray  # float64 (0 for customers not on Twitter)
    channel: np.ndarray  # int8 first channel, -1 when self-service resolved the need
    handle: np.ndarray | None  # float64 first contact's (first exchange) handle time
    patience: np.ndarray | None  # float64, inf where the channel has none; None: no channel has
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
    """Row of `choice_matrix` for each need (int64: the product overflows int8 codes)."""
    reason, region = np.asarray(reason, dtype=np.int64), np.asarray(region, dtype=np.int64)
    return (reason * len(scenario.needs.regions) + region) * 2 + \
        np.asarray(twitter, dtype=np.int64)


def draw_population(scenario: Scenario, seed: np.random.SeedSequence,
                    policy: Policy | None = None) -> Population:
    sc, needs = scenario, scenario.needs
    arrival_all, reason_all, first_channel = _arrivals(sc, seed)
    order = None
    if len(arrival_all) and np.any(arrival_all[1:] < arrival_all[:-1]):
        order = np.argsort(arrival_all, kind="stable")
        arrival_all, reason_all = arrival_all[order], reason_all[order]
        first_channel = first_channel[order]
    n = len(arrival_all)
    public = any(c.kind == "public" for c in sc.channels.values())
    # first, while little else is held: its temporaries are several bytes a need (its own
    # stream, so when it is drawn changes nothing); the backlog's needs count too
    sample = lambda rng, k: needs.followers.ppf(rng.random(k))  # noqa: E731
    v = sc.visibility
    n_backlog = sum(c.backlog for c in sc.channels.values())
    retweets = retweet_draws(stream(seed, "retweets"), sample, n_backlog + n if public else 0,
                             v.retweet_per_hour, v.half_life, v.retweet_window)

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
    followers = np.zeros(n)  # untouched zero pages: no memory until written
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
        channel = np.full(n, np.flatnonzero(tables[0])[0], dtype=np.int8)
    else:
        channel = _draw_channels_in_blocks(sc, uniforms("choice"), reason_all, region, twitter,
                                           tables)
    channel = np.where(deflected, -1, channel)  # int8
    del deflected, deflect
    handle, patience = _first_variates(sc, channel, lambda: uniforms("handle"),
                                       lambda: uniforms("patience"))
    columns = [arrival_all, reason_all, region, twitter, followers, channel, handle, patience]
    del arrival_all, reason_all, region, twitter, followers, channel, handle, patience
    backlog = _backlog(sc, seed, users)
    if len(backlog[0]):  # the backlog's needs come first; one column at a time, so that
        for k, b in enumerate(backlog):  # only one is ever held twice
            if b is not None:
                columns[k] = np.concatenate((b, columns[k]))
    arrival_c, reason_c, region_c, twitter_c, followers_c, channel_c, handle_c, patience_c = columns
    return Population(arrival_c, reason_c.astype(np.int8, copy=False),
                      region_c.astype(np.int8, copy=False), twitter_c.astype(bool, copy=False),
                      followers_c, channel_c.astype(np.int8, copy=False), handle_c, patience_c,
                      *retweets)


def _draw_channels_in_blocks(sc: Scenario, u: np.ndarray, reason: np.ndarray,
                             region: np.ndarray, twitter: np.ndarray,
                             tables: np.ndarray) -> np.ndarray:
    """`draw_channels` block by block: the same draws, but its n x channels temporaries
    (and the int64 groups) stay a block long."""
    channel = np.empty(len(u), dtype=np.int8)
    for lo in range(0, len(u), CHOICE_BLOCK):
        hi = lo + CHOICE_BLOCK
        group = group_of(sc, reason[lo:hi], region[lo:hi], twitter[lo:hi])
        channel[lo:hi] = draw_channels(u[lo:hi], group, tables)
    return channel


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
    arrival = list(base)
    channel = [np.full(len(t), codes.get(ch, -1), dtype=np.int8)
               for ch, t in zip(steps, base, strict=True)]
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
            channel.append(np.full(len(times), codes.get(ch, -1), dtype=np.int8))
            reason.append(np.full(len(times), names.index(event.reason), dtype=np.int8))
    # one part (no event, one demand stream): no copy
    return tuple(parts[0] if len(parts) == 1 else np.concatenate(parts)
                 for parts in (arrival, reason, channel))


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
    handle, patience = _first_variates(sc, channel, lambda: u[4], lambda: u[5])
    return (np.full(len(channel), -sc.warmup), reason, region, twitter, followers, channel,
            handle, patience)


def _category(draw, shares: np.ndarray, n: int) -> np.ndarray:
    """Category index (int8) per need by inverse transform; no draw when one category is
    certain."""
    if np.count_nonzero(shares) == 1:
        return np.full(n, np.flatnonzero(shares)[0], dtype=np.int8)
    return _pick(draw(), shares).astype(np.int8)


def _chance(draw, p: np.ndarray) -> np.ndarray:
    """True with probability p per need; no draw when every p is 0 or 1."""
    if np.all((p == 0) | (p == 1)):
        return p == 1
    return draw() < p


def _pick(u: np.ndarray, shares: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(shares) / shares.sum()
    cumulative[np.flatnonzero(shares)[-1]:] = 1.0
    return np.searchsorted(cumulative, u, side="right")


def _first_variates(sc: Scenario, channel: np.ndarray, u_handle: Callable[[], np.ndarray],
                    u_patience: Callable[[], np.ndarray]
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """Each first contact's handle time and patience, by inverse transform of its uniforms
    (`u_handle()`, `u_patience()`). Patience is None, and its uniforms are not drawn, when
    no channel has one; a channel that takes every contact skips the masked copies."""
    specs = list(sc.channels.values())
    handle = _by_channel(channel, u_handle(), [s.handle_time for s in specs], 0.0)
    if all(s.patience is None for s in specs):
        return handle, None
    return handle, _by_channel(channel, u_patience(), [s.patience for s in specs], inf)


def _by_channel(channel: np.ndarray, u: np.ndarray, dists: list, default: float) -> np.ndarray:
    """`dists[k].ppf(u)` where channel is k; `default` where channel k has no distribution
    (None) and for self-served needs (-1)."""
    if len(dists) == 1 and dists[0] is not None and np.all(channel == 0):
        return dists[0].ppf(u)
    values = np.full(len(channel), default)
    for k, dist in enumerate(dists):
        if dist is not None:
            mask = channel == k
            values[mask] = dist.ppf(u[mask])
    return values
