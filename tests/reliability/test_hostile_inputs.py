"""Inputs that are not files, and hostile contents (docs/limits.md), through the real `sim`
program: each is refused at once with exit 2 and one line, without a traceback and without
writing anything. A timeout turns a hang (a named pipe, /dev/zero) into a failure."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sim.check.baseline import make_baseline, write_baseline
from sim.scenario.files import MiB
from sim.scenario.load import LINE, MAX_BYTES, MAX_PROBLEMS, load_scenario
from sim.scenario.parsing import MAX_DEPTH
from sim.scenario.schema import MAX_NAME
from tests.reliability.helpers import sim
from tests.support import BASE, edit, write

TIMEOUT = 60  # seconds; each refusal takes about one start of the program


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one line of a refusal (exit 2, nothing on stdout, no traceback)."""
    assert result.returncode == 2, f"exit {result.returncode}:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == "", result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0].removeprefix("error: ")


def refused(*args: object) -> str:
    return refusal(sim(*args, timeout=TIMEOUT))


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.toml"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("kind", ["named pipe", "device", "folder"])
def test_a_scenario_that_is_not_a_regular_file_is_refused_at_once(tmp_path, fifo, kind):
    path = {"named pipe": fifo, "device": Path("/dev/zero"), "folder": tmp_path}[kind]
    out = tmp_path / "out"
    line = refused("run", path, "-q", "--out", out)
    assert line == f"{path}: cannot read: a {kind}, not a regular file"
    assert not out.exists()


@pytest.mark.parametrize("command", [
    ("compare", "{fifo}", "{scenario}"),
    ("sweep", "{fifo}", "--set", "demand.per_hour=30,60"),
    ("staff", "{fifo}"),
])
def test_every_command_refuses_a_named_pipe_as_its_scenario(tmp_path, fifo, command):
    scenario = write(tmp_path, BASE)
    out = tmp_path / "out"
    args = [a.format(fifo=fifo, scenario=scenario) for a in command]
    line = refused(*args, "-q", "--out", out)
    assert line == f"{fifo}: cannot read: a named pipe, not a regular file"
    assert not out.exists()


def _baseline(folder: Path, channel: str = "phone") -> Path:
    """A baseline of BASE (made without running it: only its refusal is tested)."""
    scenario = write(folder, BASE)
    made = make_baseline(load_scenario(scenario), scenario,
                         {(channel, "wait_mean"): np.array([1.0, 2.0, 3.0])}, seed=1,
                         replications=3)
    return write_baseline(made, folder / "scenario--fifo.json")


def test_a_baseline_that_is_a_named_pipe_is_refused(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    junit = tmp_path / "out" / "junit.xml"
    assert refused("check", path, "--junit", junit) == (
        f"{path}: cannot read: a named pipe, not a regular file")
    assert not junit.parent.exists()


@pytest.mark.parametrize("kind", ["named pipe", "device"])
def test_a_baseline_whose_scenario_is_not_a_regular_file_is_refused(tmp_path, fifo, kind):
    path = _baseline(tmp_path)
    target = {"named pipe": fifo, "device": Path("/dev/zero")}[kind]
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "scenario": str(target)}))
    assert refused("check", path) == (f"{path}: its scenario cannot be used: {target}: "
                                      f"cannot read: a {kind}, not a regular file")


def test_a_contact_log_that_is_a_named_pipe_is_refused(tmp_path):
    log = tmp_path / "log.csv"
    os.mkfifo(log)
    out = tmp_path / "fitted.toml"
    assert refused("fit", log, "--out", out) == f"{log}: not a regular file"
    assert not out.exists()


def test_a_scenario_over_the_size_limit_is_refused_without_reading_it_all(tmp_path):
    path = tmp_path / "huge.toml"
    with path.open("wb") as file:
        file.truncate(64 * 1024 * MiB)  # sparse: reading 64 GiB would take minutes
    out = tmp_path / "out"
    assert refused("run", path, "--out", out) == (
        f"{path}: larger than {MAX_BYTES // MiB} MiB, the limit for this file "
        "(docs/limits.md)")
    assert not out.exists()


def test_a_scenario_just_over_the_size_limit_is_refused_and_one_at_it_is_read(tmp_path):
    at = write(tmp_path, BASE + "#" * (MAX_BYTES - len(BASE) - 1) + "\n", "at.toml")
    assert at.stat().st_size == MAX_BYTES
    assert load_scenario(at).name == "mini"
    over = write(tmp_path, at.read_text() + "\n", "over.toml")
    assert "larger than" in refused("run", over, "--out", tmp_path / "out")


def test_a_baseline_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(" " * MAX_BYTES + "{}")
    assert refused("check", path).startswith(f"{path}: larger than")


def test_a_name_too_long_for_a_folder_is_refused_before_running(tmp_path):
    path = write(tmp_path, edit('name = "mini"', f'name = "{"n" * 300}"'))
    out = tmp_path / "out"
    assert refused("run", path, "--out", out) == (
        f"{path}: name: at most {MAX_NAME} characters, not 300 (it names a folder, and sim "
        "sweep and sim staff add to it)")
    assert not out.exists()


def test_a_name_at_the_limit_runs_into_its_default_folder(tmp_path):
    name = "n" * MAX_NAME
    path = write(tmp_path, edit('name = "mini"', f'name = "{name}"'))
    result = sim("run", path, "-n", 2, "-q", cwd=tmp_path, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "results" / name / "metrics.csv").is_file()


def test_a_huge_key_is_echoed_shortened(tmp_path):
    key = "k" * MiB
    path = write(tmp_path, f"{key} = 1\n" + BASE)
    line = refused("run", path, "--out", tmp_path / "out")
    assert line.startswith(f"{path}: kkkk") and line.endswith("k: unknown key")
    assert "..." in line and len(line) < len(str(path)) + LINE


def test_a_huge_value_in_a_message_is_echoed_shortened(tmp_path):
    path = write(tmp_path, edit('dist = "exponential", mean = "3min"',
                                f'dist = "{"x" * MiB}", mean = "3min"'))
    line = refused("run", path, "--out", tmp_path / "out")
    assert line.startswith(f"{path}: channels.phone.handle_time: unknown distribution 'xxx")
    assert line.endswith("(known: 'exponential', 'lognormal', 'gamma', 'deterministic', "
                         "'empirical')") and len(line) < len(str(path)) + LINE


def test_thousands_of_problems_are_listed_up_to_a_bound(tmp_path):
    path = write(tmp_path, "".join(f"k{i} = 1\n" for i in range(1000)) + BASE)
    result = sim("run", path, "--out", tmp_path / "out", timeout=TIMEOUT)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert lines[-1] == f"{path}: and {1000 - MAX_PROBLEMS} more problems"


@pytest.mark.parametrize(("text", "reason"), [
    ("x = " + "[" * 5000 + "]" * 5000, f"nested more than {MAX_DEPTH} levels deep"),
    ("x = " + "[" * 100 + "]" * 100, f"x: nested more than {MAX_DEPTH} levels deep"),
    ("x = " + "{a = " * 5000 + "1" + "}" * 5000, f"nested more than {MAX_DEPTH} levels deep"),
    (".".join(["a"] * 100_000) + " = 1", f"a dotted key nested more than {MAX_DEPTH} levels "
                                         "deep"),
    ("x = " + "1" * 5000, "not valid TOML: Exceeds the limit (4300 digits) for integer "
                          "string conversion: value has 5000 digits"),
], ids=["5000 arrays", "100 arrays", "5000 inline tables", "dotted key", "5000 digits"])
def test_deep_or_huge_toml_is_refused(tmp_path, text, reason):
    path = write(tmp_path, text + "\n" + BASE)
    line = refused("run", path, "--out", tmp_path / "out")
    assert line.removesuffix(" (docs/limits.md)") == f"{path}: {reason}"


@pytest.mark.parametrize(("text", "reason"), [
    ("[" * 5000 + "]" * 5000, f"nested more than {MAX_DEPTH} levels deep"),
    ('{"metrics": ' + "[" * 100 + "]" * 100 + "}",
     f"metrics: nested more than {MAX_DEPTH} levels deep"),
], ids=["5000 arrays", "100 arrays"])
def test_a_deeply_nested_baseline_is_refused(tmp_path, text, reason):
    path = tmp_path / "deep.json"
    path.write_text(text)
    assert refused("check", path) == f"{path}: {reason} (docs/limits.md)"


def test_a_baseline_channel_the_scenario_lacks_is_bad_input_not_a_regression(tmp_path):
    path = _baseline(tmp_path, channel="fax")
    line = refused("check", path)
    assert line == (f"{path}: metrics: no channel 'fax' in {tmp_path / 'scenario.toml'} "
                    "(its channels: all, email, phone)")
