"""Programs started for the reliability tests, each in a session of its own, and the processes
they start: collected while they run, to check afterwards that every one has ended."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil

from tests.reliability.helpers import ROOT

POLL = 0.05  # seconds between looks at the process table


class Program:
    """`python ARGS` in a session of its own, its stderr in a file (a pipe would stay open as
    long as any process it left behind), and every process seen under it."""

    def __init__(self, *args: object, stderr: Path) -> None:
        self.stderr_path = stderr
        with open(stderr, "wb") as err:
            self.process = subprocess.Popen([sys.executable, *map(str, args)], cwd=ROOT,
                                            stdout=subprocess.DEVNULL, stderr=err,
                                            start_new_session=True,
                                            env={**os.environ, "COLUMNS": "100",
                                                 "NO_COLOR": "1"})
        self.seen: dict[int, psutil.Process] = {}

    @property
    def pid(self) -> int:
        return self.process.pid

    def look(self) -> list[psutil.Process]:
        """The processes under it now (all seen are kept in `seen`)."""
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(self.pid).children(recursive=True):
                self.seen.setdefault(child.pid, child)
            return [p for p in self.seen.values() if alive(p)]
        return []

    def wait_until(self, found: Callable[[Program], bool], timeout: float = 120) -> None:
        """Look until `found(self)` holds; fail if the program ends or time runs out first."""
        deadline = time.monotonic() + timeout
        while not found(self):
            assert self.process.poll() is None, f"ended first:\n{self.stderr()}"
            assert time.monotonic() < deadline, f"not seen in {timeout} s:\n{self.stderr()}"
            self.look()
            time.sleep(POLL)

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL its session and whatever it left (the end of a test, passed or not)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        for process in self.seen.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        self.process.wait(timeout=60)


@contextlib.contextmanager
def started(*args: object, stderr: Path) -> Iterator[Program]:
    """A Program, killed with all it started when the block ends."""
    program = Program(*args, stderr=stderr)
    try:
        yield program
    finally:
        program.kill()


def alive(process: psutil.Process) -> bool:
    """Still running (a zombie has ended: only its exit status is left to collect)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def spawned_workers(program: Program) -> int:
    """How many multiprocessing children (pool or dask workers) it has now."""
    return sum("spawn_main" in command(p) for p in program.look())


def command(process: psutil.Process) -> str:
    """Its command line ("" once it has gone)."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def left_behind(processes: list[psutil.Process], timeout: float = 5) -> list[str]:
    """The processes still running after `timeout` seconds (a resource tracker ends just after
    the program that started it), as their command lines."""
    deadline = time.monotonic() + timeout
    while any(map(alive, processes)) and time.monotonic() < deadline:
        time.sleep(POLL)
    return [command(p) for p in processes if alive(p)]
