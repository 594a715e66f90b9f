"""A pool of local worker processes that ^C or SIGTERM ends at once, leaving no process.

ProcessPoolExecutor cannot stop a running task: `shutdown(cancel_futures=True)` drops the
pending ones and then waits for the running ones, a replication or a sweep point each (with
`wait=False` it returns but leaves the workers running). `stop` kills the workers instead.
A worker killed while it sends a result leaves half a message in the result pipe, and the
pool's thread would wait for the rest forever (and so would the interpreter's exit, which
joins that thread); closing this process's end of the pipe for writing (the workers held the
others) turns that wait into an end of file. The pipe and the workers are private attributes
of the pool: tests/reliability/test_signals.py fails loudly if a Python release renames
them.

The workers are spawned (a fresh interpreter each: nothing inherited from this process's
threads) without the caller's main module (see sim.runner.workers): the pool starts them as
tasks are submitted, so each start is wrapped, not the pool's creation.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import SpawnContext, SpawnProcess

from sim.runner.workers import kill, start_worker, without_main


class _Worker(SpawnProcess):
    def start(self) -> None:
        with without_main():
            super().start()


class _Spawn(SpawnContext):
    Process = _Worker


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that need no `__main__` guard in the caller and
    leave ^C to this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=start_worker,
                               mp_context=_Spawn())


def stop(pool: ProcessPoolExecutor) -> None:
    """Shut `pool` down now: pending tasks dropped, running ones killed with their workers."""
    workers = list((pool._processes or {}).values())
    results = pool._result_queue
    pool.shutdown(wait=False, cancel_futures=True)
    kill(workers)
    if results is not None:
        results._writer.close()
