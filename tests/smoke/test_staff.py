"""`sim staff` end to end: the files it writes (the real program, in a subprocess), the staffed
scenario running with `sim run`, rosters, the Python API, and refused input (in this process:
quicker)."""

from __future__ import annotations

import json
import tomllib

import pandas as pd

import sim as api
from sim.cli import main
from sim.files.folders import MARKER
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.toml import dumps
from tests.smoke.test_cli import sim
from tests.support import edit, write

SHIFTS = edit("agents = 3", 'shifts = [{ start = "0h", length = "8h", count = 3 }]')
ROSTER = edit("agents = 3", 'agents = 3\nshrinkage = 0.25\nroster = { starts = ["0h", "1h"], '
              'lengths = ["2h", "3h"], breaks = [{ length = "15min", earliest = "30min", '
              'latest = "1h30min" }] }')
FILES = {"mini-staffed.toml", "staffing.csv", "roster.csv", "targets.csv", "staffing.png",
         "run.json", MARKER}


def test_staff_writes_a_plan_that_sim_run_runs(tmp_path):
    path = write(tmp_path, SHIFTS)
    out = tmp_path / "out"
    result = sim("staff", path, "-n", 4, "--max-replications", 8, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert {p.name for p in out.iterdir()} == FILES  # no temporary file left
    assert "cells met" in result.stdout and "paid hours" in result.stdout
    assert "confirming run" in result.stdout and "agents by hour of day" in result.stdout
    assert f"sim run {out / 'mini-staffed.toml'}" in result.stdout

    staffed = load_scenario(out / "mini-staffed.toml")
    assert staffed.name == "mini-staffed"
    plan = pd.read_csv(out / "staffing.csv")
    assert list(plan.columns) == ["interval_start", "time", "pool", "required", "agents",
                                  "on_duty", "warm_start", "original"]
    assert plan.time.tolist() == ["00:00", "00:30", "01:00", "01:30"]
    assert staffed.pools["team"].shifts is None
    assert staffed.pools["team"].agents == plan.agents.tolist()
    assert len(plan) == 4 and (plan.original == 3).all()
    targets = pd.read_csv(out / "targets.csv")
    assert list(targets.columns) == ["interval_start", "key", "metric", "bound", "judged",
                                     "value", "ci_low", "ci_high", "verdict", "confirm",
                                     "confirm_low", "confirm_high"]
    assert set(targets.key) == {"phone"}  # email has no target
    assert set(targets.verdict) <= {"met", "unsure"}
    assert pd.read_csv(out / "roster.csv").empty  # no roster table
    info = json.loads((out / "run.json").read_text())
    assert info["targets_met"] is True and 4 <= info["replications"] <= 8
    assert info["iterations"] >= 1 and info["cells"] == 4
    assert info["confirmation"]["goals"][0]["metric"] == "service_level"

    assert main(["run", str(out / "mini-staffed.toml"), "-n", "2", "--quiet", "--out",
                 str(tmp_path / "run")]) == 0


def test_a_roster_table_gives_shifts_with_breaks_in_the_staffed_file(tmp_path):
    out = tmp_path / "out"
    result = sim("staff", write(tmp_path, ROSTER), "-n", 4, "--max-replications", 8,
                 "--out", out)
    assert result.returncode == 0, result.stderr
    assert "team roster:" in result.stdout and "MIP gap" in result.stdout
    staffed = load_scenario(out / "mini-staffed.toml")
    shifts = staffed.pools["team"].shifts
    assert shifts and staffed.pools["team"].agents is None
    assert all(len(s.breaks) == 1 and 1800 <= s.breaks[0].at <= 4500 for s in shifts)
    roster = pd.read_csv(out / "roster.csv")
    assert list(roster.columns) == ["pool", "start", "end", "length_hours", "breaks", "count",
                                    "paid_hours", "cost"]
    assert roster["count"].sum() == sum(s.count for s in shifts)
    info = json.loads((out / "run.json").read_text())
    assert info["rosters"]["team"]["gap"] <= 0.01
    plan = pd.read_csv(out / "staffing.csv")
    assert (plan.on_duty + 1e-9 >= plan.required).all()
    assert main(["run", str(out / "mini-staffed.toml"), "-n", "2", "--quiet", "--out",
                 str(tmp_path / "run")]) == 0


def test_the_api_staffs_a_scenario_built_in_code_the_same_on_two_workers():
    scenario = parse_scenario(tomllib.loads(SHIFTS))
    result = api.staff(scenario, replications=3, seed=5, max_replications=6)
    on_two = api.staff(scenario, replications=3, seed=5, max_replications=6, workers=2)
    assert on_two.plan.equals(result.plan) and on_two.cells.equals(result.cells)
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
    line = refused(capsys, write(tmp_path, edit("agents = 3", "agents = -3"), "bad.toml"),
                   "--out", out)
    assert "bad.toml: pools.team.agents" in line
    assert not out.exists()


def test_bad_roster_tables_are_refused_with_their_key_path(tmp_path, capsys):
    out = tmp_path / "out"
    cases = {
        "a break that does not fit in the shift": (
            'latest = "1h30min"', 'latest = "2h30min"', "pools.team.roster.breaks.0"),
        "a length out of range": ('lengths = ["2h", "3h"]', 'lengths = ["2h", "25h"]',
                                  "pools.team.roster.lengths"),
        "no start that covers a demand interval": (
            'starts = ["0h", "1h"]', 'starts = ["1h"]', "pools.team.roster"),
    }
    for name, (old, new, path) in cases.items():
        line = refused(capsys, write(tmp_path, edit(old, new, ROSTER), "r.toml"), "-n", 4,
                       "--out", out)
        assert f"r.toml: {path}" in line, (name, line)
    assert not out.exists()
    shift_break = edit("agents = 3", 'shifts = [{ start = "0h", length = "2h", count = 3, '
                       'breaks = [{ at = "1h50min", length = "15min" }] }]')
    line = refused(capsys, write(tmp_path, shift_break, "s.toml"), "--out", out)
    assert "s.toml: pools.team.shifts.0" in line and "breaks.0" in line
