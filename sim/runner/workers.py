"""What the worker processes of a run share, local pool or local dask cluster: they leave ^C
to the command, and the command kills them when it stops early.

A terminal sends ^C (SIGINT) to its whole process group; a worker that acted on it would
print a KeyboardInterrupt traceback of its own. A worker holds nothing to clean up (its task
is pure, its result not yet sent), so killing it loses nothing and takes no time.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterable
from multiprocessing.process import BaseProcess

KILL_TIMEOUT = 2.0  # seconds for killed workers to be gone


def ignore_interrupts() -> None:
    """Ignore SIGINT in this (worker) process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def kill(processes: Iterable[BaseProcess], timeout: float = KILL_TIMEOUT) -> None:
    """SIGKILL each process and wait at most `timeout` seconds in all for them to be gone."""
    processes = list(processes)
    for process in processes:
        process.kill()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
