"""What one replication returns: one row per contact, as plain numpy columns.

Columnar arrays rather than per-contact objects: a million contacts cost
about 30 bytes each, and the metrics layer turns them into a DataFrame
without a copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# status codes (the `status` column)
WAITING = 0  # in queue at the end of the run
IN_SERVICE = 1  # with an agent at the end of the run
ANSWERED = 2  # served to completion
ABANDONED = 3  # left the queue before an agent took it

STATUS_NAMES = {WAITING: "waiting", IN_SERVICE: "in_service", ANSWERED: "answered",
                ABANDONED: "abandoned"}


@dataclass(frozen=True)
class Records:
    """Per-contact columns of one replication; times are seconds, t=0 is the end of warm-up.

    `answered` is when an agent took the contact (NaN if never); `ended` is
    when service finished or the customer abandoned (NaN if still in the
    system at the horizon). `pool` and `agent` name who served it (-1 if
    nobody). Contacts that arrived during warm-up are included (arrival < 0);
    metrics leave them out.
    """

    channels: tuple[str, ...]  # channel code -> name
    pools: tuple[str, ...]  # pool code -> name
    arrival: np.ndarray  # float64
    channel: np.ndarray  # int8, index into `channels`
    answered: np.ndarray  # float64
    ended: np.ndarray  # float64
    pool: np.ndarray  # int16, index into `pools`
    agent: np.ndarray  # int32, agent index within its pool
    status: np.ndarray  # uint8, one of the codes above
    horizon: float  # end of the measured period (seconds after warm-up)
    warmup: float  # length of the warm-up (seconds before t=0)

    def __len__(self) -> int:
        return len(self.arrival)

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, name).nbytes for name in
                   ("arrival", "channel", "answered", "ended", "pool", "agent", "status"))
