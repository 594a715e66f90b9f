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
