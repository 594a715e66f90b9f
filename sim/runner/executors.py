"""Where replications and sweep points run: in this process, in a local process pool, or on
dask.distributed (a loopback LocalCluster of processes, or a running scheduler).

Which one is chosen never changes a result: the work is split into pure tasks (one
replication, one point) whose results are put back in order by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future
from contextlib import contextmanager
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any, TypeVar

from sim.runner.local_cluster import local_cluster
from sim.runner.pool import process_pool, stop
from sim.runner.quiet import muted
from sim.runner.scheduler import connect, describe

if TYPE_CHECKING:
    from distributed import Client

T = TypeVar("T")

LOCAL = "local"  # the scheduler name of a LocalCluster started for the run
CONNECT_TIMEOUT = 10.0  # seconds a scheduler has to answer, handshake included
# Seconds between wake-ups of a wait for tasks: a signal may be delivered to another thread,
# and only the main thread runs Python's handler, when it next runs any Python code.
WAKE = 0.5


class SchedulerError(ConnectionError):
    """A scheduler address that is malformed or does not answer, or a scheduler lost in the
    middle of a run. `reason` says which: "cannot connect: ..." or "lost ..."."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"scheduler {address}: {reason}")
        self.address, self.reason = address, reason


@contextmanager
def dask_client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client of the scheduler at `scheduler` (e.g. tcp://HOST:PORT), or, for None or
    "local", of a LocalCluster of `workers` single-threaded processes on the loopback
    interface, closed on exit. SchedulerError if the address is bad, nobody answers within
    CONNECT_TIMEOUT, or the scheduler goes away during the run."""
    from distributed import Client
    from distributed.comm import CommClosedError

    if scheduler is None or scheduler == LOCAL:
        with local_cluster(workers) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = connect(scheduler, CONNECT_TIMEOUT)
    except Exception as err:  # a bad address, nobody there, or not a scheduler: say which
        raise SchedulerError(scheduler, f"cannot connect: {describe(err, CONNECT_TIMEOUT)}"
                             ) from None
    with muted(), client:
        try:
            yield client
        # A call to it fails, or the client, finding no scheduler to reconnect to within its
        # timeout, closes and cancels every task (nothing else cancels them).
        except (CommClosedError, CancelledError):
            raise SchedulerError(scheduler, "lost during the run") from None


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
        pool = process_pool(workers)
        pool.capacity = workers
        try:
            yield pool
        except BaseException:  # ^C, SIGTERM, a failed task: no waiting for running tasks
            stop(pool)
            raise
        pool.shutdown()


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
    ended: SimpleQueue[Future] = SimpleQueue()  # each future as it ends, put by its executor
    submitted = 0
    # Waiting reads that queue, not `concurrent.futures.wait`: ^C or SIGTERM raises wherever
    # this thread is, and `wait` takes the lock of each future in turn; an exception between
    # two left some taken, and the executor's thread hung on them. On an exception (a failed
    # task, ^C) the tasks left are dropped as the executor ends (the pool's `stop`, the dask
    # client's close): cancelling them here, from this thread, races with the local pool's own
    # thread, which then fails setting an error on a cancelled task.
    while submitted < len(tasks) or futures:
        while submitted < len(tasks) and submitted < reduced + window:
            future = pool.submit(function, *tasks[submitted])
            futures[future] = submitted
            future.add_done_callback(ended.put)
            submitted += 1
        try:
            future = ended.get(timeout=WAKE)
        except Empty:
            continue
        index, result = futures.pop(future), future.result()
        del future  # dropped as it is read, so that its result is held only once
        finished(index, result)
    return [results[index] for index in range(len(tasks))]
