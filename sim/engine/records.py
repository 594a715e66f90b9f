"""What one replication returns: plain numpy columns, one row per contact, per need, per
extra exchange and per retweet.

Columnar arrays rather than per-contact objects: about 80 bytes a contact, needs
included, and the metrics layer turns them into DataFrames without a copy. The engine
builds them as views of its own `array.array` buffers, so they are writeable, and with
no self-service `needs.arrival` is a view of the first contacts' `arrival`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# contact status (the `status` column)
WAITING = 0  # in queue at the end of the run (or not arrived yet)
IN_SERVICE = 1  # with an agent, or between exchanges, at the end of the run
ANSWERED = 2  # served to completion (or redirected after its first reply)
ABANDONED = 3  # left the queue before an agent took it
CLOSED = 4  # met the channel closed (see `Channel.when_closed`): never offered to agents
STATUS_NAMES = {WAITING: "waiting", IN_SERVICE: "in_service", ANSWERED: "answered",
                ABANDONED: "abandoned", CLOSED: "closed"}

# why a contact was made (the `cause` column)
FIRST, RETRY, COMPLAINT, REDIRECT, ESCALATED, AFTER_CLOSED = range(6)
CAUSE_NAMES = {FIRST: "first", RETRY: "retry", COMPLAINT: "public_complaint",
               REDIRECT: "redirect", ESCALATED: "escalated", AFTER_CLOSED: "after_closed"}

# what became of a need (the `outcome` column of needs)
OPEN, RESOLVED, GAVE_UP, DEFLECTED = range(4)
OUTCOME_NAMES = {OPEN: "in_system", RESOLVED: "resolved", GAVE_UP: "gave_up",
                 DEFLECTED: "self_service"}


@dataclass(frozen=True)
class Needs:
    """Per need, in arrival order (`contact.need` indexes these rows)."""

    reasons: tuple[str, ...]
    regions: tuple[str, ...]
    arrival: np.ndarray  # float64
    reason: np.ndarray  # int8
    region: np.ndarray  # int8
    twitter: np.ndarray  # bool
    followers: np.ndarray  # float64
    outcome: np.ndarray  # uint8, one of the codes above
    resolved: np.ndarray  # float64 time of resolution, NaN if not resolved
    contacts: np.ndarray  # int16 contacts made
    channel_changes: np.ndarray  # int16 contacts on another channel than the one before

    def __len__(self) -> int:
        return len(self.arrival)


@dataclass(frozen=True)
class Records:
    """Per-contact columns of one replication; times are seconds, t=0 is the end of warm-up.

    `answered`: an agent first took the contact; `replied`: the end of its
    first exchange (the first reply); `ended`: the end of its last exchange
    or its abandonment (NaN while still in the system at the horizon). `pool`
    and `agent` served the first exchange; later exchanges of multi-message
    cases are the `exchange_*` rows. Contacts of the warm-up are included
    (arrival < 0); metrics leave them out.
    """

    channels: tuple[str, ...]  # channel code -> name
    pools: tuple[str, ...]  # pool code -> name
    arrival: np.ndarray  # float64
    channel: np.ndarray  # int8, index into `channels`
    need: np.ndarray  # int32, row of `needs`
    parent: np.ndarray  # int32, the contact this one followed (-1 for a first contact)
    cause: np.ndarray  # uint8, one of the cause codes above
    answered: np.ndarray  # float64
    replied: np.ndarray  # float64
    ended: np.ndarray  # float64
    pool: np.ndarray  # int16, index into `pools`
    agent: np.ndarray  # int32, agent index within its pool
    status: np.ndarray  # uint8, one of the codes above
    exchange_contact: np.ndarray  # int32: second and later exchanges of a case
    exchange_pool: np.ndarray  # int16
    exchange_agent: np.ndarray  # int32
    exchange_start: np.ndarray  # float64
    exchange_end: np.ndarray  # float64 (NaN: in progress at the horizon)
    broadcast_contact: np.ndarray  # int32: public contacts a status post answered in public
    broadcast_time: np.ndarray  # float64: when that post reached them
    needs: Needs
    retweet_need: np.ndarray  # intp
    retweet_age: np.ndarray  # float64
    retweet_followers: np.ndarray  # float64
    horizon: float  # end of the measured period (seconds after warm-up)
    warmup: float  # length of the warm-up (seconds before t=0)

    def __len__(self) -> int:
        return len(self.arrival)

    @property
    def nbytes(self) -> int:
        """Bytes of everything recorded: contacts, extra exchanges, needs and retweets."""
        arrays = [v for v in vars(self).values() if isinstance(v, np.ndarray)]
        arrays += [v for v in vars(self.needs).values() if isinstance(v, np.ndarray)]
        return sum(a.nbytes for a in arrays)
