"""Where replications and sweep points run: in this process, in a local process pool, or on
dask.distributed (a loopback LocalCluster of processes, or a running scheduler).

Which one is chosen never changes a result: the work is split into pure tasks (one
replication, one point) whose results are put back in order by the caller.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")

LOCAL = "local"  # the scheduler name of a LocalCluster started for the run
CONNECT_TIMEOUT = "10s"


class SchedulerError(ConnectionError):
    """A scheduler address that is malformed or does not answer."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"scheduler {address}: cannot connect: {reason}")
        self.address, self.reason = address, reason


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client of the scheduler at `scheduler` (e.g. tcp://HOST:PORT), or, for None or
    "local", of a LocalCluster of `workers` single-threaded processes on the loopback
    interface, closed on exit. SchedulerError if the address is bad or nobody answers."""
    from distributed import Client, LocalCluster

    if scheduler is None or scheduler == LOCAL:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.ERROR)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError, TypeError) as err:
        raise SchedulerError(scheduler, str(err)) from None
    with client:
        yield client


@contextmanager
def executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor | None]:
    """None (run in this process) for one worker and no scheduler; else an Executor: a pool of
    `workers` spawned processes, or, with `scheduler` ("local" or an address), dask's. Its
    `capacity` (see `capacity`) is how many tasks it runs at once."""
    if scheduler is not None:
        with dask_client(scheduler, workers) as client:
            pool = client.get_executor(pure=False)
            pool.capacity = max(1, sum(client.nthreads().values()))
            pool.client = client  # for `shared`
            yield pool
    elif workers <= 1:
        yield None
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pool.capacity = workers
            yield pool


def shared(pool: Executor | None, value: T) -> T:
    """`value` as tasks on `pool` should take it when many do: itself, or on dask a future of
    it sent to every worker once. (Dask keeps each task's arguments in the client process
    until the client closes: a scenario sent with each of 2,000 replications would be held
    2,000 times.)"""
    client = getattr(pool, "client", None)
    return value if client is None else client.scatter(value, broadcast=True, hash=False)


def capacity(pool: Executor | None) -> int:
    """How many tasks `pool` runs at once (1 in this process)."""
    return getattr(pool, "capacity", 1) if pool is not None else 1


def run_tasks(function: Callable[..., T], tasks: Sequence[tuple[Any, ...]],
              pool: Executor | None = None,
              on_done: Callable[[int, T], None] | None = None,
              reduce: Callable[[int, T], T] | None = None) -> list[T]:
    """`function(*task)` for every task, in this process or on `pool`; the results in task
    order, whatever order they finished in. `on_done(index, result)` is called as each
    finishes (for progress).

    With `reduce`, each result is passed to `reduce(index, result)` in task order, as soon as
    every earlier one has been, and what it returns is kept instead (a run streams records to
    files this way and keeps the small tables). Tasks are then submitted a window at a time,
    twice the pool's capacity ahead of the next to reduce, so that this process never holds
    more results than that, however many tasks there are and in whatever order they end.
    """
    results: dict[int, T] = {}
    waiting: dict[int, T] = {}  # finished, not yet reduced: a later task ended first
    reduced = 0

    def finished(index: int, result: T) -> None:
        nonlocal reduced
        if on_done:
            on_done(index, result)
        if reduce is None:
            results[index] = result
            return
        waiting[index] = result
        while reduced in waiting:
            results[reduced] = reduce(reduced, waiting.pop(reduced))
            reduced += 1

    if pool is None:
        for index, task in enumerate(tasks):
            finished(index, function(*task))
        return [results[index] for index in range(len(tasks))]
    window = len(tasks) if reduce is None else 2 * capacity(pool)
    futures: dict[Future, int] = {}
    submitted = 0
    try:
        while submitted < len(tasks) or futures:
            while submitted < len(tasks) and submitted < reduced + window:
                futures[pool.submit(function, *tasks[submitted])] = submitted
                submitted += 1
            done, _ = wait(futures, return_when=FIRST_COMPLETED)
            while done:  # each future dropped as it is read, so its result is held only once
                future = done.pop()
                index, result = futures.pop(future), future.result()
                del future
                finished(index, result)
    except BaseException:  # a failed task or ^C: drop what has not started
        for future in futures:
            future.cancel()
        raise
    return [results[index] for index in range(len(tasks))]
