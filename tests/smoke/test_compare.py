"""`sim compare` end to end: two identical arms, two scenario files, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.files.folders import MARKER
from sim.runner.run import run
from tests.support import BASE, edit, write

ROOT = Path(__file__).resolve().parents[2]
ERLANG_C = ROOT / "scenarios" / "erlang-c.toml"
ERLANG_A = ROOT / "scenarios" / "erlang-a.toml"
OUTPUTS = {"compare.csv", "metrics.csv", "compare.png", "compare_waits.png", "run.json",
           "report.html", MARKER}  # no public channel: no compare_public.png
COMPARE_COLUMNS = ["channel", "metric", "arm", "mean", "ci_low", "ci_high", "diff", "diff_low",
                   "diff_high", "significant", "replications"]
METRIC_COLUMNS = ["scenario", "policy", "channel", "metric", "mean", "ci_low", "ci_high",
                  "replications"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def sim(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=cwd or ROOT, env=env)


def assert_refused(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""


# ---------------------------------------------------------------- two identical arms

def test_two_identical_policies_differ_by_exactly_zero(tmp_path):
    out = tmp_path / "out"
    result = sim("compare", ERLANG_C, "--policies", "fifo,fifo", "-n", 3, "--quiet",
                 "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # --quiet
    assert "Traceback" not in result.stderr
    assert {p.name for p in out.iterdir()} == OUTPUTS  # and no temporary files

    table = pd.read_csv(out / "compare.csv")
    assert list(table.columns) == COMPARE_COLUMNS
    assert list(dict.fromkeys(table.arm)) == ["fifo", "fifo-2"]
    second = table[table.arm == "fifo-2"]
    assert len(second) == len(table) / 2
    defined = second.dropna(subset=["diff"])
    assert len(defined) > 0
    assert (defined["diff"] == 0).all()
    assert (defined.diff_low == 0).all() and (defined.diff_high == 0).all()
    assert not table.significant.any()
    assert table[table.arm == "fifo"]["diff"].isna().all()  # the baseline
    assert (table.replications == 3).all()

    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics.columns) == METRIC_COLUMNS
    half = len(metrics) // 2
    assert len(metrics) == 2 * half
    pd.testing.assert_frame_equal(metrics.iloc[:half].reset_index(drop=True),
                                  metrics.iloc[half:].reset_index(drop=True))

    info = json.loads((out / "run.json").read_text())
    assert info["seed"] == 20150101 and info["replications"] == 3
    assert [a["label"] for a in info["arms"]] == ["fifo", "fifo-2"]
    assert {"version", "timings"} <= set(info)
    assert set(info["timings"]["arm_seconds"]) == {"fifo", "fifo-2"}
    assert (out / "compare.png").read_bytes().startswith(PNG_SIGNATURE)


# ---------------------------------------------------------------- two scenario files

def test_two_files_show_their_differences(tmp_path):
    out = tmp_path / "out"
    result = sim("compare", ERLANG_C, ERLANG_A, "-n", 3, "--seed", 9, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name for p in out.iterdir()} == OUTPUTS

    table = pd.read_csv(out / "compare.csv")
    assert list(dict.fromkeys(table.arm)) == ["erlang-c", "erlang-a"]
    rows = table[table.arm == "erlang-a"].set_index(["channel", "metric"])
    abandon = rows.loc[("phone", "abandon_rate")]
    assert abandon["diff"] > 0 and abandon.significant  # only erlang-a callers hang up
    assert (rows["diff"].dropna() != 0).any()

    # common random numbers: each arm is what `sim run` gives with the same seed
    metrics = pd.read_csv(out / "metrics.csv")
    assert list(metrics.columns) == METRIC_COLUMNS
    assert list(dict.fromkeys(metrics.scenario)) == ["erlang-c", "erlang-a"]
    alone = run(ERLANG_A, replications=3, seed=9).metrics
    pd.testing.assert_frame_equal(
        metrics[metrics.scenario == "erlang-a"].reset_index(drop=True), alone,
        check_dtype=False, check_exact=False, rtol=1e-12)

    png = (out / "compare.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    from matplotlib.image import imread

    height, width, _ = imread(out / "compare.png").shape
    assert width > 600 and height > 300

    lines = result.stdout.splitlines()
    # the last two lines name the folder and the report, however long
    assert "results in" in lines[-2]
    assert lines[-1] == f"report: {out / 'report.html'}"
    assert max(len(line) for line in lines[:-2]) <= 100
    text = result.stdout
    for word in ("erlang-c", "erlang-a", "mean wait (s)", "service level (%)", "abandon rate (%)",
                 "Δ = arm minus erlang-c", "* = significant", "results in"):
        assert word in text, word
    assert any(line.lstrip().startswith("abandon rate (%)") and line.rstrip().endswith("*")
               for line in lines)


def test_default_out_folder_is_named_after_the_first_scenario(tmp_path):
    result = sim("compare", ERLANG_C, "--policies", "fifo,fifo", "-n", 1, "-q", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "results" / "compare-erlang-c").iterdir()} == OUTPUTS


# ---------------------------------------------------------------- bad input

def test_unknown_policy_is_refused_with_the_known_ones(tmp_path):
    out = tmp_path / "out"
    result = sim("compare", ERLANG_C, "--policies", "fifo,lifo", "-q", "--out", out)
    assert_refused(result)
    assert "policy: unknown policy 'lifo' (known: " in result.stderr
    assert "fifo" in result.stderr.split("known:")[1]
    assert str(ERLANG_C) in result.stderr
    assert not out.exists()


def test_bad_scenario_file_is_refused_with_its_key_path(tmp_path):
    bad = write(tmp_path, edit("per_hour = 60", "per_hour = -1"))
    out = tmp_path / "out"
    result = sim("compare", ERLANG_C, bad, "-q", "--out", out)
    assert_refused(result)
    assert f"{bad}: demand.per_hour:" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(("args", "expected"), [
    (["--policies", "fifo,fifo", str(ERLANG_A)], "--policies runs every policy on one scenario"),
    (["--policies", "fifo"], "at least two arms"),
    ([], "at least two arms"),
    (["--policies", "fifo,,fifo"], "empty policy name"),
    (["--policies", "fifo,priority", "/nowhere.toml"], "--policies runs every policy"),
], ids=["policies-with-two-files", "one-policy", "one-file", "empty-name", "missing-file"])
def test_bad_arms_are_refused(tmp_path, capsys, args, expected):
    out = tmp_path / "out"
    assert main(["compare", str(ERLANG_C), *args, "-q", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert expected in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_file_is_refused(tmp_path, capsys):
    path = tmp_path / "nowhere.toml"
    assert main(["compare", str(ERLANG_C), str(path), "-q", "--out", str(tmp_path / "o")]) == 2
    assert f"{path}: no such file" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == []


def test_unwritable_out_folder_is_refused(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["compare", str(write(tmp_path, BASE)), "--policies", "fifo,fifo", "-q",
                 "--out", str(blocker / "out")])
    assert code == 2
    assert str(blocker / "out") in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "scenario.toml"]


@pytest.mark.parametrize("options", [["-n", "0"], ["--workers", "0"], ["--seed", "-1"]],
                         ids=lambda o: " ".join(o))
def test_bad_option_exits_2(tmp_path, capsys, options):
    with pytest.raises(SystemExit) as info:
        main(["compare", str(ERLANG_C), "--policies", "fifo,fifo", "--out",
              str(tmp_path / "out"), *options])
    assert info.value.code == 2
    assert "error:" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_compare_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as info:
        main(["compare", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--policies", "--replications", "--seed", "--out", "--workers", "--quiet",
                   "FILE"):
        assert option in text
