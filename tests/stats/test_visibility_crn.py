"""With common random numbers, a faster public reply never adds unanswered impressions."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics.visibility import tweet_impressions
from sim.scenario.load import parse_scenario


def _twitter_desk(agents: int, per_hour: float):
    return parse_scenario({
        "name": "desk", "horizon": "8h", "warmup": "30min", "demand": {"per_hour": per_hour},
        "needs": {"reasons": {"complaint": 1.0}, "twitter_users": 1.0},
        "visibility": {"retweet_per_hour": 0.5},
        "choice": {"default": {"twitter": 1.0}},
        "channels": {"twitter": {"kind": "public",
                                 "handle_time": {"dist": "gamma", "mean": 240, "cv": 0.7}}},
        "pools": {"social": {"skills": ["twitter"], "agents": agents}},
    })


def _unanswered(sc, seed: int) -> np.ndarray:
    r = simulate(sc, replication_seed(seed, 0))
    replied = ~np.isnan(r.replied)
    delay = np.where(replied, r.replied - r.arrival, r.horizon - r.arrival)
    # contact i is need i here: one contact per need, none deflected
    assert np.array_equal(r.need, np.arange(len(r.need)))
    unanswered, _ = tweet_impressions(
        r.needs.followers[r.need], delay, r.retweet_need, r.retweet_age, r.retweet_followers,
        per_follower=sc.visibility.impressions_per_follower, half_life=sc.visibility.half_life,
        replied=replied)
    return unanswered


@settings(max_examples=30, deadline=None)
@given(agents=st.integers(1, 5), load=st.floats(0.5, 1.4), seed=st.integers(0, 2**32))
def test_an_extra_agent_never_adds_unanswered_impressions(agents, load, seed):
    per_hour = load * agents * 3600 / 240
    slow = _unanswered(_twitter_desk(agents, per_hour), seed)
    fast = _unanswered(_twitter_desk(agents + 1, per_hour), seed)
    assert len(slow) == len(fast)
    assert np.all(fast <= slow * (1 + 1e-12) + 1e-9)
    assert fast.sum() <= slow.sum()
