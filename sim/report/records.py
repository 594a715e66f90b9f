"""contacts.parquet and needs.parquet, written a replication at a time as a run goes (a
RecordSink, see sim.runner.run), so that no process holds more than one replication's
records whatever the number of replications.

One parquet file per table, its row groups in replication order (a long replication's in
parts of at most ROWS rows): the same bytes for any number of workers, since the runner
hands replications over in order however they finish, and one file a person can open. (A
dataset partitioned by replication would make thousands of small files and need a reader
that knows the layout.) The files are written in place: `sim run` writes into a staged
folder (sim.files.folders), so a failed run shows none of them.
"""

from __future__ import annotations

from pathlib import Path
from queue import Queue
from threading import Thread

from sim.engine.records import Records
from sim.runner.run import RECORDS, TABLES

ROWS = 1 << 16  # rows per row group: a part of a long replication's table is ~4 MB


class RecordFiles:
    """The per-record files `records` (all, needs, none; see `RECORDS`) in folder `out`. Use
    as a context manager: the files are whole when the block ends.

    The files are written on a thread of their own, a replication behind the caller: parquet
    encoding runs without the interpreter lock, so it overlaps the next replication's
    simulation. At most one replication waits for it (`write` blocks otherwise), and a
    failure there is raised by the next `write` or at the end of the block."""

    def __init__(self, out: Path, records: str = "all") -> None:
        self.tables = RECORDS[records]
        self.paths = [out / f"{name}.parquet" for name in self.tables]
        self._writers: dict = {}
        self._queue: Queue[tuple[int, Records] | None] = Queue(maxsize=1)
        self._thread = Thread(target=self._drain, name="record-files", daemon=True)
        self._failure: BaseException | None = None

    def __enter__(self) -> RecordFiles:
        self._thread.start()
        return self

    def write(self, replication: int, records: Records) -> None:
        self._raise_failure()
        self._queue.put((replication, records))

    def __exit__(self, kind, error, trace) -> None:
        self._queue.put(None)
        self._thread.join()
        for writer in self._writers.values():
            writer.close()
        if kind is None:  # the writer's failure, if nothing else went wrong
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _drain(self) -> None:
        """The writing thread: each replication in the order given; after a failure, take
        (and drop) the rest, so that the caller never blocks."""
        while (item := self._queue.get()) is not None:
            if self._failure is None:
                try:
                    self._append(*item)
                except BaseException as failure:  # raised in the caller's thread
                    self._failure = failure

    def _append(self, replication: int, records: Records) -> None:
        for name, path in zip(self.tables, self.paths, strict=True):
            table = TABLES[name]
            # the rows that count a part at a time, not all their indices at once: on a long
            # replication those would outweigh the part
            for start in range(0, table.rows(records), ROWS):
                idx = table.measured(records, slice(start, start + ROWS))
                if len(idx):
                    self._write(name, path, table.build(records, replication, idx))
            if name not in self._writers:  # nothing yet: an empty table gives the file its schema
                self._write(name, path, table.build(records, replication,
                                                    table.measured(records, slice(0, 0))))

    def _write(self, name: str, path: Path, table) -> None:
        import pyarrow as pa

        part = pa.Table.from_pandas(table, preserve_index=False)
        self._writer(name, path, part.schema).write_table(part)

    def _writer(self, name: str, path: Path, schema):
        """The file's writer, opened at its first part (on a temporary path)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if name not in self._writers:
            # dictionary pages for the named columns only: tried on every float column, they
            # cost half the writing time and save nothing
            named = [f.name for f in schema if pa.types.is_dictionary(f.type)]
            self._writers[name] = pq.ParquetWriter(path, schema, use_dictionary=named)
        return self._writers[name]
