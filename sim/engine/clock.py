"""simpy's Environment as the clock, with the two shortcuts the engine's hot path needs.

1. `call_at` schedules a plain callback `f(value)` on simpy's heap as a
   5-tuple `(time, priority, id, f, value)`: no event object, no callback
   list. Time, priority and the unique id order it among simpy's own events.
2. `run_merged` runs the clock to `until`, feeding it a sorted list of arrival
   times: the clock jumps to the next arrival or takes the next heap entry,
   whichever is first (heap entries first on a tie). Arrivals known in advance
   never go through the heap. A simpy event on the heap (a process, a timeout)
   is handed to `Environment.step`, so simpy models still run beside the engine;
   run the clock with `run_merged`, not `run`, once `call_at` has been used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from math import inf
from typing import Any

import simpy
from simpy.core import NORMAL

_END = -1  # priority of run_merged's end marker: first among entries at the same time


class Clock(simpy.Environment):
    def call_at(self, t: float, callback: Callable[[Any], None], value: Any) -> None:
        """Call `callback(value)` at time `t`."""
        heappush(self._queue, (t, NORMAL, next(self._eid), callback, value))

    def run_merged(self, until: float, arrivals: Sequence[float], n: int,
                   on_arrival: Callable[[int], None]) -> None:
        """Process heap entries and arrivals (k = 0, 1, ..., n - 1 at `arrivals[k]`) before
        `until`. Only the first n values are read: the engine appends follow-ups to the
        same column."""
        queue = self._queue
        # An end marker on the heap saves the loop a test of `until` per step: it sorts
        # before any other entry at `until` (priority -1 beats simpy's 0 and 1), and the
        # heap wins ties with arrivals, so nothing at or after `until` runs.
        heappush(queue, (until, _END, -1, None, None))
        k = 0
        next_arrival = arrivals[0] if n else inf
        while True:
            entry = queue[0]
            if entry[0] <= next_arrival:
                heappop(queue)
                if len(entry) == 5:
                    callback = entry[3]
                    if callback is None:  # the end marker
                        break
                    self._now = entry[0]
                    callback(entry[4])
                else:  # a simpy event: let simpy process it
                    heappush(queue, entry)
                    self.step()
            else:
                self._now = next_arrival
                on_arrival(k)
                k += 1
                next_arrival = arrivals[k] if k < n else inf
        self._now = until
