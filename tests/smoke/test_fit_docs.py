"""The `sim fit` examples of the README and docs/fit.md run as written, from a copy of the
repository's examples: the shell lines in a quick mode (the backtest with 2 replications; the
staffing of the fitted scenario, minutes, slow), and the Python block of docs/fit.md prints
what the page says it prints."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIT_PAGE = ROOT / "docs" / "fit.md"
QUICK = {"fit": ["-n", "2"], "staff": ["-n", "2", "--max-replications", "3",
                                       "--max-iterations", "2"]}


def blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), re.S)


def chain_lines() -> list[str]:
    """Every shell line of the log -> fit -> staff chain, README first, in order."""
    lines = [line.split("#")[0].strip()
             for path in (ROOT / "README.md", FIT_PAGE) for block in blocks(path, "sh")
             for line in block.splitlines()
             if "sim fit" in line or "make_log.py" in line or "results/contacts" in line]
    return list(dict.fromkeys(lines))


def run_line(line: str, folder: Path) -> subprocess.CompletedProcess:
    words = shlex.split(line)
    if words[0] == ".venv/bin/python":
        command = [sys.executable, *words[1:]]
    else:
        assert words[0] == ".venv/bin/sim", line
        command = [sys.executable, "-m", "sim", *words[1:], *QUICK.get(words[1], [])]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=900)


@pytest.fixture
def repository(tmp_path) -> Path:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    return tmp_path


def test_the_examples_are_found():
    lines = chain_lines()
    assert any(line.startswith(".venv/bin/sim fit") and "--backtest" in line for line in lines)
    assert any(line.startswith(".venv/bin/sim staff results/contacts.toml") for line in lines)
    assert len(blocks(FIT_PAGE, "python")) == 1


def test_the_fit_lines_run_and_write_what_they_say(repository):
    for line in chain_lines():
        if "sim staff" in line:
            continue
        result = run_line(line, repository)
        assert result.returncode == 0, (line, result.stderr)
    assert (repository / "results" / "contacts.toml").is_file()
    for name in ("backtest.csv", "intraday.csv", "report.html"):
        assert (repository / "results" / "contacts-backtest" / name).is_file()


@pytest.mark.slow
def test_the_fitted_scenario_is_staffed(repository):
    for line in chain_lines():
        result = run_line(line, repository)
        assert result.returncode == 0, (line, result.stderr)
    assert (repository / "results" / "staff-contacts" / "contacts-staffed.toml").is_file()


@pytest.mark.slow
def test_the_python_block_prints_what_the_page_shows(repository):
    code, printed = blocks(FIT_PAGE, "python")[0], blocks(FIT_PAGE, "text")
    result = subprocess.run([sys.executable, "-c", code], cwd=repository, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert result.stdout in printed, result.stdout
