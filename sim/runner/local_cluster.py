"""The dask cluster a run starts on this machine (`--scheduler local`, and every sweep): worker
processes on the loopback interface that serve no HTTP, leave ^C to the command and are gone
soon after it ends, however it ends.

`dashboard_address=None` leaves out the dashboard's pages only: the scheduler still serves
HTTP (metrics, health, its state as JSON) on 127.0.0.1:8787, warning on stderr when another
cluster has that port, and every worker on a port of its own. Nothing here wants those pages,
and any local user could read them; `dask_setup`, run by dask as each server starts (a
"preload"), closes them.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sim.runner.quiet import silence
from sim.runner.workers import kill, start_worker, without_main

if TYPE_CHECKING:
    from distributed import LocalCluster

# Seconds the cluster has to close. A nanny gives a busy worker 4 s to end its task before
# it kills it; one that is still there after this is killed here.
CLOSE_TIMEOUT = 10


@contextmanager
def local_cluster(workers: int) -> Iterator[LocalCluster]:
    """A LocalCluster of `workers` single-threaded processes, closed when the block ends
    (within CLOSE_TIMEOUT seconds, and a kill's)."""
    from distributed import LocalCluster

    before = set(multiprocessing.active_children())
    # the scheduler's HTTP on any free port, not 8787: no warning that 8787 is taken before
    # `dask_setup` closes it; its workers start before it returns, without the caller's
    # script (see sim.runner.workers)
    with without_main():
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0",
                                                 "preload": [__name__]},
                               preload=[__name__], silence_logs=logging.ERROR)
    try:
        yield cluster
    finally:
        try:
            cluster.close(timeout=CLOSE_TIMEOUT)
        except TimeoutError:  # left closing: not to be waited for again at exit
            cluster.shutdown_on_close = False
            kill(p for p in multiprocessing.active_children() if p not in before)


def dask_setup(server: Any) -> None:
    """Run by dask in the scheduler (in this process) and in each worker as it starts: stop
    serving HTTP; in a worker, leave ^C to the command (see sim.runner.workers) and keep its
    logs off the terminal (see sim.runner.quiet)."""
    from distributed import Worker

    server.http_server.stop()
    if isinstance(server, Worker):
        start_worker()
        silence()

