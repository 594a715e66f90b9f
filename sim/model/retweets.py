"""Retweets of a public complaint: how many a tweet gets, and when, by its attention.

At age a a tweet is retweeted at `per_hour * 2**(-a / half_life)` per hour, so most
retweets come while people still look at it; over [0, window) the count is Poisson with
mean `expected_retweets`. The engine draws them (`retweet_draws`) and the scenario checks
bound their number with the same mean; the impressions they bring are the metrics' (sim/
metrics/visibility.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.model.units import HOUR

FollowerSampler = Callable[[np.random.Generator, int], np.ndarray]


def expected_retweets(per_hour: float, half_life: float, window: float) -> float:
    """The mean number of retweets of one tweet over its first `window` seconds."""
    decay, reached = _attention(half_life, window)
    return per_hour / HOUR / decay * reached


def retweet_draws(
    rng: np.random.Generator,
    sample_followers: FollowerSampler,
    n_tweets: int,
    per_hour: float,
    half_life: float,
    window: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Retweets of n tweets drawn in one go: (owner, age in seconds, followers).

    They are drawn over [0, window) before the reply is known, so the same draws serve any
    reply time (common random numbers); `tweet_impressions` drops those after the reply.
    Draws counts, then ages (inverse transform of the truncated exponential), then followers.
    """
    if n_tweets < 0 or not per_hour >= 0 or not window >= 0 or not half_life > 0:
        raise ValueError("retweet_draws: n_tweets, per_hour, window >= 0 and half_life > 0")
    decay, reached = _attention(half_life, window)
    counts = rng.poisson(expected_retweets(per_hour, half_life, window), size=n_tweets)
    owner = np.repeat(np.arange(n_tweets, dtype=np.intp), counts)
    age = -np.log1p(-rng.random(len(owner)) * reached) / decay
    followers = np.asarray(sample_followers(rng, len(owner)), dtype=float)
    if followers.shape != owner.shape:
        raise ValueError("retweet_draws: sample_followers(rng, n) must return n values")
    return owner, age, followers


def _attention(half_life: float, window: float) -> tuple[float, float]:
    """The attention's decay rate (per second) and the share of it within the window."""
    decay = math.log(2) / half_life
    return decay, -math.expm1(-decay * window)
