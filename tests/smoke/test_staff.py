"""`sim staff` end to end: the files it writes (the real program, in a subprocess), the staffed
scenario running with `sim run`, the Python API, and refused input (in this process: quicker)."""

from __future__ import annotations

import json
import tomllib

import pandas as pd
import pytest

import sim as api
from sim.cli import main
from sim.report.toml import dumps
from sim.scenario.load import load_scenario, parse_scenario
from tests.smoke.test_cli import sim
from tests.support import edit, write

SHIFTS = edit("agents = 3", 'shifts = [{ start = "0h", length = "8h", count = 3 }]')
FILES = {"mini-staffed.toml", "staffing.csv", "targets.csv", "staffing.png", "run.json"}


def test_staff_writes_a_plan_that_sim_run_runs(tmp_path):
    path = write(tmp_path, SHIFTS)
    out = tmp_path / "out"
    result = sim("staff", path, "-n", 4, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name for p in out.iterdir()} == FILES  # no temporary file left
    assert "targets met" in result.stdout and "agent-hours" in result.stdout
    assert f"sim run {out / 'mini-staffed.toml'}" in result.stdout

    staffed = load_scenario(out / "mini-staffed.toml")
    assert staffed.name == "mini-staffed"
    plan = pd.read_csv(out / "staffing.csv")
    assert list(plan.columns) == ["interval_start", "pool", "agents", "warm_start", "original"]
    assert staffed.pools["team"].shifts is None
    assert staffed.pools["team"].agents == plan.agents.tolist()
    assert len(plan) == 4 and (plan.original == 3).all()
    targets = pd.read_csv(out / "targets.csv")
    assert list(targets.columns) == ["interval_start", "channel", "pool", "target",
                                     "service_level", "ci_low", "ci_high", "judged", "met"]
    assert set(targets.channel) == {"phone"}  # email has no target
    assert targets.met.all() and (targets.ci_low >= 0.8).all()
    info = json.loads((out / "run.json").read_text())
    assert info["targets_met"] is True and info["replications"] == 4
    assert info["iterations"] >= 1 and info["cells"] == 4

    assert main(["run", str(out / "mini-staffed.toml"), "-n", "2", "--quiet", "--out",
                 str(tmp_path / "run")]) == 0


def test_the_api_staffs_a_scenario_built_in_code_the_same_on_two_workers():
    scenario = parse_scenario(tomllib.loads(SHIFTS))
    result = api.staff(scenario, replications=3, seed=5)
    on_two = api.staff(scenario, replications=3, seed=5, workers=2)
    assert on_two.plan.equals(result.plan) and on_two.levels.equals(result.levels)
    assert result.met and result.missed == []
    assert result.staffed.pools["team"].agents == result.plan.agents.tolist()
    assert parse_scenario(tomllib.loads(dumps(result.data))) == result.staffed
    assert len(result.plot().axes) == 1  # one panel per planned pool
    pools = result.pools()
    assert pools.planned.tolist() == [True]
    assert pools.agent_hours.iloc[0] == result.plan.agents.sum() * 0.5  # 30-minute intervals


def refused(capsys, *args: object) -> str:
    """Run `sim staff ARGS`, check it is refused with one line and no traceback; the line."""
    assert main(["staff", *map(str, args)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1, captured.err
    return captured.err


def test_bad_input_is_refused_before_anything_runs(tmp_path, capsys):
    out = tmp_path / "out"
    no_target = write(tmp_path, edit('target = { within = "20s", share = 0.8 }\n', ""),
                      "none.toml")
    line = refused(capsys, no_target, "--out", out)
    assert "none.toml" in line and "no channel has a target" in line
    fine = write(tmp_path, SHIFTS)
    assert "at least 2 replications" in refused(capsys, fine, "-n", 1, "--out", out)
    with pytest.raises(SystemExit) as exit_:  # staff fixes -n; it has no --precision
        main(["staff", str(fine), "--precision", "0.05", "--out", str(out)])
    assert exit_.value.code == 2 and "--precision" in capsys.readouterr().err
    line = refused(capsys, write(tmp_path, edit("agents = 3", "agents = -3"), "bad.toml"),
                   "--out", out)
    assert "bad.toml: pools.team.agents" in line
    assert not out.exists()
