"""Public visibility: closed forms worked on paper, conservation, monotonicity, the draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.metrics.busy import overlap_seconds
from sim.metrics.visibility import outstanding_seconds, tweet_impressions
from sim.model.retweets import retweet_draws

MIN = 60.0
H = 80 * MIN
P = 0.05
LN2_H = math.log(2) / H  # impression rate at age 0, per expected impression
NONE = (np.array([], dtype=int), np.array([]), np.array([]))


def impressions(followers, delay, retweets=NONE, replied=None, p=P, h=H):
    return tweet_impressions(np.asarray(followers, float), np.asarray(delay, float),
                             *retweets, per_follower=p, half_life=h, replied=replied)


def test_one_half_life_splits_the_audience_in_half():
    unanswered, reply = impressions([1000], [80 * MIN])
    assert unanswered == pytest.approx([25.0])
    assert reply == pytest.approx([25.0])


def test_never_replied_sees_everything_and_no_reply():
    unanswered, reply = impressions([1000, 10], [math.inf, math.inf])
    assert unanswered == pytest.approx([50.0, 0.5])
    assert reply.tolist() == [0.0, 0.0]


def test_instant_reply_leaves_nothing_unanswered():
    unanswered, reply = impressions([1000], [0.0])
    assert unanswered.tolist() == [0.0]
    assert reply == pytest.approx([50.0])


def test_one_retweet_at_a_known_age():
    # Retweet at 40 min by 400 followers; reply at 120 min, so the retweet
    # audience had 80 min = one half-life, the original 1.5 half-lives.
    retweets = (np.array([0]), np.array([40 * MIN]), np.array([400.0]))
    unanswered, reply = impressions([1000], [120 * MIN], retweets)
    own = 1 - 2 ** -1.5
    assert unanswered == pytest.approx([P * (1000 * own + 400 * 0.5)])
    assert reply == pytest.approx([P * (1000 * (1 - own) + 400 * 0.5)])


def test_retweets_after_the_reply_and_of_other_contacts_do_not_count():
    retweets = (np.array([0, 0, 1]), np.array([90 * MIN, 10 * MIN, 0.0]),
                np.array([1e6, 0.0, 1e6]))
    unanswered, reply = impressions([1000, 0], [80 * MIN, 0.0], retweets)
    assert unanswered == pytest.approx([25.0, 0.0])
    assert reply == pytest.approx([25.0, 0.0])


def test_censored_contact_counts_the_window_and_no_reply():
    # Not replied to, 80 min left in the window: half the audience so far.
    retweets = (np.array([0, 0]), np.array([20 * MIN, 100 * MIN]), np.array([200.0, 1e6]))
    unanswered, reply = impressions([1000], [80 * MIN], retweets, replied=np.array([False]))
    assert unanswered == pytest.approx([P * (500 + 200 * (1 - 2 ** -0.75))])
    assert reply.tolist() == [0.0]


def test_short_delay_is_accurate_far_below_the_half_life():
    unanswered, _ = impressions([1e6], [1e-6])
    assert unanswered[0] == pytest.approx(P * 1e6 * math.log(2) * 1e-6 / H, rel=1e-9)


def test_no_contacts():
    unanswered, reply = impressions([], [])
    assert unanswered.shape == reply.shape == (0,)


@pytest.mark.parametrize("kwargs, message", [
    ({"delay": [-1.0]}, "reply_delay"),
    ({"delay": [math.nan]}, "reply_delay"),
    ({"followers": [-1.0]}, "followers"),
    ({"retweets": (np.array([1]), np.array([0.0]), np.array([1.0]))}, "retweet_owner"),
    ({"retweets": (np.array([0]), np.array([-1.0]), np.array([1.0]))}, "retweet_age"),
    ({"h": 0.0}, "half_life"),
    ({"delay": [math.inf], "replied": np.array([True])}, "finite"),
])
def test_bad_input_is_refused(kwargs, message):
    args = {"followers": [10.0], "delay": [60.0]} | kwargs
    with pytest.raises(ValueError, match=message):
        impressions(args.pop("followers"), args.pop("delay"), **args)


def sample_followers(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.floor(rng.lognormal(np.log(61), 1.6, n))


def random_case(seed: int, n: int = 50, per_contact: float = 3.0):
    rng = np.random.default_rng(seed)
    followers = np.floor(rng.lognormal(np.log(61), 1.6, n))
    delay = rng.exponential(2 * H, n)
    delay[rng.random(n) < 0.2] = 0.0
    owner, age, rt_followers = retweet_draws(
        rng, sample_followers, n, per_contact / 48, 48 * 3600.0, 48 * 3600.0)
    return followers, delay, (owner, age, rt_followers)


def test_conservation_unanswered_plus_reply_is_every_counted_audience():
    followers, delay, (owner, age, size) = random_case(1)
    unanswered, reply = impressions(followers, delay, (owner, age, size))
    counted = age < delay[owner]
    total = followers + np.bincount(owner[counted], weights=size[counted],
                                    minlength=len(followers))
    np.testing.assert_allclose(unanswered + reply, P * total, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shrink=st.floats(0.0, 1.0),
    never=st.booleans(),
)
def test_a_shorter_reply_delay_never_increases_unanswered(seed, shrink, never):
    followers, delay, retweets = random_case(seed, n=20)
    if never:
        delay[::3] = math.inf
    shorter = np.where(np.isinf(delay), 10 * H, delay) * shrink
    before, _ = impressions(followers, delay, retweets)
    after, _ = impressions(followers, shorter, retweets)
    assert (after <= before * (1 + 1e-12) + 1e-12).all()


@pytest.mark.parametrize("delay, retweet_age", [(80 * MIN, None), (200 * MIN, 30 * MIN)])
def test_unanswered_is_the_integral_of_the_impression_rate(delay, retweet_age):
    followers, rt_followers = 1000.0, 300.0
    steps = 200_000
    a = (np.arange(steps) + 0.5) * delay / steps  # midpoint rule over [0, D]
    rate = P * followers * LN2_H * 2 ** (-a / H)
    retweets = NONE
    if retweet_age is not None:
        since = a - retweet_age
        rate += np.where(since > 0, P * rt_followers * LN2_H * 2 ** (-np.maximum(since, 0) / H),
                         0.0)
        retweets = (np.array([0]), np.array([retweet_age]), np.array([rt_followers]))
    riemann = rate.sum() * delay / steps
    unanswered, _ = impressions([followers], [delay], retweets)
    assert unanswered[0] == pytest.approx(riemann, rel=1e-6)



def test_retweet_draws_are_poisson_with_ages_that_follow_attention():
    """Retweets at rate per_hour * 2**(-a/h): the count over [0, w) is Poisson with mean
    per_hour * (h / ln 2) * (1 - 2**(-w/h)) (h, w in hours), and ages are the truncated
    exponential with rate ln2 / h."""
    rng = np.random.default_rng(20240601)
    n, per_hour, window = 20_000, 0.5, 6 * 3600.0
    owner, age, followers = retweet_draws(rng, sample_followers, n, per_hour, H, window)
    mu = per_hour * (H / 3600) / math.log(2) * (1 - 2 ** (-window / H))
    counts = np.bincount(owner, minlength=n)
    # Poisson: mean and variance both mu; Var(sample variance) ~ (mu + 2 mu^2) / n.
    z = 5.0
    assert abs(counts.mean() - mu) < z * math.sqrt(mu / n)
    assert abs(counts.var(ddof=1) - mu) < z * math.sqrt((mu + 2 * mu**2) / n)
    reached = 1 - 2 ** (-window / H)
    truncated = stats.truncexpon(b=window * math.log(2) / H, scale=H / math.log(2))
    assert stats.kstest(age, truncated.cdf).pvalue > 1e-3
    assert reached > 0.9 and age.max() < window
    assert owner.min() >= 0 and owner.max() < n
    assert owner.shape == age.shape == followers.shape
    assert (followers >= 0).all()


def test_retweet_draws_follower_sampler_and_edge_cases():
    rng = np.random.default_rng(3)
    owner, age, followers = retweet_draws(rng, lambda r, k: np.full(k, 7.0), 5, 0.0, H, 3600.0)
    assert owner.size == age.size == followers.size == 0
    owner, _, followers = retweet_draws(rng, lambda r, k: np.full(k, 7.0), 3, 10.0, H, 3600.0)
    assert set(followers) == {7.0} and set(owner) <= {0, 1, 2}
    with pytest.raises(ValueError, match="n values"):
        retweet_draws(rng, lambda r, k: np.ones(k + 1), 3, 10.0, H, 3600.0)


def test_outstanding_seconds_per_bin():
    edges = np.array([0.0, 100.0, 200.0])
    # one complaint 50-150, one 120-end of window (200), one answered at arrival.
    got = outstanding_seconds(np.array([50.0, 120.0, 10.0]), np.array([150.0, 200.0, 10.0]), edges)
    np.testing.assert_allclose(got, [50.0, 50.0 + 80.0])
    np.testing.assert_allclose(got, overlap_seconds([50, 120, 10], [150, 200, 10], edges))
