"""dask's logs kept off the terminal where the run itself says what happened.

A dask client whose scheduler goes away logs every failed attempt to reconnect as an error
with its traceback, then cancels the run's tasks, which the run reports in one line (a
SchedulerError, see sim.runner.executors); a local cluster's workers log the scheduler they
lose as the cluster closes. What goes wrong in a task comes back as its exception either way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

DASK_LOGGERS = ("distributed", "tornado")


def silence(names: tuple[str, ...] = DASK_LOGGERS) -> dict[logging.Logger, int]:
    """Silence the loggers `names` and those under them (a logger made later inherits the
    silence); the levels they had."""
    under = tuple(f"{name}." for name in names)
    found = [name for name in logging.root.manager.loggerDict if name.startswith(under)]
    levels = {logger: logger.level for logger in map(logging.getLogger, (*names, *found))}
    for logger in levels:
        logger.setLevel(logging.CRITICAL + 1)
    return levels


@contextmanager
def muted(names: tuple[str, ...] = DASK_LOGGERS) -> Iterator[None]:
    """The loggers `names` and those under them silent inside the block."""
    levels = silence(names)
    try:
        yield
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
