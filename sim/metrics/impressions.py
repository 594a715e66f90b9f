"""Impressions of each measured public contact, from the visibility model and the records."""

from __future__ import annotations

import numpy as np

from sim.engine.records import Records
from sim.metrics.public import public_channels, public_reply
from sim.metrics.visibility import tweet_impressions
from sim.scenario.schema import Scenario


def first_public_contact(records: Records, scenario: Scenario) -> np.ndarray:
    """Per need, its earliest contact on a public channel (by arrival, then index); -1 if none."""
    public = np.flatnonzero(public_channels(records, scenario)[records.channel.astype(np.intp)])
    need = records.need[public]
    order = np.lexsort((public, records.arrival[public], need))
    public, need = public[order], need[order]
    first = np.ones(len(need), dtype=bool)
    first[1:] = need[1:] != need[:-1]
    out = np.full(len(records.needs), -1, dtype=np.intp)
    out[need[first]] = public[first]
    return out


def contact_impressions(records: Records, scenario: Scenario,
                        contacts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unanswered, reply) impressions of each contact in `contacts`; 0 unless it is public.

    A public contact's audience is its need's followers; its reply delay is
    the first public answer (reply or status post, `public_reply`) - arrival, or, when
    not answered by the horizon, the time left
    (horizon - arrival), censored and with no reply impressions. The need's
    retweets (drawn once per need, ages counted from the tweet) belong to
    the need's first public contact only (`first_public_contact`): a need
    with several public contacts has its retweets counted once, on the first.
    """
    contacts = np.asarray(contacts, dtype=np.intp)
    unanswered = np.zeros(len(contacts))
    reply = np.zeros(len(contacts))
    mine = np.flatnonzero(public_channels(records, scenario)[records.channel[contacts]])
    if not len(mine):
        return unanswered, reply
    tweets = contacts[mine]
    answered_at = public_reply(records)[tweets]
    replied = ~np.isnan(answered_at)
    delay = np.where(replied, answered_at, records.horizon) - records.arrival[tweets]
    position = np.full(len(records), -1, dtype=np.intp)  # contact -> row among `tweets`
    position[tweets] = np.arange(len(tweets))
    owner = first_public_contact(records, scenario)[records.retweet_need]
    owner = np.where(owner >= 0, position[owner], -1)
    kept = owner >= 0
    v = scenario.visibility
    unanswered[mine], reply[mine] = tweet_impressions(
        records.needs.followers[records.need[tweets]], delay, owner[kept],
        records.retweet_age[kept], records.retweet_followers[kept],
        v.impressions_per_follower, v.half_life, replied=replied)
    return unanswered, reply
