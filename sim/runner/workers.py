"""What the worker processes of a run share, local pool or local dask cluster: they start
without the caller's script, leave ^C to the command, and the command kills them when it
stops early.

A spawned process first runs the caller's main module again (as `__mp_main__`), so that the
functions it defines can be unpickled; a script that calls `sim.run(..., workers=2)` at its
top level, without an `if __name__ == "__main__":` guard, would start a pool in every worker,
which multiprocessing refuses (the pool breaks). A worker here runs only functions of `sim`,
so it is started without the main module: no guard needed, in a script or in Jupyter (whose
kernel module it no longer imports either). The names this relies on are multiprocessing's,
not documented: tests/smoke/test_no_main_guard.py fails if a Python release changes them.

A terminal sends ^C (SIGINT) to its whole process group; a worker that acted on it would
print a KeyboardInterrupt traceback of its own. A worker holds nothing to clean up (its task
is pure, its result not yet sent), so killing it loses nothing and takes no time.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from multiprocessing import spawn
from multiprocessing.process import BaseProcess
from typing import Any

from sim.runner.memory import return_large_blocks

KILL_TIMEOUT = 2.0  # seconds for killed workers to be gone
MAIN_KEYS = ("init_main_from_name", "init_main_from_path")  # how a child finds the main module

_preparation = spawn.get_preparation_data
_starting = threading.Lock()
_starters = 0  # blocks now inside `without_main`, in any thread


def _preparation_without_main(name: str) -> dict[str, Any]:
    data = _preparation(name)
    for key in MAIN_KEYS:
        data.pop(key, None)
    return data


@contextmanager
def without_main() -> Iterator[None]:
    """Processes spawned inside the block (in any thread: dask starts its workers in its own)
    do not run the main module again. multiprocessing has no option for it: this swaps the
    function that gathers what a child prepares from, and puts it back when the last block
    that needed it ends."""
    global _starters
    with _starting:
        _starters += 1
        spawn.get_preparation_data = _preparation_without_main
    try:
        yield
    finally:
        with _starting:
            _starters -= 1
            if not _starters:
                spawn.get_preparation_data = _preparation


def start_worker() -> None:
    """Set up a worker process: it ignores SIGINT, and gives large freed blocks back to the
    system as the command does (sim.runner.memory)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return_large_blocks()


def kill(processes: Iterable[BaseProcess], timeout: float = KILL_TIMEOUT) -> None:
    """SIGKILL each process and wait at most `timeout` seconds in all for them to be gone."""
    processes = list(processes)
    for process in processes:
        process.kill()
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
