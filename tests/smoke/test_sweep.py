"""`sim sweep` end to end: a real sweep on a local dask cluster (2 worker processes, loopback),
resumed, and refused input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from sim.files.folders import MARKER
from sim.report.sweep import plot_sweep
from sim.runner.sweep import SweepResult

ROOT = Path(__file__).resolve().parents[2]
ERLANG_C = ROOT / "scenarios" / "erlang-c.toml"
AGENTS = "pools.phone.agents"
COLUMNS = [AGENTS, "channel", "metric", "mean", "ci_low", "ci_high", "replications"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sim(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)


def sweep(out: Path, workers: int) -> subprocess.CompletedProcess[str]:
    result = sim("sweep", ERLANG_C, "--set", f"{AGENTS}=48:52:2", "-n", 2, "-w", workers,
                 "--quiet", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # --quiet
    return result


def test_a_sweep_on_two_workers_is_tidy_monotone_and_resumable(tmp_path):
    out = tmp_path / "out"
    sweep(out, workers=2)
    assert {p.name for p in out.iterdir()} == {"sweep.csv", "sweep.parquet", "sweep.png",
                                               "run.json", "points", MARKER}
    table = pd.read_csv(out / "sweep.csv")
    assert list(table.columns) == COLUMNS
    assert list(dict.fromkeys(table[AGENTS])) == [48, 50, 52]
    assert pd.read_parquet(out / "sweep.parquet").equals(table)
    wait = table[(table.channel == "phone") & (table.metric == "wait_mean")]
    assert list(wait[AGENTS]) == [48, 50, 52]
    assert wait["mean"].is_monotonic_decreasing and wait["mean"].iloc[0] > wait["mean"].iloc[-1]
    assert (table.replications == 2).all()
    assert (out / "sweep.png").read_bytes().startswith(PNG_SIGNATURE)
    stored = sorted((out / "points").iterdir())
    assert len(stored) == 3 and all(p.suffix == ".parquet" for p in stored)  # no temporaries
    csv, parquet = (out / "sweep.csv").read_bytes(), (out / "sweep.parquet").read_bytes()
    mtimes = {p.name: p.stat().st_mtime_ns for p in stored}

    # again: every point is stored, nothing runs, the output is the same byte for byte
    sweep(out, workers=2)
    assert {p.name: p.stat().st_mtime_ns for p in (out / "points").iterdir()} == mtimes
    assert (out / "sweep.csv").read_bytes() == csv
    assert (out / "sweep.parquet").read_bytes() == parquet

    # one point lost, one worker: only it runs again, and the output does not change
    stored[1].unlink()
    sweep(out, workers=1)
    again = {p.name: p.stat().st_mtime_ns for p in (out / "points").iterdir()}
    assert set(again) == set(mtimes)
    assert [again[n] == mtimes[n] for n in sorted(mtimes)] == [True, False, True]
    assert (out / "sweep.csv").read_bytes() == csv
    assert (out / "sweep.parquet").read_bytes() == parquet


def test_a_finished_sweep_started_again_is_quick(tmp_path):
    out = tmp_path / "out"
    (out / "points").mkdir(parents=True)
    first = sim("sweep", ERLANG_C, "--set", f"{AGENTS}=50", "-n", 1, "--out", out)
    assert first.returncode == 0, first.stderr
    assert "1 points (0 already done)" in first.stdout
    second = sim("sweep", ERLANG_C, "--set", f"{AGENTS}=50", "-n", 1, "--out", out)
    assert second.returncode == 0, second.stderr
    assert "1 points (1 already done)" in second.stdout


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_bad_sets_are_refused_before_anything_runs(tmp_path):
    out = tmp_path / "out"
    assert_refused(sim("sweep", ERLANG_C, "--set", "pools.phone.agentz=40,50", "--out", out),
                   str(ERLANG_C), "pools.phone.agentz=40", "pools.phone.agentz: unknown key")
    assert_refused(sim("sweep", ERLANG_C, "--set", f"{AGENTS}=48:52", "--out", out),
                   str(ERLANG_C), f"--set {AGENTS}=48:52", "a:b:step")
    assert_refused(sim("sweep", ERLANG_C, "--set", f"{AGENTS}=50,-1", "--out", out),
                   f"{AGENTS}=-1", f"{AGENTS}: should be greater than or equal to 0")
    assert_refused(sim("sweep", ERLANG_C, "--set", f"{AGENTS}.x=1", "--out", out),
                   f"{AGENTS}.x=1", "not a table")
    assert not out.exists()


def test_the_chart_has_a_line_per_combination_of_the_other_keys(tmp_path):
    rows = []
    for preset in ("survey-2010", "survey-2015"):
        for agents in (40, 42, 44):
            rows.append((agents, preset, "all", "wait_mean", 100.0 - agents, 50.0 - agents,
                         150.0 - agents, 3))
    table = pd.DataFrame(rows, columns=[AGENTS, "choice.preset", *COLUMNS[1:]])
    result = SweepResult([AGENTS, "choice.preset"], table, 1, 3, 6, 0, 0.0)
    plot_sweep(result, "all", "wait_mean", tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").read_bytes().startswith(PNG_SIGNATURE)
