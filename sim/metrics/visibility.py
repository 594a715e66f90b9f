"""Public visibility: how many people see a public complaint before, and after, the reply.

The design asks for impressions gathered while a complaint is unanswered, the
number of public complaints outstanding over time, and impressions of the
brand's replies (docs/design.md, "Public visibility"). A replication may hold
100k public contacts, so everything here works on whole arrays.

Model (times in seconds, like the engine; every parameter is an argument):

- A tweet's audience of F followers gives p * F impressions in all, where p
  is impressions per follower. Attention decays with the tweet's age at
  half-life h, so the share seen by age a is 1 - 2**(-a/h).
- The brand's first public reply at delay D splits each audience in two:
  what it saw before D is "unanswered", the attention left after D sees the
  reply. Answering fast moves impressions from the complaint to the reply;
  the two always sum to the audience's total.
- Retweet j, at tweet age s_j with F_j followers, opens a new audience whose
  attention decays from s_j. Only retweets before the reply count (a reply
  stops retweeting). How many there are, and when, is the model's
  (sim/model/retweets.py).
"""

from __future__ import annotations

import numpy as np

from sim.metrics.busy import overlap_seconds

LN2 = float(np.log(2.0))


def tweet_impressions(
    followers: np.ndarray,
    reply_delay: np.ndarray,
    retweet_owner: np.ndarray,
    retweet_age: np.ndarray,
    retweet_followers: np.ndarray,
    per_follower: float,
    half_life: float,
    replied: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per public contact, (unanswered, reply) impressions.

    `reply_delay[i]` is the time from contact i's tweet to the brand's first
    public reply. For a contact never replied to, pass either inf (count the
    complaint's whole lifetime) or the time left until the end of the
    measured window (count only what the window saw) and set `replied[i]`
    False: the delay then censors the unanswered count and the reply count
    is 0. `replied` defaults to `isfinite(reply_delay)`.

    Retweet j belongs to contact `retweet_owner[j]`, happened at tweet age
    `retweet_age[j]` and reaches `retweet_followers[j]` followers; it counts
    when `retweet_age[j] < reply_delay[owner]`. Its unanswered share is
    what its audience saw between s_j and D; the rest of that audience sees
    the reply.
    """
    followers = np.asarray(followers, dtype=float)
    delay = np.asarray(reply_delay, dtype=float)
    owner = np.asarray(retweet_owner, dtype=np.intp)
    age = np.asarray(retweet_age, dtype=float)
    rt_followers = np.asarray(retweet_followers, dtype=float)
    n = len(followers)
    _check_contacts(followers, delay, n)
    _check_retweets(owner, age, rt_followers, n)
    if not half_life > 0:
        raise ValueError(f"tweet_impressions: half_life must be > 0, got {half_life}")
    if not per_follower >= 0:
        raise ValueError(f"tweet_impressions: per_follower must be >= 0, got {per_follower}")
    if replied is None:
        replied = np.isfinite(delay)
    else:
        replied = np.asarray(replied, dtype=bool)
        if replied.shape != delay.shape:
            raise ValueError("tweet_impressions: replied must match reply_delay in length")
        if np.isinf(delay[replied]).any():
            raise ValueError("tweet_impressions: a replied contact needs a finite reply_delay")

    # Each audience (the tweet's own and each counted retweet's): its size and
    # the time it had before the reply; `seen` is the share that was unanswered.
    rt_window = delay[owner] - age
    counted = rt_window > 0
    rt_owner = owner[counted]
    rt_size = rt_followers[counted]
    rt_seen = _seen_share(rt_window[counted], half_life)
    own_seen = _seen_share(delay, half_life)

    unanswered = followers * own_seen
    unanswered += np.bincount(rt_owner, weights=rt_size * rt_seen, minlength=n)
    reply = followers * (1.0 - own_seen)
    reply += np.bincount(rt_owner, weights=rt_size * (1.0 - rt_seen), minlength=n)
    reply[~replied] = 0.0
    return per_follower * unanswered, per_follower * reply


def _seen_share(elapsed: np.ndarray, half_life: float) -> np.ndarray:
    """1 - 2**(-elapsed/h): expm1 keeps it exact for delays much shorter than h."""
    return -np.expm1(-LN2 * elapsed / half_life)


def _check_contacts(followers: np.ndarray, delay: np.ndarray, n: int) -> None:
    if followers.ndim != 1 or delay.shape != (n,):
        raise ValueError("tweet_impressions: followers and reply_delay must be 1-d, same length")
    if np.isnan(delay).any() or (delay < 0).any():
        raise ValueError("tweet_impressions: reply_delay must be >= 0 (inf: never replied)")
    if not np.isfinite(followers).all() or (followers < 0).any():
        raise ValueError("tweet_impressions: followers must be finite and >= 0")


def _check_retweets(owner: np.ndarray, age: np.ndarray, size: np.ndarray, n: int) -> None:
    if not owner.shape == age.shape == size.shape or owner.ndim != 1:
        raise ValueError("tweet_impressions: retweet arrays must be 1-d, same length")
    if len(owner) and (owner.min() < 0 or owner.max() >= n):
        raise ValueError(f"tweet_impressions: retweet_owner must index the {n} contacts")
    if not np.isfinite(age).all() or (age < 0).any():
        raise ValueError("tweet_impressions: retweet_age must be finite and >= 0")
    if not np.isfinite(size).all() or (size < 0).any():
        raise ValueError("tweet_impressions: retweet_followers must be finite and >= 0")


def outstanding_seconds(
    arrival: np.ndarray, first_reply_or_end: np.ndarray, edges: np.ndarray
) -> np.ndarray:
    """Seconds of unanswered public complaint in each bin [edges[k], edges[k+1]).

    Divided by the bin width this is the time-average number of public
    complaints outstanding in the bin. Pass the end of the measured window
    (not NaN) for complaints never replied to; their time counts up to it.
    """
    return overlap_seconds(arrival, first_reply_or_end, edges)
