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
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sim.runner.workers import ignore_interrupts, kill


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes (a fresh interpreter each: nothing inherited
    from this process's threads) that leave ^C to this process."""
    return ProcessPoolExecutor(max_workers=workers, initializer=ignore_interrupts,
                               mp_context=multiprocessing.get_context("spawn"))


def stop(pool: ProcessPoolExecutor) -> None:
    """Shut `pool` down now: pending tasks dropped, running ones killed with their workers."""
    workers = list((pool._processes or {}).values())
    results = pool._result_queue
    pool.shutdown(wait=False, cancel_futures=True)
    kill(workers)
    if results is not None:
        results._writer.close()
