"""`sim fit` end to end, through the real program in a subprocess: the example log fitted into a
scenario `sim run` takes as it is, the backtest's files, refused input (exit 2, one line, nothing
written), --drop-bad, --columns, parquet, determinism and --help.

The logs are made by examples/data/make_log.py (an event loop independent of `sim`), 3 days of it
where weekdays do not matter. Runs that do not depend on each other are started together on a
few threads (each is its own process), which keeps the file quick.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest

from sim.cli import build_parser
from sim.files.folders import MARKER
from sim.metrics.catalogue import label
from tests.smoke.test_cli import ROOT, sim
from tests.support import load_make_log

EXAMPLE = ROOT / "examples" / "data"
CHANNELS = ("chat", "email", "phone")
REALTIME = ("chat", "phone")
MEASURES = {"offered_per_day", "abandon_rate", "delayed_share", "wait_mean", "service_level"}
LABELS = tuple(label(m) for m in ("offered_per_day", "abandon_rate", "delayed_share",
                                  "wait_mean", "service_level"))  # the catalogue's
BACKTEST_FILES = {"backtest.csv", "intraday.csv", "report.html", MARKER}
ISO = "%Y-%m-%dT%H:%M:%S"
SEED, DAYS = 7, 3
Result = subprocess.CompletedProcess[str]


# ---------------------------------------------------------------- helpers

def run_together(jobs: dict[str, tuple[list, Path]]) -> dict[str, Result]:
    """Each job's `sim ARGS` in its folder, a few at a time; the results by job name."""
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(sim, *args, cwd=cwd) for name, (args, cwd) in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """As make_log.py writes it: ISO timestamps, an empty field for a missing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, date_format=ISO, na_rep="", lineterminator="\n")
    return path


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as the strings of the CSV (so single cells can be broken)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime(ISO).fillna("")
        else:
            out[column] = out[column].astype(str)
    return out


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def unwrapped(text: str) -> str:
    """The TOML with each block of comment lines joined into one line (the writer wraps
    comments to the file's width)."""
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("# ") and lines and lines[-1].startswith("# "):
            lines[-1] += " " + line[2:]
        else:
            lines.append(line)
    return "\n".join(lines) + "\n"


def comments_above(text: str, key: str) -> list[str]:
    """The line just above each line of the TOML that sets `key` (its comment, if any)."""
    lines = text.splitlines()
    return [lines[i - 1] for i, line in enumerate(lines) if line.startswith(f"{key} = ")]


def table_row(stdout: str, *cells: str) -> bool:
    """Whether the rich table has a row starting with these cells."""
    pattern = r"│\s*" + r"\s*│\s*".join(re.escape(c) for c in cells) + r"\s*│"
    return re.search(pattern, stdout) is not None


def assert_ok(result: Result) -> None:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture(scope="module")
def small() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A 3-day log: (contacts, agents) as make_log returns them."""
    return load_make_log().make_log(SEED, DAYS)


@pytest.fixture(scope="module")
def small_folder(tmp_path_factory, small) -> Path:
    folder = tmp_path_factory.mktemp("small")
    write_csv(small[0], folder / "contacts.csv")
    write_csv(small[1], folder / "agents.csv")
    return folder


# ---------------------------------------------------------------- 1. the example log

def test_the_example_log_gives_a_scenario_sim_run_takes_with_its_sources_cited(tmp_path):
    log, agents = EXAMPLE / "contacts.csv", EXAMPLE / "agents.csv"
    result = sim("fit", log, "--out", "fitted.toml", "--deferred", "email", "--agents", agents,
                 cwd=tmp_path)
    assert_ok(result)
    assert result.stderr == ""
    out = tmp_path / "fitted.toml"
    assert listing(tmp_path) == {"fitted.toml"}  # no temporary left, no backtest folder

    frame = pd.read_csv(log)
    arrival = pd.to_datetime(frame["arrival"])
    start, end = arrival.min().normalize(), arrival.max().normalize() + pd.Timedelta(days=1)
    days = (end - start).days

    # the printed table: a row per channel, what it was fitted from, where the file went
    assert f"fitted from contacts.csv: {len(frame):,} contacts, {days} days" in result.stdout
    for channel in CHANNELS:
        assert table_row(result.stdout, channel), channel
    assert "none (deferred)" in result.stdout
    assert "scenario: fitted.toml" in result.stdout

    # the comments cite the log, its dates and size, and each fit's statistic
    text = unwrapped(out.read_text(encoding="utf-8"))
    header = text.splitlines()[0]
    assert header.startswith("# Fitted by `sim fit` from contacts.csv: ")
    assert f"{len(frame):,} rows (0 dropped as bad)" in header
    assert (f"arrivals from {start:%Y-%m-%d} to {end:%Y-%m-%d} (exclusive), {days} days"
            in header)
    handle = comments_above(text, "handle_time")
    assert len(handle) == len(CHANNELS)
    assert all(c.startswith("# ended - answered of ") and " by AIC " in c for c in handle)
    patience = comments_above(text, "patience")
    assert len(patience) == len(REALTIME)
    assert all(c.startswith("# censored: ") and " by censored ML " in c for c in patience)
    targets = comments_above(text, "target")
    assert len(targets) == len(CHANNELS)
    assert all(c.startswith("# assumption") for c in targets)
    assert comments_above(text, "warmup")[0].startswith("# assumption")
    for channel in CHANNELS:
        assert f"# {channel}: {(frame.channel == channel).sum():,} contacts in {days} days" in text
        pool = text.splitlines()[text.splitlines().index(f"[pools.{channel}]") - 1]
        assert pool.startswith("# one pool per channel: observed agents per 30min")
        assert "assumption" not in pool  # the staffing came from --agents

    data = tomllib.loads(text)
    assert sorted(data["channels"]) == list(CHANNELS)
    assert {name: ch["kind"] for name, ch in data["channels"].items()} == {
        "chat": "realtime", "email": "deferred", "phone": "realtime"}
    assert "patience" not in data["channels"]["email"]
    assert {name: pool["skills"] for name, pool in data["pools"].items()} == {
        c: [c] for c in CHANNELS}

    # sim run takes it as it is
    ran = sim("run", "fitted.toml", "-n", 2, "-q", "--out", "run", cwd=tmp_path)
    assert_ok(ran)
    assert ran.stdout == ""
    assert (tmp_path / "run" / "metrics.csv").exists()


# ---------------------------------------------------------------- 2. the backtest

BACKTEST = ("--deferred", "email", "--agents", "agents.csv", "--backtest", "-n", 3,
            "--seed", 4)


@pytest.fixture(scope="module")
def backtests(small_folder) -> dict[str, Result]:
    """The 3-day log fitted and backtested with 3 replications into bt/ ("first"), and the
    same again into the default folder, results/again-backtest/ ("again")."""
    return run_together({
        "first": (["fit", "contacts.csv", "--out", "fitted.toml", *BACKTEST, "--backtest-out",
                   "bt"], small_folder),
        "again": (["fit", "contacts.csv", "--out", "again.toml", *BACKTEST, "-q"],
                  small_folder)})


@pytest.fixture(scope="module")
def backtest(backtests) -> Result:
    return backtests["first"]


def test_backtest_writes_its_files_and_a_table_of_each_channels_measures(small_folder,
                                                                          backtest):
    assert_ok(backtest)
    assert backtest.stderr == ""
    bt = small_folder / "bt"
    assert {p.name for p in bt.iterdir()} == BACKTEST_FILES  # no temporary left
    assert (small_folder / "fitted.toml").exists()

    table = pd.read_csv(bt / "backtest.csv")
    assert list(table.columns) == ["channel", "metric", "observed", "simulated", "ci_low",
                                   "ci_high", "replications", "range_low", "range_high",
                                   "consistent"]
    measured = table.groupby("channel")["metric"].agg(set).to_dict()
    assert measured == {"chat": MEASURES, "phone": MEASURES,
                        "email": MEASURES - {"abandon_rate"}}  # a deferred channel: no abandon
    assert (table.replications == 3).all()
    assert table.observed.notna().all()
    intraday = pd.read_csv(bt / "intraday.csv")
    assert set(intraday.channel) == set(CHANNELS)
    assert intraday.groupby("channel")["interval_start"].nunique().eq(48).all()  # 30min

    out = backtest.stdout
    assert "backtest: the log against 3 simulated 3-day logs" in out
    for channel in CHANNELS:
        for name in LABELS:
            if channel == "email" and name == label("abandon_rate"):
                assert not table_row(out, channel, name)
            else:
                assert table_row(out, channel, name), (channel, name)
    assert "backtest in bt/ (backtest.csv, intraday.csv, report.html)" in out

    html = (bt / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') >= 1
    assert "</html>" in html.lower()


# ---------------------------------------------------------------- 3. refused input

def _answered(text: pd.DataFrame, at_least: int) -> int:
    """The first row index from `at_least` on of a contact that was answered."""
    return int(text.index[(text.answered != "") & (text.index >= at_least)][0])


def _earlier(stamp: str, minutes: int) -> str:
    return (pd.Timestamp(stamp) - pd.Timedelta(minutes=minutes)).strftime(ISO)


class Refusal(NamedTuple):
    """What a case expects in the error line, and how it runs `sim fit`: LOG, the options, and
    whether --agents agents.csv is given (--out fitted.toml and --deferred email unless the
    options say otherwise; always --backtest into bt/)."""

    expected: list[str]
    options: tuple[str, ...] = ()
    log: str = "contacts.csv"
    agents: bool = True


def case_missing_column(folder, contacts, agents):
    write_csv(contacts.drop(columns="answered"), folder / "contacts.csv")
    return Refusal(["contacts.csv: no column 'answered' (columns: arrival, channel, ended; "
                    "map names with --columns answered=NAME)"])


def case_bad_timestamp(folder, contacts, agents):
    contacts.loc[40, "arrival"] = "yesterday at nine"
    write_csv(contacts, folder / "contacts.csv")
    # the header is row 1, so index 40 is row 42
    return Refusal(["contacts.csv: row 42, column 'arrival': 'yesterday at nine' is not a "
                    "timestamp"])


def case_bad_timestamp_of_a_mapped_column(folder, contacts, agents):
    contacts.loc[7, "ended"] = "2026-06-01T99:00:00"
    write_csv(contacts.rename(columns={"ended": "End"}), folder / "contacts.csv")
    return Refusal(["contacts.csv: row 9, column 'End' (ended): '2026-06-01T99:00:00' is not a "
                    "timestamp"], ("--columns", "ended=End"))


def case_answered_before_arrival(folder, contacts, agents):
    i = _answered(contacts, 100)
    contacts.loc[i, "answered"] = _earlier(contacts.loc[i, "arrival"], 5)
    write_csv(contacts, folder / "contacts.csv")
    return Refusal([f"contacts.csv: row {i + 2}: answered (", ") is before arrival ("])


def case_ended_before_answered(folder, contacts, agents):
    i = _answered(contacts, 200)
    contacts.loc[i, "ended"] = _earlier(contacts.loc[i, "answered"], 1)
    write_csv(contacts, folder / "contacts.csv")
    return Refusal([f"contacts.csv: row {i + 2}: ended (", ") is before answered ("])


def case_unknown_channel_in_agents(folder, contacts, agents):
    agents.loc[57, "channel"] = "fax"
    write_csv(agents, folder / "agents.csv")
    return Refusal(["agents.csv: row 59, column 'channel': 'fax' is not a channel of the log "
                    "(channels: chat, email, phone)"])


def case_backtest_without_agents(folder, contacts, agents):
    return Refusal(["--backtest: give --agents"], agents=False)


def case_deferred_not_in_the_log(folder, contacts, agents):
    return Refusal(["--deferred: fax is not a channel of the log (channels: chat, email, "
                    "phone)"], ("--deferred", "fax"))


def case_interval_that_does_not_divide_a_day(folder, contacts, agents):
    return Refusal(["--interval 7min: must divide a day"], ("--interval", "7min"))


def case_out_not_toml(folder, contacts, agents):
    return Refusal(["--out x.txt: a scenario file ends in .toml"], ("--out", "x.txt"))


def case_out_that_is_a_folder(folder, contacts, agents):
    (folder / "plan.toml").mkdir()
    return Refusal(["--out plan.toml: "], ("--out", "plan.toml"))


def case_out_under_a_file(folder, contacts, agents):
    (folder / "plans").write_text("a file\n", encoding="utf-8")
    return Refusal(["--out plans/plan.toml: "], ("--out", "plans/plan.toml"))


def case_log_that_does_not_exist(folder, contacts, agents):
    return Refusal(["nowhere.csv: no such file"], log="nowhere.csv")


def case_log_that_is_a_folder(folder, contacts, agents):
    (folder / "folder.csv").mkdir()
    return Refusal(["folder.csv: not a regular file"], log="folder.csv")


def case_empty_file(folder, contacts, agents):
    (folder / "empty.csv").write_bytes(b"")
    return Refusal(["empty.csv: empty file"], log="empty.csv")


def case_bad_columns_entry(folder, contacts, agents):
    return Refusal(["--columns: 'queue' is not NAME=COLUMN"],
                   ("--columns", "arrival=CallStart,queue"))


def case_not_csv_or_parquet(folder, contacts, agents):
    write_csv(contacts, folder / "contacts.xlsx")
    return Refusal(["contacts.xlsx: cannot tell the format of '.xlsx' (a log is .csv, "
                    ".parquet, .pq)"], log="contacts.xlsx")


Case = Callable[[Path, pd.DataFrame, pd.DataFrame], Refusal]
CASES: dict[str, Case] = {name.removeprefix("case_").replace("_", "-"): fn
                          for name, fn in globals().copy().items() if name.startswith("case_")}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory, small) -> dict[str, tuple[Path, set[str], list[str], Result]]:
    """Each case run in its own folder, with --backtest so that a run let through would
    write a backtest folder too: (folder, its files before, expected, result)."""
    jobs, setup = {}, {}
    for name, case in CASES.items():
        folder = tmp_path_factory.mktemp(name)
        contacts, agents = as_text(small[0]), as_text(small[1])
        write_csv(contacts, folder / "contacts.csv")
        write_csv(agents, folder / "agents.csv")
        refusal = case(folder, contacts, agents)
        options = list(refusal.options)
        if "--out" not in options:
            options += ["--out", "fitted.toml"]
        if "--deferred" not in options:
            options += ["--deferred", "email"]
        if refusal.agents:
            options += ["--agents", "agents.csv"]
        jobs[name] = (["fit", refusal.log, *options, "--backtest", "--backtest-out", "bt",
                       "-n", 2], folder)
        setup[name] = (folder, listing(folder), refusal.expected)
    results = run_together(jobs)
    return {name: (*setup[name], results[name]) for name in CASES}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_with_one_line_and_nothing_written(refusals, case):
    folder, before, expected, result = refusals[case]
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    for part in expected:
        assert part in result.stderr, (part, result.stderr)
    assert listing(folder) == before  # no scenario, no backtest folder, no results/
    assert not (folder / "fitted.toml").exists() and not (folder / "x.txt").exists()
    assert not (folder / "bt").exists() and not (folder / "results").exists()


def test_the_row_a_refusal_names_is_the_broken_line_of_the_file(refusals):
    """A spreadsheet's row number is the file's line number here (no field spans lines)."""
    for case, broken in (("bad-timestamp", "yesterday at nine"),
                         ("bad-timestamp-of-a-mapped-column", "2026-06-01T99:00:00")):
        folder, _, _, result = refusals[case]
        row = int(re.search(r": row (\d+),", result.stderr).group(1))
        assert broken in (folder / "contacts.csv").read_text().splitlines()[row - 1]
    folder, _, _, result = refusals["unknown-channel-in-agents"]
    row = int(re.search(r": row (\d+),", result.stderr).group(1))
    assert (folder / "agents.csv").read_text().splitlines()[row - 1].split(",")[1] == "fax"


# ---------------------------------------------------------------- 4-6. the log read otherwise

@pytest.fixture(scope="module")
def variants(tmp_path_factory, small) -> dict[str, tuple[Path, Result]]:
    """The 3-day log fitted in its own folder each way: as CSV with other names (and column
    order, and an extra column) and as parquet, both like the backtest's run (--deferred email
    --agents); and with three bad rows under --drop-bad. (folder, result) by name."""
    contacts, agents = small
    folders = {name: tmp_path_factory.mktemp(name) for name in ("renamed", "parquet",
                                                                "drop-bad")}
    renamed = contacts.rename(columns={"arrival": "CallStart", "channel": "Queue",
                                       "answered": "Answer", "ended": "End"})
    renamed.insert(0, "Id", range(len(renamed)))
    write_csv(renamed[["Id", "Queue", "End", "CallStart", "Answer"]],
              folders["renamed"] / "contacts.csv")
    contacts.to_parquet(folders["parquet"] / "contacts.parquet", index=False)
    for folder in folders.values():
        write_csv(agents, folder / "agents.csv")
    bad = as_text(contacts)
    bad.loc[30, "arrival"] = "not a time"
    i = _answered(bad, 300)
    bad.loc[i, "answered"] = _earlier(bad.loc[i, "arrival"], 10)
    j = _answered(bad, 600)
    bad.loc[j, "ended"] = _earlier(bad.loc[j, "answered"], 1)
    write_csv(bad, folders["drop-bad"] / "contacts.csv")
    common = ["--out", "fitted.toml", "--deferred", "email"]
    quiet = [*common, "--agents", "agents.csv", "-q"]
    results = run_together({
        "renamed": (["fit", "contacts.csv", *quiet, "--columns",
                     "arrival=CallStart,channel=Queue,answered=Answer,ended=End"],
                    folders["renamed"]),
        "parquet": (["fit", "contacts.parquet", *quiet], folders["parquet"]),
        "drop-bad": (["fit", "contacts.csv", *common, "--drop-bad"], folders["drop-bad"]),
    })
    return {name: (folders[name], results[name]) for name in results}


@pytest.fixture(scope="module")
def dropped(variants, small) -> tuple[Path, int, Result]:
    """The log with three bad rows under --drop-bad: (folder, rows in the file, result)."""
    return *variants["drop-bad"][:1], len(small[0]), variants["drop-bad"][1]


def test_drop_bad_skips_the_bad_rows_and_says_how_many(dropped):
    folder, rows, result = dropped
    assert_ok(result)
    assert result.stderr.startswith(f"warning: --drop-bad: 3 of {rows:,} rows of the log "
                                    "skipped (the first: contacts.csv: row 32, column "
                                    "'arrival': 'not a time' is not a timestamp)")
    assert result.stderr.count("\n") == 1, result.stderr
    text = unwrapped((folder / "fitted.toml").read_text(encoding="utf-8"))
    assert f"from contacts.csv: {rows:,} rows (3 dropped as bad)" in text.splitlines()[0]
    counted = [int(m.replace(",", "")) for m in re.findall(r"^# \w+: ([\d,]+) contacts in ",
                                                           text, flags=re.M)]
    assert len(counted) == len(CHANNELS) and sum(counted) == rows - 3


# Regression: the table's title once counted the rows read, bad ones too, as contacts fitted.
def test_drop_bad_table_counts_the_contacts_fitted(dropped):
    _, rows, result = dropped
    assert (f"fitted from contacts.csv: {rows - 3:,} contacts (3 bad rows skipped), 3 days"
            in result.stdout)


def _fitted(variants, name: str) -> str:
    folder, result = variants[name]
    assert_ok(result)
    assert result.stdout == "" and result.stderr == ""  # -q
    return (folder / "fitted.toml").read_text(encoding="utf-8")


def _standard(small_folder, backtest) -> str:
    """The scenario of the same log with the standard names, written by the backtest run."""
    assert_ok(backtest)
    return (small_folder / "fitted.toml").read_text(encoding="utf-8")


def test_columns_maps_other_names_to_the_same_scenario(variants, small_folder, backtest):
    assert _fitted(variants, "renamed") == _standard(small_folder, backtest)


def test_parquet_gives_the_same_scenario_as_csv(variants, small_folder, backtest):
    parquet = _fitted(variants, "parquet")
    assert parquet.splitlines()[0].startswith("# Fitted by `sim fit` from contacts.parquet: ")
    # the same text but for the file name the header cites
    assert (parquet.replace("from contacts.parquet: ", "from contacts.csv: ", 1)
            == _standard(small_folder, backtest))


# ---------------------------------------------------------------- 7. determinism

def assert_same_backtest(folder: Path, reference: Path) -> None:
    assert {p.name for p in folder.iterdir()} == BACKTEST_FILES
    for name in ("backtest.csv", "intraday.csv"):
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), (folder, name)


def assert_same_fit(folder: Path, name: str) -> None:
    """The scenario `name`.toml is fitted.toml but for its name: the fit has no randomness."""
    text = (folder / f"{name}.toml").read_text(encoding="utf-8")
    fitted = (folder / "fitted.toml").read_text(encoding="utf-8")
    assert text.replace(f'name = "{name}"', 'name = "fitted"', 1) == fitted


def test_the_same_backtest_twice_gives_the_same_files(small_folder, backtests):
    for result in backtests.values():
        assert_ok(result)
    assert backtests["again"].stdout == ""  # -q
    assert_same_backtest(small_folder / "results" / "again-backtest", small_folder / "bt")
    assert_same_fit(small_folder, "again")


@pytest.mark.slow
def test_the_backtest_is_the_same_on_two_workers_and_another_seed_differs(small_folder,
                                                                         backtest):
    assert_ok(backtest)
    results = run_together({
        "w2": (["fit", "contacts.csv", "--out", "w2.toml", *BACKTEST, "-w", 2, "-q",
                "--backtest-out", "bt-w2"], small_folder),
        "seed": (["fit", "contacts.csv", "--out", "seed.toml", *BACKTEST, "--seed", 5, "-q",
                  "--backtest-out", "bt-seed"], small_folder)})
    for result in results.values():
        assert_ok(result)
        assert result.stdout == ""
    assert_same_backtest(small_folder / "bt-w2", small_folder / "bt")
    assert ((small_folder / "bt-seed" / "backtest.csv").read_bytes()
            != (small_folder / "bt" / "backtest.csv").read_bytes())
    for name in ("w2", "seed"):
        assert_same_fit(small_folder, name)


# ---------------------------------------------------------------- 8. --help

def test_help_mentions_every_option():
    result = sim("fit", "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: sim fit ")
    named = ["LOG", "--out", "--columns", "--interval", "--deferred", "--agents", "--drop-bad",
             "--backtest", "--backtest-out", "-n", "--replications", "--seed", "-w",
             "--workers", "-q", "--quiet", "--scheduler"]
    commands = next(a for a in build_parser()._actions
                    if isinstance(a, argparse._SubParsersAction))
    fit = commands.choices["fit"]
    declared = [s for a in fit._actions for s in a.option_strings] + ["LOG"]
    for option in dict.fromkeys(named + declared):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", result.stdout), option


# ---------------------------------------------------------------- names and intervals
# Regressions: a channel or file name with brackets was read as rich markup (lost, or a
# MarkupError after the scenario was written), and a 15-minute --interval with a 30-minute
# staffing file left every second interval with no agents.

@pytest.fixture(scope="module")
def odd(tmp_path_factory, small) -> dict[str, tuple[Path, Result]]:
    """A log named log[v2].csv with a channel [/x], and the 3-day log fitted at 15 minutes:
    (folder, result)."""
    contacts, agents = small
    jobs, folders = {}, {}
    for name, log, options in (
            ("markup", "log[v2].csv", []),
            ("interval-15min", "contacts.csv", ["--agents", "agents.csv", "--interval",
                                                "15min"])):
        folder = folders[name] = tmp_path_factory.mktemp(name)
        frame = (contacts.assign(channel=contacts.channel.replace("chat", "[/x]"))
                 if name == "markup" else contacts)
        write_csv(frame, folder / log)
        write_csv(agents, folder / "agents.csv")
        jobs[name] = (["fit", log, "--out", "fitted.toml", "--deferred", "email", *options],
                      folder)
    results = run_together(jobs)
    return {name: (folders[name], results[name]) for name in jobs}


def test_names_with_brackets_are_shown_as_they_are(odd):
    folder, result = odd["markup"]
    assert_ok(result)
    assert "fitted from log[v2].csv: " in result.stdout
    assert table_row(result.stdout, "[/x]")
    text = (folder / "fitted.toml").read_text(encoding="utf-8")
    assert "from log[v2].csv: " in text.splitlines()[0]
    assert "[/x]" in tomllib.loads(text)["channels"]


def test_a_finer_interval_than_the_staffing_file_keeps_its_agents(odd, small_folder,
                                                                   backtest):
    folder, result = odd["interval-15min"]
    assert_ok(result)
    fine = tomllib.loads((folder / "fitted.toml").read_text(encoding="utf-8"))
    coarse = tomllib.loads(_standard(small_folder, backtest))
    assert fine["interval"] == "15min"
    for channel in CHANNELS:
        agents = fine["pools"][channel]["agents"]
        assert len(agents) == 96
        # each 30-minute row of the staffing file holds for both its 15-minute intervals
        assert agents[0::2] == agents[1::2] == coarse["pools"][channel]["agents"], channel
