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


class Clock(simpy.Environment):
    def call_at(self, t: float, callback: Callable[[Any], None], value: Any) -> None:
        """Call `callback(value)` at time `t`."""
        heappush(self._queue, (t, NORMAL, next(self._eid), callback, value))

    def run_merged(self, until: float, arrivals: Sequence[float],
                   on_arrival: Callable[[int], None]) -> None:
        """Process heap entries and arrivals (k = 0, 1, ... at `arrivals[k]`) before `until`."""
        queue = self._queue
        n = len(arrivals)
        k = 0
        next_arrival = arrivals[0] if n else inf
        while True:
            if queue and queue[0][0] <= next_arrival:
                if queue[0][0] >= until:
                    break
                entry = heappop(queue)
                if len(entry) == 5:
                    self._now = entry[0]
                    entry[3](entry[4])
                else:  # a simpy event: let simpy process it
                    heappush(queue, entry)
                    self.step()
            else:
                if next_arrival >= until:
                    break
                self._now = next_arrival
                on_arrival(k)
                k += 1
                next_arrival = arrivals[k] if k < n else inf
        self._now = until
