"""`sim sweep` end to end: a real sweep on a local dask cluster (2 worker processes, loopback),
its report, resumed, and refused input; the chart's labels, categories and targets."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.files.folders import MARKER
from sim.metrics.catalogue import label
from sim.report.sweep import axis, key_name, plot_sweep, sweep_figure
from sim.runner.sweep import Point, SweepResult
from sim.scenario.load import parse_scenario
from tests.support import BASE, edit

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
                                               "report.html", "run.json", "points", MARKER}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>Sweep of erlang-c</h1>" in page and "data:image/png;base64," in page
    assert "<th>phone agents</th>" in page and f"<code>{AGENTS}</code>" in page
    # erlang-c's phone target is 80% within 20 s: each point is judged against it
    assert page.count("<td>≥ 80%</td>") == 3 and "of 3 points meet the target" in page
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


def service_levels(preset_key: str, presets: tuple[str, ...],
                   shares: dict[str, float]) -> tuple[SweepResult, list[Point]]:
    """A sweep by hand of the policy (text values) and the agents, with the points' scenarios:
    the small scenario with its phone target share `shares[policy]`."""
    rows, points = [], []
    for k, preset in enumerate(presets):
        text = edit("share = 0.8", f"share = {shares[preset]}", BASE)
        scenario = parse_scenario(tomllib.loads(text))
        for agents in (3, 4):
            level = 0.5 + 0.1 * agents - 0.05 * k
            rows.append((preset, agents, "phone", "service_level", level, level - 0.1,
                         min(level + 0.1, 1.0), 3))
            points.append(Point({preset_key: preset, "pools.team.agents": agents}, scenario))
    table = pd.DataFrame(rows, columns=[preset_key, "pools.team.agents", *COLUMNS[1:]])
    return SweepResult([preset_key, "pools.team.agents"], table, 1, 3, len(points), 0,
                       0.0), points


def target_lines(fig: Figure) -> list:
    return [line for line in fig.axes[0].get_lines() if line.get_linestyle() == "--"]


def test_the_chart_reads_the_catalogue_and_shows_text_values_as_categories():
    result, points = service_levels("policy", ("fifo", "sla-weighted"),
                                    {"fifo": 0.8, "sla-weighted": 0.8})
    fig = sweep_figure(result, "phone", "service_level", points)
    (ax,) = fig.axes
    assert ax.get_ylabel() == f"{label('service_level')} (%)"
    assert ax.get_xlabel() == "policy"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fifo", "sla-weighted"]
    # a line per agents count, its points beside each category, not joined across them
    lines = [c.lines[0] for c in ax.containers]
    assert [line.get_linestyle() for line in lines] == ["None", "None"]
    xs = [list(line.get_xdata()) for line in lines]
    assert xs[0] == pytest.approx([-0.04, 0.96]) and xs[1] == pytest.approx([0.04, 1.04])
    (target,) = target_lines(fig)  # the same target at every point: one line, at 80%
    assert list(target.get_ydata()) == [80, 80] and target.get_label() == "target ≥ 80.0%"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["target ≥ 80.0%", "team agents = 3", "team agents = 4"]


def test_a_swept_target_is_drawn_at_each_point():
    result, points = service_levels("choice.preset", ("a", "b"), {"a": 0.8, "b": 0.9})
    result = SweepResult(list(reversed(result.keys)), result.table, 1, 3, 4, 0, 0.0)
    fig = sweep_figure(result, "phone", "service_level", points)
    ys = [list(line.get_ydata()) for line in target_lines(fig)]
    assert ys == [[80, 80], [90, 90]]  # one per preset, over the agents
    assert fig.axes[0].get_xlabel() == "team agents"
    assert not target_lines(sweep_figure(result, "phone", "service_level"))  # no scenarios


def test_swept_keys_are_named_by_their_last_parts_and_durations_take_one_unit():
    assert key_name("pools.phone.agents") == "phone agents"
    assert key_name("choice.preset") == "choice preset"
    assert key_name("demand.per_hour") == "demand per hour"
    assert key_name("horizon") == "horizon"
    patience = axis("channels.phone.patience.mean", ["30s", "1min", "3min"])
    assert patience.label == "phone patience mean (min)" and patience.categories is None
    assert list(patience.position.values()) == [0.5, 1.0, 3.0]
    names = axis("choice.preset", ["survey-2015", "survey-2010"])
    assert names.categories == ["survey-2015", "survey-2010"]
    assert list(names.position.values()) == [0.0, 1.0]
    assert axis("pools.phone.agents", [40, 42]).position == {40: 40.0, 42: 42.0}
