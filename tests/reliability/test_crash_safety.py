"""A run or a sweep killed with SIGKILL leaves the earlier results whole, and the next run
cleans up.

A run builds its files in a hidden sibling of its output folder (`.<name>.<pid>.<random>.run`,
see sim/files/folders.py) and swaps the set in at the end, so a kill leaves the earlier
results as they were (or, after the swap, the new ones, whole) and that sibling behind; the
next run into the folder removes the siblings of dead processes. Each `sim` runs in its own
session and the whole session is killed, as a CI runner or the OOM killer would.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.files.atomic import write_text_atomic
from tests.reliability.helpers import (
    ROOT,
    SCENARIOS,
    TEMPORARY,
    assert_complete,
    assert_loads,
    assert_run_outputs,
    sim,
)

BASELINE = SCENARIOS / "baseline-2015.toml"
RUN = ("run", BASELINE, "-n", "2", "--seed", "11", "-q")
POLL = 0.0005  # seconds between looks at the output folder
_draw = random.Random(7)
KILL_AFTER = sorted(round(_draw.uniform(0.3, 4.0), 2) for _ in range(5))  # seconds


def start(*args: object, wrapper: str | None = None) -> subprocess.Popen[bytes]:
    """`python -m sim ARGS` (or `python -c WRAPPER ARGS`) in a session of its own."""
    head = ["-c", wrapper] if wrapper else ["-m", "sim"]
    return subprocess.Popen([sys.executable, *head, *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process and everything it started (its session's process group)."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    process.stderr.close()


def wait_for(process: subprocess.Popen[bytes], found, timeout: float = 300) -> bool:
    """Poll until `found()` is true (True) or the process ends first (False)."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if found():
            return True
        time.sleep(POLL)
    return False


def temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if TEMPORARY.match(p.name)] if folder.exists() else []


def staging(out: Path) -> list[Path]:
    """The staging folders of runs into `out` (see sim/files/folders.py)."""
    return sorted(out.parent.glob(f".{out.name}.*.run"))


def contents(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def assert_only_whole_files(out: Path) -> None:
    """What a kill leaves: whole outputs, and at most hidden temporaries of ours."""
    if not out.exists():
        return
    for path in out.rglob("*"):
        if path.is_file() and not TEMPORARY.match(path.name):
            assert_loads(path)


def rerun_cleans_up(out: Path) -> None:
    """The same run again finishes, writes every output and removes what the kill left."""
    done = sim(*RUN, "--out", out)
    assert done.returncode == 0, done.stderr
    assert_run_outputs(out)
    assert temporaries(out) == [] and staging(out) == []


def earlier_run(out: Path) -> dict[str, bytes]:
    """Results of another seed in `out`, to be kept whole by the killed run: their bytes."""
    done = sim(*RUN[:-3], "--seed", "3", "-q", "--out", out)
    assert done.returncode == 0, done.stderr
    return contents(out)


def assert_earlier_or_whole(out: Path, earlier: dict[str, bytes]) -> None:
    """`out` holds the earlier results untouched, or (killed after its swap) the new run's,
    whole: never a mix."""
    if contents(out) == earlier:
        return
    assert_run_outputs(out)
    assert json.loads((out / "run.json").read_text())["seed"] == 11


# ---------------------------------------------------------------- sim run


def kill_after(out: Path, delay: float) -> None:
    earlier = earlier_run(out)
    process = start(*RUN, "--out", out)
    wait_for(process, lambda: False, timeout=delay)
    kill(process)
    assert_earlier_or_whole(out, earlier)
    rerun_cleans_up(out)


@pytest.mark.parametrize("delay", KILL_AFTER[-1:])
def test_a_run_killed_at_a_moment_leaves_whole_files(tmp_path, delay):
    kill_after(tmp_path / "out", delay)


@pytest.mark.slow
@pytest.mark.parametrize("delay", KILL_AFTER[:-1])
def test_a_run_killed_at_other_moments_leaves_whole_files(tmp_path, delay):
    kill_after(tmp_path / "out", delay)


def test_a_run_killed_while_writing_its_outputs(tmp_path):
    """Kill as soon as the staged folder holds an output: in the middle of the write phase."""
    out = tmp_path / "out"
    earlier = earlier_run(out)
    writing = lambda: any((s / "metrics.csv").exists() for s in staging(out))  # noqa: E731
    for _ in range(5):  # the write phase is short; try again if the run got through it
        process = start(*RUN, "--out", out)
        caught = wait_for(process, writing)
        kill(process)
        if caught:
            break
        earlier = contents(out)  # the run got through: its results are the earlier ones now
    assert caught, "never saw the write phase: it went by five times"
    assert contents(out) == earlier
    assert staging(out), "the killed run's staged folder is gone: was it killed?"
    rerun_cleans_up(out)


# Dies by SIGKILL on its k-th atomic write, after half of the temporary is written: the worst
# moment, made certain rather than raced for.
DIE_ON_WRITE = """\
import os, signal, sys
from contextlib import contextmanager
import sim.files.atomic as atomic
from sim.cli import main

k, real, writes = int(sys.argv[1]), atomic.atomic_path, []

@contextmanager
def dying(final):
    with real(final) as tmp:
        yield tmp
        writes.append(final)
        if len(writes) == k:
            tmp.write_bytes(tmp.read_bytes()[: tmp.stat().st_size // 2])
            os.kill(os.getpid(), signal.SIGKILL)

atomic.atomic_path = dying
sys.exit(main(sys.argv[2:]))
"""
WRITES = 8  # atomic writes of a baseline run: two tables, run.json, four plots, the report


@pytest.mark.slow
@pytest.mark.parametrize("k", range(1, WRITES + 1))
def test_a_run_killed_in_its_kth_write_leaves_the_earlier_results(tmp_path, k):
    out = tmp_path / "out"
    earlier = earlier_run(out)
    process = start(k, *RUN, "--out", out, wrapper=DIE_ON_WRITE)
    assert process.wait(timeout=300) == -signal.SIGKILL, process.stderr.read().decode()
    process.stderr.close()
    assert contents(out) == earlier
    (stage,) = staging(out)  # the killed run's, with the file it was cutting
    assert temporaries(stage), list(stage.iterdir())
    rerun_cleans_up(out)


def test_a_later_write_removes_only_the_temporaries_of_dead_writers(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    orphan = tmp_path / f".metrics.csv.{gone}.abcd1234.tmp"
    live = tmp_path / f".metrics.csv.{os.getpid()}.efgh5678.tmp"  # being written right now
    other = tmp_path / f".intervals.csv.{gone}.ijkl9012.tmp"  # another file's: left for it
    for path in (orphan, live, other):
        path.write_text("half")
    write_text_atomic(tmp_path / "metrics.csv", "a\n1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["metrics.csv", live.name, other.name])


# ---------------------------------------------------------------- sim sweep

SWEEP = ("sweep", SCENARIOS / "erlang-c.toml", "--set", "pools.phone.agents=46:54:2",
         "-n", "2", "--seed", "5", "-w", "1", "-q")


@pytest.mark.slow
def test_a_sweep_killed_and_restarted_gives_the_uninterrupted_table(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    done = sim(*SWEEP, "--out", whole)
    assert done.returncode == 0, done.stderr

    process = start(*SWEEP, "--out", killed)
    points = killed / "points"
    stored = lambda: points.exists() and any(  # noqa: E731
        p.suffix == ".parquet" for p in points.iterdir())
    assert wait_for(process, stored), "the sweep ended before it stored a point"
    kill(process)
    finished = {p.name for p in points.iterdir() if p.suffix == ".parquet"}
    assert 1 <= len(finished) < 5, "killed too late to test a restart"
    assert_only_whole_files(killed)
    assert not (killed / "sweep.csv").exists()

    again = sim(*SWEEP, "--out", killed)
    assert again.returncode == 0, again.stderr
    assert_complete(killed)
    assert (killed / "sweep.csv").read_bytes() == (whole / "sweep.csv").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(killed / "sweep.parquet"),
                                  pd.read_parquet(whole / "sweep.parquet"))
    assert finished <= {p.name for p in points.iterdir()}
