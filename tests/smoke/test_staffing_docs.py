"""The `sim staff` examples of the README and docs/staffing.md run as written: the shell lines
in a quick mode (few replications and plans; still minutes, for the rosters' integer
programs: slow), the Python block as it is (slow)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUICK = ["-n", "2", "--max-replications", "3", "--max-iterations", "3"]


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def staff_lines() -> list[str]:
    readme = blocks(ROOT / "README.md", "sh")
    lines = [line for block in readme + blocks(ROOT / "docs" / "staffing.md", "sh")
             for line in block.splitlines() if "sim staff" in line or "-staffed.toml" in line]
    # the staffing of a fitted log needs the fit first: tests/smoke/test_fit_docs.py runs it
    return [line.split("#")[0].strip() for line in lines if "results/contacts" not in line]


def test_the_examples_are_found():
    lines = staff_lines()
    assert any("rostered-2015.toml" in line for line in lines)
    assert any("staff-erlang-c" in line for line in lines)


@pytest.mark.slow
def test_every_staff_example_runs_in_quick_mode(tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    for line in staff_lines():
        words = shlex.split(line)
        assert words[0] == ".venv/bin/sim", line
        args = words[1:] + (QUICK if words[1] == "staff" else ["-n", "2"])
        result = subprocess.run([sys.executable, "-m", "sim", *args, "--quiet"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, (line, result.stderr)


@pytest.mark.slow
def test_the_python_example_of_the_staffing_page_runs(tmp_path):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    (code,) = blocks(ROOT / "docs" / "staffing.md", "python")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "pool" in result.stdout and "phone" in result.stdout  # the tables print
