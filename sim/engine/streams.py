"""Named random streams: one generator per purpose, derived from the replication's SeedSequence.

A stream is keyed by its name, not by the order streams are asked for, so
adding a purpose or a channel never reshuffles the others (common random
numbers across scenarios).
"""

from __future__ import annotations

import zlib

import numpy as np


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The SeedSequence of replication `replication` of a run with `seed`."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def stream(seq: np.random.SeedSequence, name: str) -> np.random.Generator:
    """The generator for purpose `name` (e.g. "arrivals", "handle") of one replication."""
    key = (*seq.spawn_key, zlib.crc32(name.encode()))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seq.entropy, spawn_key=key)))


class Draws:
    """Values from one distribution, drawn in numpy blocks and handed out one at a time.

    For variates needed during the run (a follow-up contact's handle time,
    a journey's coin flips): the block keeps the per-value cost a list index.
    """

    __slots__ = ("_block", "_next", "_ppf", "_rng", "_size")

    def __init__(self, rng: np.random.Generator, ppf=None, size: int = 1024) -> None:
        self._rng, self._ppf, self._size = rng, ppf, size
        self._block: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._block):
            u = self._rng.random(self._size)
            self._block = (u if self._ppf is None else self._ppf(u)).tolist()
            self._next = 0
        value = self._block[self._next]
        self._next += 1
        return value
