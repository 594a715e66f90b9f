"""simpy's Environment as the clock, with the two shortcuts the engine's hot path needs.

1. `call_at` schedules a plain callback. A `Timeout` costs an `__init__` with six
   attribute writes and a method call; the engine schedules one or two per contact, so it
   pushes a slim event of its own onto simpy's heap instead. To `step()` it is an ordinary
   triggered event, so simpy processes and events still run alongside it.
2. `run_merged` runs the clock to `until` while feeding it a sorted list of arrival
   times: the clock jumps to the next arrival or steps the next event, whichever is first
   (events first on a tie). Arrivals known in advance never go through the heap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import heappush
from math import inf
from typing import Any

import simpy
from simpy.core import NORMAL


class _Call:
    """A triggered simpy event with one callback: all that `Environment.step` reads."""

    __slots__ = ("_value", "callbacks")
    _ok = True

    def __init__(self, callback: Callable[[Any], None], value: Any) -> None:
        self.callbacks = [callback]
        self._value = value


class Clock(simpy.Environment):
    def call_at(self, t: float, callback: Callable[[Any], None], value: Any) -> None:
        """Call `callback(event)` at time `t` (`event._value` is `value`)."""
        heappush(self._queue, (t, NORMAL, next(self._eid), _Call(callback, value)))

    def run_merged(self, until: float, arrivals: Sequence[float],
                   on_arrival: Callable[[int], None]) -> None:
        """Process events and arrivals (k = 0, 1, ... at `arrivals[k]`) before `until`."""
        queue, step = self._queue, self.step
        n = len(arrivals)
        k = 0
        next_arrival = arrivals[0] if n else inf
        while True:
            if queue and queue[0][0] <= next_arrival:
                if queue[0][0] >= until:
                    break
                step()
            else:
                if next_arrival >= until:
                    break
                self._now = next_arrival
                on_arrival(k)
                k += 1
                next_arrival = arrivals[k] if k < n else inf
        self._now = until
