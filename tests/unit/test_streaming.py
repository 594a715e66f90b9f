"""Records stream to their files as replications finish, in replication order, and nothing
holds more than the replications in flight (issue 13)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import sim.report.records as record_files
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.files.folders import staged
from sim.metrics.contacts import measured
from sim.metrics.summary import summarize, summarize_columns
from sim.metrics.waits import WAIT_EDGES, wait_counts, wait_quantile
from sim.report.records import RecordFiles
from sim.runner.executors import run_tasks
from sim.runner.run import run
from sim.scenario.load import parse_scenario
from tests.support import BASE

SCENARIO = parse_scenario(__import__("tomllib").loads(BASE), "mini.toml")


class Counting(ThreadPoolExecutor):
    """A pool that counts the tasks submitted and not yet taken back by the caller."""

    def __init__(self, workers: int) -> None:
        super().__init__(max_workers=workers)
        self.capacity = workers
        self.outstanding = self.most = 0
        self.lock = threading.Lock()

    def submit(self, *args, **kwargs):
        with self.lock:
            self.outstanding += 1
            self.most = max(self.most, self.outstanding)
        return super().submit(*args, **kwargs)

    def taken(self) -> None:
        with self.lock:
            self.outstanding -= 1


def test_results_are_reduced_in_task_order_with_at_most_a_window_held():
    def task(index: int) -> int:
        time.sleep(0.002 * ((7 - index) % 8))  # later tasks of each block end first
        return index

    order: list[int] = []
    with Counting(3) as pool:
        def reduce(index: int, result: int) -> str:
            order.append(result)
            pool.taken()
            return f"r{index}"

        out = run_tasks(task, [(i,) for i in range(40)], pool, reduce=reduce)
    assert order == list(range(40))
    assert out == [f"r{i}" for i in range(40)]
    assert pool.most <= 2 * pool.capacity


def test_streamed_files_hold_what_the_run_keeps_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(record_files, "ROWS", 50)  # several row groups a replication
    kept = run(SCENARIO, replications=3, seed=5)
    with RecordFiles(tmp_path, "all") as sink:
        streamed = run(SCENARIO, replications=3, seed=5, workers=2, records=sink)
    assert streamed.contacts is None and streamed.needs is None
    for name, table in (("contacts", kept.contacts), ("needs", kept.needs)):
        file = pq.ParquetFile(tmp_path / f"{name}.parquet")
        sizes = table.groupby("replication").size()
        assert file.metadata.num_row_groups == sum(-(-n // 50) for n in sizes)
        pd.testing.assert_frame_equal(file.read().to_pandas(), table)
    pd.testing.assert_frame_equal(streamed.intervals, kept.intervals)
    pd.testing.assert_frame_equal(streamed.waits, kept.waits)


@pytest.mark.parametrize("records, contacts, needs", [("needs", False, True),
                                                       ("none", False, False)])
def test_records_left_out_are_not_kept(records, contacts, needs):
    result = run(SCENARIO, replications=2, records=records)
    assert (result.contacts is not None, result.needs is not None) == (contacts, needs)


def test_a_run_that_fails_leaves_the_earlier_results_as_they_were(tmp_path):
    out = tmp_path / "out"
    with staged(out) as stage, RecordFiles(stage, "needs") as sink:
        run(SCENARIO, replications=2, records=sink)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def fail(rep) -> None:
        if rep.replication == 2:
            raise RuntimeError("stopped")

    with pytest.raises(RuntimeError), staged(out) as stage, RecordFiles(stage, "all") as sink:
        run(SCENARIO, replications=4, records=sink, on_done=fail)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_wait_counts_are_the_answered_contacts_by_channel():
    records = simulate(SCENARIO, replication_seed(3, 0))
    counts = wait_counts(records)
    idx = measured(records)
    idx = idx[~np.isnan(records.answered[idx])]
    for k in range(len(records.channels)):
        mine = idx[records.channel[idx] == k]
        waits = records.answered[mine] - records.arrival[mine]
        assert counts[k].sum() == len(mine)
        if len(mine):
            q = wait_quantile(counts[k], 0.9)
            exact = float(np.quantile(waits, 0.9, method="inverted_cdf"))
            assert exact <= q <= max(exact * 1.024, WAIT_EDGES[1])  # one bin's width


def test_the_summary_of_columns_is_the_summary_of_the_long_table():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(6, 5))
    values[rng.random(values.shape) < 0.3] = np.nan
    values[:, 0] = np.nan
    values[1:, 1] = np.nan  # a single value: no interval
    long = pd.DataFrame({"replication": np.repeat(np.arange(6), 5),
                         "cell": np.tile(np.arange(5), 6), "value": values.reshape(-1)})
    expected = summarize(long, ["cell"]).drop(columns="cell")
    pd.testing.assert_frame_equal(summarize_columns(values), expected, rtol=1e-12)


def test_on_a_local_dask_cluster_the_client_holds_at_most_the_replications_in_flight():
    from distributed import default_client

    class Sink:
        """Slow to write, so that replications would pile up in the client if more were
        submitted than the window."""

        tables = ("contacts", "needs")

        def __init__(self) -> None:
            self.written = self.most = 0

        def write(self, _replication: int, _records) -> None:
            self.most = max(self.most, len(default_client().futures))
            time.sleep(0.05)
            self.written += 1

    sink = Sink()
    result = run(SCENARIO, replications=16, workers=2, scheduler="local", records=sink)
    assert sink.written == result.replications == 16
    assert 1 <= sink.most <= 2 * 2 + 1  # the window (twice two threads) and the scenario


def test_a_failure_while_writing_records_stops_the_run_and_leaves_nothing(tmp_path,
                                                                          monkeypatch):
    out = tmp_path / "out"
    append = RecordFiles._append

    def full_disk(self, replication, records):
        if replication == 1:
            raise OSError(28, "No space left on device")
        append(self, replication, records)

    monkeypatch.setattr(RecordFiles, "_append", full_disk)
    with pytest.raises(OSError, match="No space left"), staged(out) as stage, \
            RecordFiles(stage, "all") as sink:
        run(SCENARIO, replications=6, records=sink)
    assert list(tmp_path.iterdir()) == []
