"""Ctrl-C and SIGTERM end a command within seconds: exit 130 or 143, one line on stderr, no
process left behind (pool workers, multiprocessing's resource tracker, a local dask cluster's
workers) and no temporary file or folder.

Each `sim` runs in a session of its own, and the signal goes to it alone or to every process
of the session (its workers too), as each sender does (see SIGNALS).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import threading
import time

import psutil
import pytest

import sim.cli.run
from sim.runner.pool import process_pool, stop
from tests.reliability.helpers import SCENARIOS, TEMPORARY, assert_complete, run_main
from tests.reliability.processes import alive, left_behind, spawned_workers, started

RUN = ("run", SCENARIOS / "baseline-2015.toml", "-n", 400, "-w", 2, "-q")
SWEEP = ("sweep", SCENARIOS / "erlang-c.toml", "--set", "pools.phone.agents=40:120:1",
         "-n", 6, "-w", 2, "-q")
STOP_WITHIN = 10  # seconds from the signal to the command's end
STAGED = re.compile(r"^\..+\.run$")  # the folder `sim run` writes into (sim.files.folders)
# (signal, sent to the whole process group): `kill`; a terminal's ^C; systemd's default stop
# (KillMode=control-group) or a CI time-out, which signal every process
SIGNALS = [pytest.param(signal.SIGTERM, False, id="SIGTERM"),
           pytest.param(signal.SIGINT, True, id="ctrl-c"),
           pytest.param(signal.SIGTERM, True, id="SIGTERM-to-all")]


def stop_and_check(program, signum: signal.Signals, group: bool, tmp_path) -> None:
    """Send the signal, then: the exit code, one line, no process left, no temporary."""
    tree = program.look()
    assert len(tree) >= 3, tree  # two workers and multiprocessing's resource tracker
    sent = time.monotonic()
    (os.killpg if group else os.kill)(program.pid, signum)
    code = program.process.wait(timeout=60)
    took = time.monotonic() - sent
    stderr = program.stderr()
    assert code == 128 + signum, f"exit {code}:\n{stderr}"
    assert stderr.splitlines() == [f"error: stopped by {signum.name}"], stderr
    assert took < STOP_WITHIN, f"took {took:.1f} s to stop"
    assert left_behind(tree) == []
    leftovers = [p for p in tmp_path.rglob("*") if TEMPORARY.match(p.name)
                 or STAGED.match(p.name)]
    assert leftovers == [], leftovers


@pytest.mark.parametrize(("signum", "group"), SIGNALS)
def test_a_signal_ends_a_run_on_local_workers(tmp_path, signum, group):
    out = tmp_path / "out"
    with started("-m", "sim", *RUN, "--out", out, stderr=tmp_path / "stderr.txt") as program:
        program.wait_until(lambda p: spawned_workers(p) >= 2)
        time.sleep(1)  # replications running in both
        stop_and_check(program, signum, group, tmp_path)
    assert not out.exists(), "a stopped run left an output folder"


@pytest.mark.parametrize(("signum", "group"), SIGNALS)
def test_a_signal_ends_a_sweep_on_a_local_dask_cluster(tmp_path, signum, group):
    out = tmp_path / "out"
    points = out / "points"
    with started("-m", "sim", *SWEEP, "--out", out, stderr=tmp_path / "stderr.txt") as program:
        program.wait_until(lambda _: points.exists() and any(points.glob("*.parquet")))
        stop_and_check(program, signum, group, tmp_path)
    assert_complete(out)  # the points it stored are whole: the next sweep keeps them


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_main_returns_the_signals_exit_code_and_puts_the_handlers_back(monkeypatch, signum):
    def stopped_while_running(_args, _console) -> int:
        os.kill(os.getpid(), signum)
        time.sleep(30)  # the signal arrives here
        return 0

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    monkeypatch.setattr(sim.cli.run, "main", stopped_while_running)
    code, out, err = run_main("run", SCENARIOS / "erlang-c.toml")
    assert (code, out, err.splitlines()) == (128 + signum, "",
                                              [f"error: stopped by {signum.name}"])
    assert {s: signal.getsignal(s) for s in before} == before


def test_a_signal_handled_inside_a_finalizer_still_stops_the_command(monkeypatch):
    """Python drops an exception raised in a __del__ (dask's futures have one, and the garbage
    collector runs it wherever the main thread is): the stop must be raised again after."""

    class Finalized:
        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):  # the handler runs here, inside __del__
                pass

    def stopped_in_a_finalizer(_args, _console) -> int:
        Finalized()  # collected at once
        time.sleep(30)
        return 0

    monkeypatch.setattr(sim.cli.run, "main", stopped_in_a_finalizer)
    start = time.monotonic()
    code, _, err = run_main("run", SCENARIOS / "erlang-c.toml")
    assert (code, err.splitlines()) == (143, ["error: stopped by SIGTERM"])
    assert time.monotonic() - start < 10


def test_a_stopped_pool_kills_its_running_tasks_and_its_thread_ends():
    """Also the test that fails loudly if a Python release renames what `stop` reaches."""
    pool = process_pool(2)
    for warm in [pool.submit(time.sleep, 0.1) for _ in range(2)]:  # two at once: two workers
        warm.result()
    for _ in range(4):
        pool.submit(time.sleep, 60)
    time.sleep(0.5)  # both workers in a task
    workers = [psutil.Process(p.pid) for p in pool._processes.values()]
    threads = set(threading.enumerate())
    started_at = time.monotonic()
    stop(pool)
    assert time.monotonic() - started_at < 5
    assert not any(map(alive, workers))
    left = [t for t in threads if t.is_alive() and "ExecutorManager" in type(t).__name__]
    deadline = time.monotonic() + 5
    while any(t.is_alive() for t in left) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(t.is_alive() for t in left), "the pool's thread would hang the exit"



# A cluster that does not close in time: its workers (their pids written to argv[1]) killed.
SLOW_CLOSE = """\
import multiprocessing, pathlib, sys, time
from distributed import Client
import sim.runner.local_cluster as local

local.CLOSE_TIMEOUT = 0.01
try:
    with local.local_cluster(2) as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        client.submit(time.sleep, 60)
        time.sleep(0.5)
        pids = [str(p.pid) for p in multiprocessing.active_children()]
        pathlib.Path(sys.argv[1]).write_text(" ".join(pids))
        raise KeyboardInterrupt
except KeyboardInterrupt:
    pass
"""


def test_a_local_cluster_that_does_not_close_in_time_has_its_workers_killed(tmp_path):
    pids = tmp_path / "pids.txt"
    with started("-c", SLOW_CLOSE, pids, stderr=tmp_path / "stderr.txt") as program:
        assert program.process.wait(timeout=60) == 0, program.stderr()
    workers = []
    for pid in map(int, pids.read_text().split()):
        with contextlib.suppress(psutil.NoSuchProcess):  # gone already
            workers.append(psutil.Process(pid))
    assert len(pids.read_text().split()) == 2
    assert left_behind(workers) == []
