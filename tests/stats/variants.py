"""Variants of fifo for the tests of `sim check`, swapped in for fifo as a code change would.

- `slowed(factor)`: every handle time `factor` times longer, from the same draws (common
  random numbers): the same customers, served a little slower, so waits rise.
- `neutral()`: handle times drawn again from a stream of their own at service start: the
  same law as fifo (an M/M/c queue stays M/M/c), but other sample paths, so a check sees
  real noise, not identical numbers.

A variant exists only in this process: run it with workers=1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sim.policies.base import _REGISTRY, Policy
from sim.policies.fifo import Fifo


def slowed(factor: float) -> type[Policy]:
    class Slowed(Fifo):
        name = "test-fifo-slowed"

        def handle_time(self, sim, contact, channel, duration):
            return duration * factor

    return Slowed


def neutral() -> type[Policy]:
    class Neutral(Fifo):
        name = "test-fifo-neutral"

        def handle_time(self, sim, contact, channel, duration):
            return sim._draw("handle:neutral", sim.channel_specs[channel].handle_time)

    return Neutral


@contextmanager
def fifo_replaced(make: Callable[[], type[Policy]]) -> Iterator[None]:
    """Within the block, the policy called "fifo" is the variant `make` defines, as if fifo's
    code had changed; the registry is as before afterwards (the variant's own name too)."""
    saved = dict(_REGISTRY)
    try:
        _REGISTRY["fifo"] = make()
        yield
    finally:
        _REGISTRY.clear()
        _REGISTRY.update(saved)
