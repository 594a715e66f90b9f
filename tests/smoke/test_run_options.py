"""`--scheduler` and `--precision` end to end: dask gives the same bytes as local processes, a
precision run says how many replications it used and equals a plain run with that many, a
sweep writes run.json, and bad values are refused before anything is written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from tests.support import BASE, write

ROOT = Path(__file__).resolve().parents[2]
ERLANG_C = ROOT / "scenarios" / "erlang-c.toml"
OFFERED = ["--precision-metrics", "all:offered"]


def sim(*args: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, env=env)


# A dask worker heartbeats every 0.5 s; one still in flight when the cluster closes its
# connections fails with CommClosedError, and the worker logs it with its traceback and
# carries on (it catches OSError there and nothing else: dask/distributed#7105). On a busy
# machine the scheduler is slow to answer, so now and then one is in flight at the end.
# Harmless: anything the workers got wrong shows in the exit code and the bytes, compared.
HEARTBEAT = re.compile(r"\d{4}-\d\d-\d\d [\d:,]+ - distributed\.worker - ERROR - "
                       r"Failed to communicate with scheduler during heartbeat\.")
CHAINED = ("The above exception was the direct cause of the following exception:",
           "During handling of the above exception, another exception occurred:")


def unexplained(stderr: str) -> list[str]:
    """The lines of `stderr` outside the heartbeat records above (the log line and its
    traceback: "Traceback ..." then indented frames, the exception's line, and so on along
    the chain of causes)."""
    lines, kept, k = stderr.splitlines(), [], 0
    while k < len(lines):
        if not HEARTBEAT.fullmatch(lines[k]):
            kept.append(lines[k])
            k += 1
            continue
        k += 1
        while k < len(lines) and lines[k] == "Traceback (most recent call last):":
            k += 1
            while k < len(lines) and lines[k].startswith(" "):
                k += 1
            k += 1  # the exception's line
            if not (k + 1 < len(lines) and lines[k] == "" and lines[k + 1] in CHAINED):
                break  # the record ends: what follows is not its
            k += 3  # a blank line, the link, a blank line: the next traceback of the chain
    return kept


def test_unexplained_drops_the_heartbeat_records_and_nothing_else():
    frames = ['  File "distributed/worker.py", line 1165, in heartbeat',
              "    response = await retry_operation("]
    record = ["2026-12-02 15:38:21,629 - distributed.worker - ERROR - Failed to communicate "
              "with scheduler during heartbeat.", "Traceback (most recent call last):", *frames,
              "tornado.iostream.StreamClosedError: Stream is closed", "", CHAINED[0], "",
              "Traceback (most recent call last):", *frames,
              "distributed.comm.core.CommClosedError: in <TCP (closed)>: Stream is closed"]
    crash = ["Traceback (most recent call last):", *frames, "ValueError: boom"]
    logged = ["2026-12-02 15:38:22,001 - distributed.nanny - ERROR - Worker process died",
              *crash]
    assert unexplained("\n".join(record + record)) == []
    others = ["warning", *crash, *logged, "end"]  # a traceback right after one is not its
    assert unexplained("\n".join([*others[:1], *record, *others[1:]])) == others


def test_a_local_dask_cluster_gives_the_bytes_of_one_process(tmp_path):
    one, dask = tmp_path / "one", tmp_path / "dask"
    result = sim("run", ERLANG_C, "-n", 3, "--seed", 4, "-q", "--out", dask,
                 "--scheduler", "local", "-w", 2)
    assert result.returncode == 0, result.stderr
    assert not [line for line in unexplained(result.stderr) if "Traceback" in line], \
        result.stderr
    assert main(["run", str(ERLANG_C), "-n", "3", "--seed", "4", "-q", "--out", str(one)]) == 0
    for table in ("metrics.csv", "intervals.csv"):
        assert (dask / table).read_bytes() == (one / table).read_bytes()
    info = json.loads((dask / "run.json").read_text())
    assert (info["scheduler"], info["workers"], info["replications"]) == ("local", 2, 3)
    assert info["precision"] is None


def test_precision_reports_its_count_and_equals_a_plain_run(tmp_path, capsys):
    scenario = write(tmp_path, BASE)
    out, plain = tmp_path / "precise", tmp_path / "plain"
    assert main(["run", str(scenario), "-n", "2", "--seed", "5", "--precision", "0.1",
                 "--max-replications", "40", *OFFERED, "--out", str(out)]) == 0
    captured = capsys.readouterr()
    info = json.loads((out / "run.json").read_text())
    n = info["replications"]
    assert 2 < n < 40  # grown, and reached before the cap
    assert f"precision 10.0% reached with {n} replications" in captured.out
    assert f"{n} replications" in captured.out.split("\n")[0]  # the summary's title
    precision = info["precision"]
    assert (precision["target"], precision["max_replications"], precision["reached"]) == (
        0.1, 40, True)
    assert precision["worst"]["relative"] <= 0.1
    assert [(m["channel"], m["metric"]) for m in precision["metrics"]] == [("all", "offered")]

    assert main(["run", str(scenario), "-n", str(n), "--seed", "5", "-q",
                 "--out", str(plain)]) == 0
    assert (out / "metrics.csv").read_bytes() == (plain / "metrics.csv").read_bytes()


def test_precision_not_reached_warns_and_still_writes(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["compare", str(write(tmp_path, BASE)), "--policies", "fifo,front-door", "-n",
                 "2", "--precision", "0.000001", "--max-replications", "3", "-q",
                 "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "warning: precision 0.0% not reached: stopped at the cap of 3" in captured.err
    assert "least precise " in captured.err
    info = json.loads((out / "run.json").read_text())
    assert info["replications"] == 3
    precision = info["precision"]
    assert (precision["replications"], precision["reached"]) == (3, False)
    assert {m["arm"] for m in precision["metrics"]} == {"fifo", "front-door"}


def test_a_sweep_with_precision_writes_run_json_and_resumes(tmp_path, capsys):
    out = tmp_path / "out"
    command = ["sweep", str(ERLANG_C), "--set", "pools.phone.agents=48,52", "-n", "2",
               "--precision", "0.5", "--max-replications", "6", "--out", str(out)]
    assert main(command) == 0
    assert "replications a point" in capsys.readouterr().out
    info = json.loads((out / "run.json").read_text())
    assert info["command"] == "sweep" and info["scenario"] == "erlang-c"
    assert info["grid"] == {"pools.phone.agents": [48, 52]}
    assert (info["points"], info["skipped"], info["seed"], info["replications"]) == (
        2, 0, 20150101, 2)
    assert info["scheduler"] == "local" and info["workers"] == 1
    used = info["precision"]["point_replications"]
    assert len(used) == 2 and all(2 <= n <= 6 for n in used)
    assert main(command) == 0
    assert json.loads((out / "run.json").read_text())["skipped"] == 2


def refused(capsys, *argv: str) -> str:
    """Run `sim argv` in this process; it must exit 2 with one error line."""
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("sim")
             or "error" in line]
    assert lines and "error" in lines[-1], err
    return lines[-1]


@pytest.mark.parametrize(("options", "message"), [
    (["--scheduler", "nonsense"], "--scheduler nonsense: cannot connect"),
    (["--scheduler", "foo://x:1"], "--scheduler foo://x:1: cannot connect"),
    (OFFERED, "--precision-metrics only apply with --precision"),
    (["--precision", "0.05", "--precision-metrics", "phone:wiat_mean"],
     "phone:wiat_mean: unknown metric"),
    (["--precision", "0.05", "--precision-metrics", "chat:wait_mean"],
     "has no channel or pool 'chat'"),
    (["--precision", "0.05", "--precision-metrics", "phone:service_level,email:service_level"],
     "email:service_level: not in the results"),
    (["--precision", "0.05", "-n", "30", "--max-replications", "20"], "more than the cap of 20"),
    (["--precision", "0"], "must be a number above 0"),
    (["--max-replications", "1"], "must be at least 2"),
], ids=lambda o: " ".join(o) if isinstance(o, list) else "")
@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_scheduler_and_precision_options_are_refused(tmp_path, capsys, command, options,
                                                         message):
    out = tmp_path / "out"
    arms = ["--policies", "fifo,front-door"] if command == "compare" else []
    line = refused(capsys, command, str(write(tmp_path, BASE)), *arms, "-n", "2",
                   "--out", str(out), *options)
    assert message in line, line
    assert not out.exists()


def test_a_sweep_refuses_a_bad_scheduler_and_a_bad_metric(tmp_path, capsys):
    out = tmp_path / "out"
    sweep = ["sweep", str(ERLANG_C), "--set", "pools.phone.agents=48,52", "--out", str(out)]
    assert "--scheduler nonsense: cannot connect" in refused(capsys, *sweep, "--scheduler",
                                                              "nonsense")
    assert "pool:phone:wait_mean: unknown metric" in refused(
        capsys, *sweep, "--precision", "0.1", "--precision-metrics", "pool:phone:wait_mean")
    assert not out.exists()


def test_records_leaves_out_the_per_record_files_and_removes_an_earlier_runs(tmp_path):
    """`--records needs` and `none` write the tables without the large files, byte for byte
    the same tables, and a folder never keeps another run's contacts.parquet."""
    out = tmp_path / "out"
    tables = {}
    for records, kept in (("all", {"contacts", "needs"}), ("needs", {"needs"}),
                          ("none", set())):
        assert main(["run", str(ERLANG_C), "-n", "2", "--out", str(out), "-q",
                     "--records", records]) == 0
        assert {p.stem for p in out.glob("*.parquet")} == kept, records
        assert json.loads((out / "run.json").read_text())["records"] == records
        tables[records] = (out / "metrics.csv").read_bytes()
    assert tables["all"] == tables["needs"] == tables["none"]
