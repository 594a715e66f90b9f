"""An output folder holds one run: two runs into it at once, or a run on a full disk, never
leave a mix (see sim/files/folders.py and the faults table in docs/design.md)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability.helpers import ROOT, SCENARIOS, assert_run_outputs, sim

SCENARIO = SCENARIOS / "erlang-c.toml"
TABLES = ("metrics.csv", "intervals.csv", "contacts.parquet", "needs.parquet")
EXIT_IO = 3  # sim/cli/common.py: an output could not be written


def tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


def start(seed: int, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "sim", "run", str(SCENARIO), "-n", "2",
                             "--seed", str(seed), "-q", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def test_two_runs_into_one_folder_at_once_leave_one_whole_run(tmp_path):
    reference = {}
    for seed in (1, 2):
        done = sim("run", SCENARIO, "-n", "2", "--seed", seed, "-q", "--out", tmp_path / f"s{seed}")
        assert done.returncode == 0, done.stderr
        reference[seed] = tables(tmp_path / f"s{seed}")
    for trial in range(3):
        out = tmp_path / f"both{trial}"
        runs = [start(seed, out) for seed in (1, 2)]
        for process in runs:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
        assert_run_outputs(out)
        seed = json.loads((out / "run.json").read_text())["seed"]
        assert tables(out) == reference[seed], f"trial {trial}: tables of another seed"
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB file system of its own (tmpfs), or a skip where mounting is not allowed."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if shutil.which("mount") is None or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)],
            capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN)")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_leaves_the_earlier_results_whole(small_disk):
    out = small_disk / "out"
    first = sim("run", SCENARIO, "-n", "1", "--records", "none", "-q", "--out", out)
    assert first.returncode == 0, first.stderr
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    full = sim("run", SCENARIO, "-n", "40", "-q", "--out", out)  # ~20 MB of records
    assert full.returncode == EXIT_IO, full.stderr
    assert "Traceback" not in full.stderr
    lines = full.stderr.strip().splitlines()
    assert len(lines) == 1 and str(small_disk) in lines[0] and "No space left" in lines[0], \
        full.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == earlier
    assert sorted(p.name for p in small_disk.iterdir()) == ["out"]  # no staged folder left


def test_an_out_that_is_a_dangling_link_or_a_folder_of_other_files_is_refused(tmp_path):
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    for out, why in ((dangling, "a symbolic link to nothing"), (mine, "not an earlier output")):
        done = sim("run", SCENARIO, "-n", "1", "-q", "--out", out)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and why in done.stderr
    assert not (tmp_path / "nowhere").exists()
    assert [p.name for p in mine.iterdir()] == ["thesis.tex"]


def test_a_folder_where_a_file_goes_is_replaced_with_the_earlier_results(tmp_path):
    out = tmp_path / "out"
    first = sim("run", SCENARIO, "-n", "1", "--records", "none", "-q", "--out", out)
    assert first.returncode == 0, first.stderr
    (out / "report.html").unlink()
    (out / "report.html").mkdir()  # in the way of the next report
    again = sim("run", SCENARIO, "-n", "1", "--records", "none", "-q", "--out", out)
    assert again.returncode == 0, again.stderr
    assert (out / "report.html").is_file()


def test_a_truncated_stored_sweep_point_is_run_again_with_a_warning(tmp_path):
    out = tmp_path / "out"
    sweep = ("sweep", SCENARIO, "--set", "pools.phone.agents=48,52", "-n", "1", "-w", "1",
             "--out", out)
    first = sim(*sweep)
    assert first.returncode == 0, first.stderr
    whole = (out / "sweep.csv").read_bytes()
    point = sorted((out / "points").iterdir())[0]
    point.write_bytes(point.read_bytes()[:100])
    again = sim(*sweep)
    assert again.returncode == 0, again.stderr
    assert "could not be read; it was run again" in again.stderr
    assert "2 points (1 already done)" in again.stdout
    assert (out / "sweep.csv").read_bytes() == whole
