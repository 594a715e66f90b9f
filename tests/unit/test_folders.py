"""An output folder holds one run: staged, swapped in whole, or left as it was."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import sim.files.folders as folders
from sim.files.atomic import umask
from sim.files.folders import MARKER, FolderError, claim, foreign, staged


def write_run(out, text: str) -> None:
    with staged(out) as stage:
        (stage / "metrics.csv").write_text(text)
        (stage / "sub").mkdir()
        (stage / "sub" / "a.txt").write_text(text)


def contents(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
def test_a_run_replaces_the_whole_folder(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(folders, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    write_run(out, "first")
    with staged(out) as stage:
        (stage / "metrics.csv").write_text("second")  # no sub/: the earlier one must go
    assert contents(out) == {MARKER: folders._MARKED, "metrics.csv": "second"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert oct(out.stat().st_mode & 0o777) == oct(0o777 & ~umask())


def test_a_failed_run_leaves_the_earlier_one_whole(tmp_path):
    out = tmp_path / "out"
    write_run(out, "first")
    with pytest.raises(OSError), staged(out) as stage:
        (stage / "metrics.csv").write_text("half")
        raise OSError(28, "No space left on device")
    assert contents(out) == {MARKER: folders._MARKED, "metrics.csv": "first", "sub/a.txt": "first"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_of_other_files_is_never_replaced(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "thesis.tex").write_text("years of work")
    assert foreign(home) is not None
    with pytest.raises(FolderError, match="not an earlier output"), staged(home):
        pass
    with pytest.raises(FolderError):
        claim(home)
    assert contents(home) == {"thesis.tex": "years of work"}


def test_what_may_be_replaced(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "run.json").write_text("{}")  # before the marker existed
    (tmp_path / "file").write_text("x")
    (tmp_path / "stopped" / "points").mkdir(parents=True)  # a sweep stopped before its end
    (tmp_path / "stopped" / "points" / "abc.parquet").write_text("x")
    (tmp_path / "mixed" / "points").mkdir(parents=True)
    (tmp_path / "mixed" / "points" / "notes.txt").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    assert foreign(tmp_path / "new") is None
    assert foreign(tmp_path / "empty") is None
    assert foreign(tmp_path / "old") is None
    assert foreign(tmp_path / "stopped") is None
    assert foreign(tmp_path / "mixed") is not None
    assert foreign(tmp_path / "file") == "not a folder"
    assert foreign(tmp_path / "dangling") == "a symbolic link to nothing"


def test_through_a_symbolic_link_the_folder_it_names_is_replaced(tmp_path):
    real = tmp_path / "disk" / "out"
    write_run(real, "first")
    link = tmp_path / "out"
    link.symlink_to(real)
    write_run(link, "second")
    assert link.is_symlink()
    assert contents(real)["metrics.csv"] == "second"


def test_the_staging_folders_of_dead_runs_are_removed(tmp_path):
    gone = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout)
    dead = tmp_path / f".out.{gone}.abcd1234.run"
    live = tmp_path / f".out.{os.getpid()}.efgh5678.run"  # a run going on now
    other = tmp_path / f".other.{gone}.ijkl9012.run"  # another folder's: left for it
    for path in (dead, live, other):
        path.mkdir()
    write_run(tmp_path / "out", "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out", live.name,
                                                                 other.name])


def test_claim_marks_a_folder_that_a_later_run_may_replace(tmp_path):
    out = claim(tmp_path / "a" / "b")
    (out / "points").mkdir()
    (out / "points" / "p.parquet").write_text("x")
    assert foreign(out) is None
