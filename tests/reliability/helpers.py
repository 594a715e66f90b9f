"""What the reliability tests share: running `sim` (in this process or as a real program),
checking that every output file is whole, and checking a refusal."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd

from sim.cli import main
from sim.scenario.load import printable
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
# the files every run writes (plots vary with the scenario; each file found is checked)
RUN_OUTPUTS = {"metrics.csv", "intervals.csv", "contacts.parquet", "needs.parquet", "run.json",
               "report.html"}
PNG_SIGNATURE, PNG_END = b"\x89PNG\r\n\x1a\n", b"IEND\xaeB`\x82"
# sim/files/atomic.py writes to ".<final name>.<random>.tmp" in the same folder, then renames
TEMPORARY = re.compile(r"^\..+\.tmp$")


def sim(*args: object, cwd: Path | None = None, timeout: float = 300,
        ) -> subprocess.CompletedProcess[str]:
    """`python -m sim ARGS` as a user runs it."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd or ROOT, env=env)


def start_sim(*args: object) -> subprocess.Popen[bytes]:
    """`python -m sim ARGS` started in the background (to be killed)."""
    return subprocess.Popen([sys.executable, "-m", "sim", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_main(*args: object) -> tuple[int, str, str]:
    """`sim ARGS` in this process: (exit code, stdout, stderr). An exception escapes, as it
    would reach the user as a traceback."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exit_:  # argparse
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def assert_complete(folder: Path) -> set[str]:
    """Every file under `folder` is whole and loads; none is a leftover temporary. Returns the
    names found at the top."""
    for path in folder.rglob("*"):
        if path.is_file():
            assert not TEMPORARY.match(path.name), f"temporary file left: {path}"
            assert_loads(path)
    return {p.name for p in folder.iterdir()}


def assert_loads(path: Path) -> None:
    """The file reads back as what its suffix says, to its end."""
    data = path.read_bytes()
    kind = path.suffix
    if kind == ".csv":
        assert data.endswith(b"\n"), f"{path}: no final newline"
        assert len(pd.read_csv(path).columns) > 0, path
    elif kind == ".parquet":
        pd.read_parquet(path)
    elif kind == ".json":
        json.loads(data)
    elif kind == ".png":
        assert data.startswith(PNG_SIGNATURE) and data.endswith(PNG_END), f"{path}: cut short"
    elif kind == ".html":
        text = data.decode("utf-8")
        assert text.lstrip().lower().startswith("<!doctype html"), path
        assert text.rstrip().endswith("</html>"), f"{path}: cut short"
    else:
        raise AssertionError(f"{path}: an output of an unknown kind; add a check for it here")


def assert_run_outputs(out: Path) -> None:
    """A finished `sim run`: every output there, whole, and metrics.csv has rows."""
    names = assert_complete(out)
    assert names >= RUN_OUTPUTS, f"missing: {RUN_OUTPUTS - names}"
    assert len(pd.read_csv(out / "metrics.csv")) > 0


def assert_refused(code: int, stderr: str, file: Path, out: Path) -> None:
    """Exit 2; every line names the file, then a key path of the file (or the line of a TOML
    or encoding error); no traceback; nothing written."""
    assert code == 2, f"exit {code}:\n{stderr}"
    assert "Traceback" not in stderr, stderr
    lines = [line.removeprefix("error: ") for line in stderr.strip().splitlines()]
    assert lines, "refused without a word"
    keys = {printable(k) for k in set(Scenario.model_fields) | _top_level_keys(file)}
    for line in lines:
        assert line.startswith(f"{file}: "), f"does not name the file: {line!r}"
        reason = line.removeprefix(f"{file}: ")
        names_line = re.search(r"\bline \d+", reason) is not None
        names_key = any(reason.startswith((f"{k}.", f"{k}:")) for k in keys)
        assert names_line or names_key, f"names neither a key path nor a line: {line!r}"
    assert not out.exists(), f"{out} created by a refused run"
    assert [p.name for p in file.parent.iterdir()] == [file.name], "a file was written"


def _top_level_keys(file: Path) -> set[str]:
    """The top-level keys of the file, as written (unknown ones too); none if it is broken."""
    try:
        return set(tomllib.loads(file.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set()
