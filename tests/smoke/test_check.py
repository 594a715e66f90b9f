"""`sim baseline` and `sim check` end to end, in this process (a variant of fifo defined in a
test runs only here): an unchanged policy passes, a worse one fails with exit 1 and a JUnit
failure, bad input is refused with exit 2 and no output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sim.check.directions import RULES
from sim.cli import main
from sim.metrics.catalogue import metric
from tests.stats.variants import fifo_replaced, slowed
from tests.support import BASE, edit, write

REPLICATIONS = 8


@pytest.fixture
def made(tmp_path, capsys) -> Path:
    """A baseline of the small test scenario under fifo; its path."""
    scenario = write(tmp_path, BASE, "mini.toml")
    code = main(["baseline", str(scenario), "-n", str(REPLICATIONS), "--out",
                 str(tmp_path / "baselines"), "-q"])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    return tmp_path / "baselines" / "mini--fifo.json"


def check(*args: object) -> int:
    return main(["check", *map(str, args)])


def test_baseline_file_holds_the_replications_seeds_and_hash(made):
    data = json.loads(made.read_text())
    assert data["scenario"] == "../mini.toml"
    assert data["policy"] == "fifo"
    assert data["replications"] == REPLICATIONS
    assert len(data["scenario_hash"]) == 64
    wait = data["metrics"]["phone"]["wait_mean"]
    assert len(wait["values"]) == REPLICATIONS
    assert wait["mean"] == pytest.approx(sum(wait["values"]) / REPLICATIONS, rel=1e-8)
    assert "pool:team" not in data["metrics"]  # costs, not service
    assert list(data) == sorted(data)


def test_unchanged_policy_passes_with_every_metric_the_same(made, tmp_path, capsys):
    junit = tmp_path / "check.xml"
    assert check(made, "--all", "--junit", junit) == 0
    out = capsys.readouterr().out
    assert "no regression" in out and "same" in out and "regression |" not in out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0"
    assert int(root.get("tests")) == len(root.findall(".//testcase")) > 10


def test_worse_policy_fails_and_the_junit_xml_says_where(made, tmp_path, capsys):
    junit = tmp_path / "results" / "check.xml"
    with fifo_replaced(lambda: slowed(1.5)):
        assert check(made, "--junit", junit) == 1
    out = capsys.readouterr().out
    assert "regression" in out and "email:first_response_mean" in out
    root = ET.parse(junit).getroot()
    failed = {case.get("name"): case.find("failure") for case in root.iter("testcase")
              if case.find("failure") is not None}
    assert "email:first_response_mean" in failed
    assert int(root.get("failures")) == len(failed)
    assert "tolerance" in failed["email:first_response_mean"].text
    assert [s.get("name") for s in root.iter("testsuite")] == ["mini/fifo"]


def test_a_looser_tolerance_lets_the_same_change_pass(made, capsys):
    """Every checked metric let go: times and counts by ten times their mean, shares and
    ratios by 1 (all the room they have, or a contact a need)."""
    loose = [f"--tolerance={m}=1000%" if metric(m).kind in ("time", "count")
             else f"--tolerance={m}=1" for m in RULES]
    with fifo_replaced(lambda: slowed(1.5)):
        assert check(made, *loose) == 0


@pytest.mark.parametrize("text, reason", [
    ("{not json", "not valid JSON"),
    ('{"format": 1}', "required key is missing"),
])
def test_bad_baseline_file_is_refused_without_output(made, tmp_path, capsys, text, reason):
    made.write_text(text)
    junit = tmp_path / "check.xml"
    assert check(made, "--junit", junit) == 2
    err = capsys.readouterr().err
    assert str(made) in err and reason in err and "Traceback" not in err
    assert not junit.exists()


def test_wrong_values_are_refused_with_the_key_path(made, capsys):
    data = json.loads(made.read_text())
    data["metrics"]["phone"]["wait_mean"]["values"].pop()
    data["tolerances"] = {"wait_mean": "ten percent"}
    made.write_text(json.dumps(data))
    assert check(made) == 2
    err = capsys.readouterr().err
    assert "metrics.phone.wait_mean.values" in err and "tolerances.wait_mean" in err


def test_changed_scenario_is_refused_and_sim_baseline_suggested(made, tmp_path, capsys):
    write(tmp_path, edit("agents = 3", "agents = 4"), "mini.toml")
    assert check(made) == 2
    err = capsys.readouterr().err
    assert "changed since the baseline was made" in err and "sim baseline" in err


def test_unknown_policy_and_missing_file_are_refused(made, tmp_path, capsys):
    data = json.loads(made.read_text())
    data["policy"] = "no-such-policy"
    made.write_text(json.dumps(data))
    assert check(made, tmp_path / "absent.json") == 2
    err = capsys.readouterr().err
    assert "unknown policy 'no-such-policy'" in err and "absent.json: no such file" in err


def test_baseline_made_again_from_its_file_keeps_its_tolerances(made, capsys):
    data = json.loads(made.read_text())
    data["tolerances"] = {"phone:wait_mean": "12%"}
    made.write_text(json.dumps(data))
    assert main(["baseline", str(made), "-q"]) == 0
    again = json.loads(made.read_text())
    assert again["tolerances"] == {"phone:wait_mean": "12%"}
    assert again["metrics"] == data["metrics"]


def test_bad_options_are_refused(made, capsys):
    assert check(made, "--tolerance", "wait_mean") == 2
    assert check(made, "--tolerance", "nonsense=3") == 2
    assert main(["baseline", str(made.parent.parent / "mini.toml"), "--policies",
                 "fifo,nope", "--out", str(made.parent)]) == 2
    err = capsys.readouterr().err
    assert "METRIC=VALUE" in err and "not a checked metric" in err and "nope" in err
    with pytest.raises(SystemExit):
        check(made, "--alpha", "1.5")


def test_example_workflow_runs_sim_check_on_pull_requests():
    yaml = pytest.importorskip("yaml")
    path = Path(__file__).resolve().parents[2] / "examples" / "policy-check.yml"
    workflow = yaml.safe_load(path.read_text())
    assert "pull_request" in workflow.get("on", workflow.get(True))  # YAML 1.1 reads on: as True
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert python["with"]["python-version"] == "3.11"
    check = next(s for s in steps if "sim check" in s.get("run", ""))
    assert "--junit results/check.xml" in check["run"] and check["shell"] == "bash"
    later = steps[steps.index(check) + 1:]
    assert any("results/check.xml" in str(s.get("with", {})) for s in later)
    assert all(s.get("if") for s in later)  # they run when the check failed too


@pytest.mark.slow
def test_shipped_baselines_pass_and_cover_every_shipped_scenario(capsys):
    """What CI runs: the committed baselines agree with the code and scenarios (after an
    intended change, make them again: sim baseline baselines/*.json)."""
    root = Path(__file__).resolve().parents[2]
    files = sorted((root / "baselines").glob("*.json"))
    stems = {f.name.split("--")[0] for f in files}
    assert stems == {p.stem for p in (root / "scenarios").glob("*.toml")}
    assert check(*files, "-w", "2") == 0, capsys.readouterr()
    assert "no regression" in capsys.readouterr().out
