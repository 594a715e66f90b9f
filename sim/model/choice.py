"""Survey tables to per-customer choice: who can take a Twitter-only channel.

A table gives, for one reason, the share of all needs that try each channel
first, as a survey measures it across the population. Only Twitter users can
tweet, so the Twitter-only shares go to Twitter users, scaled up by the share
of customers on Twitter, and each customer group spreads what is left over
the other channels in the table's proportions. Across both groups the table
is reproduced exactly.
"""

from __future__ import annotations

import numpy as np


def split_by_twitter(shares: np.ndarray, twitter_only: np.ndarray,
                     users: float) -> tuple[np.ndarray, np.ndarray]:
    """(shares for Twitter users, shares for everyone else), each summing to 1.

    Needs `sum(shares[twitter_only]) <= users`.
    """
    on_twitter = float(shares[twitter_only].sum())
    rest = 1.0 - on_twitter
    if users <= 0:
        user_shares = np.zeros_like(shares)
    else:
        left = 1.0 - on_twitter / users
        user_shares = np.where(twitter_only, shares / users,
                               shares * (left / rest if rest > 0 else 0.0))
    other_shares = np.where(twitter_only, 0.0, shares / rest if rest > 0 else 0.0)
    return user_shares, other_shares


def draw_channels(u: np.ndarray, group: np.ndarray, tables: np.ndarray) -> np.ndarray:
    """Channel index for each uniform `u[i]` from row `group[i]` of `tables` (rows of shares).

    Inverse transform on the row's cumulative shares, so a customer keeps its quantile
    when the table changes a little (common random numbers).
    """
    cumulative = np.cumsum(tables, axis=1)
    cumulative /= np.where(cumulative[:, -1:] > 0, cumulative[:, -1:], 1.0)
    for row, shares in zip(cumulative, tables, strict=True):
        positive = np.flatnonzero(shares)
        if len(positive):
            row[positive[-1]:] = 1.0  # rounding never picks a zero share
    return (u[:, None] >= cumulative[group]).sum(axis=1)
