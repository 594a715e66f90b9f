"""Speed of Frontdoor, measured side by side in one run (issue 13, point 4): `make bench`.

Run: `.venv/bin/python bench/speed.py [--json PATH]` (about a minute on 2 cores). It prints
one table and, with --json, writes the same figures to PATH. Not a test; it exits 1 only when
the engine's or the lean loop's mean wait is off Erlang C by more than 10% (then the rows do
not measure the same work). Missed targets are flagged in the table, not failed.

The model, M/M/50 at load 0.9: Poisson arrivals at 450 an hour, exponential handle times with
mean 6 min, 50 agents, FIFO, nobody abandons, no warm-up. Erlang C mean wait: 26.2 s.
It is written once as a scenario TOML in a temporary folder; every Frontdoor row runs that file.

- engine: `simulate(scenario, replication_seed(20150101, 0))` on ~2M contacts, in this
  process, median of 3 rounds. The seed is `sim run`'s default, so it replays the same
  replication as the whole command below (same contact count).
- lean SimPy loop: the same model at SimPy's leanest (timeouts with callbacks, a deque and a
  free-server counter; inter-arrival and handle times drawn in numpy blocks, arrival and
  answer times recorded in preallocated array('d')), ~2M contacts, median of 3.
- Ciw 3: the same model, ~150k contacts (it is slow), median of 3; building the network and
  collecting the records included.
- whole command: `sim run FILE -n 1 --out DIR -q` as a subprocess on ~2M contacts (start-up,
  metrics, files, plots and report included): contacts_simulated (DIR/run.json) / wall time,
  and its peak RSS. Start-up is the peak RSS of `sim run scenarios/erlang-c.toml -n 1`;
  bytes per contact above start-up = (peak - start-up peak) / contacts. Then `-n 4 -w 2` at
  500k contacts a replication (the same 2M in all). One round each (they are the slow rows).
  Each command runs under a small probe process that times it and reads
  getrusage(RUSAGE_CHILDREN), so the peak is that command's alone.
- four-channel day: 20 replications of scenarios/baseline-2015.toml via `simulate`
  (`replication_seed(20150101, r)`) in this process: contacts / wall time, one core, median
  of 3 rounds.

Contacts are every contact the engine recorded (len(records)); contacts/s are on one core
unless a row says otherwise. The engine may change under this script: it only uses
`simulate`, `replication_seed`, `load_scenario`, `mmc_mean_wait` and the `sim run` command.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections import deque
from pathlib import Path

import ciw
import numpy as np
import simpy

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.scenario.load import load_scenario
from sim.theory.erlang import mmc_mean_wait

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline-2015.toml"
TINY = ROOT / "scenarios" / "erlang-c.toml"

AGENTS = 50
PER_HOUR = 450.0
RATE = PER_HOUR / 3600  # arrivals a second
MEAN_SERVICE = 360.0  # seconds (6 min)
SEED = 20150101  # `sim run`'s default seed

CONTACTS = 2_000_000  # engine, lean loop, the whole command with -n 1
PARALLEL_CONTACTS = 500_000  # per replication of `-n 4 -w 2`
CIW_CONTACTS = 150_000
DAY_REPLICATIONS = 20
ROUNDS = 3
WAIT_TOLERANCE = 0.10  # relative, against Erlang C; 2M contacts have a standard error ~3%

# the targets
MIN_WHOLE_OVER_CIW = 10.0
MIN_ENGINE_OVER_LEAN = 0.8
MAX_BYTES_ABOVE_START_UP = 100
MIN_ENGINE_SPEED = 350_000  # contacts/s, kept from the earlier bench/test_bench_mmc.py
DAY_BEFORE = 140_000  # the four-channel day's contacts/s before issue 13

MMC_TOML = """\
# M/M/50 at load 0.9, written by bench/speed.py
name = "mmc-bench"
horizon = {horizon}       # seconds: {contacts:,} expected contacts at 450 an hour
warmup = 0
policy = "fifo"

[demand]
per_hour = 450

[choice.default]
phone = 1.0

[channels.phone]
kind = "realtime"
handle_time = {{ dist = "exponential", mean = "6min" }}

[pools.phone]
skills = ["phone"]
agents = 50
"""


def write_mmc(folder: Path, contacts: int) -> Path:
    path = folder / f"mmc-{contacts}.toml"
    path.write_text(MMC_TOML.format(horizon=contacts / RATE, contacts=contacts),
                    encoding="utf-8")
    return path


def rounds(function, summarize=lambda result: result, n: int = ROUNDS) -> tuple[list, list]:
    """Wall times of `n` calls of `function`, and `summarize` of each result (off the clock)."""
    walls, summaries = [], []
    for _ in range(n):
        start = time.perf_counter()
        result = function()
        walls.append(time.perf_counter() - start)
        summaries.append(summarize(result))
        del result  # a 2M-contact result is ~160 MB: one alive at a time
    return walls, summaries


def speed(contacts: int, walls: list[float], **extra) -> dict:
    median = statistics.median(walls)
    return {"contacts": contacts, "seconds": median, "contacts_per_second": contacts / median,
            "round_seconds": walls, **extra}


# ---- the engine ------------------------------------------------------------------------------

def engine(scenario_file: Path) -> dict:
    scenario = load_scenario(scenario_file)
    def summarize(records) -> tuple[int, float, float]:
        answered = ~np.isnan(records.answered)
        wait = float(np.mean(records.answered[answered] - records.arrival[answered]))
        return len(records), wait, records.nbytes / len(records)

    walls, results = rounds(lambda: simulate(scenario, replication_seed(SEED, 0)), summarize)
    contacts, wait, nbytes = results[-1]
    return speed(contacts, walls, mean_wait=wait, record_bytes_per_contact=nbytes)


# ---- a lean SimPy loop -----------------------------------------------------------------------

def lean_simpy(contacts: int, seed: int) -> tuple[int, float]:
    """M/M/c in SimPy at its leanest; returns (contacts arrived, mean wait of those answered)."""
    rng = np.random.default_rng(seed)
    room = int(contacts + 10 * math.sqrt(contacts))  # more than any Poisson count will need
    gaps = rng.exponential(1 / RATE, room).tolist()
    handle = rng.exponential(MEAN_SERVICE, room).tolist()
    arrival = array("d", bytes(8 * room))
    answered = array("d", [math.nan]) * room
    env = simpy.Environment()
    timeout = env.timeout
    queue: deque[int] = deque()
    free = AGENTS
    arrived = 0

    def arrive(_event) -> None:
        nonlocal free, arrived
        i, now = arrived, env.now
        arrival[i] = now
        arrived = i + 1
        timeout(gaps[arrived]).callbacks.append(arrive)
        if free:
            free -= 1
            answered[i] = now
            timeout(handle[i]).callbacks.append(complete)
        else:
            queue.append(i)

    def complete(_event) -> None:
        nonlocal free
        if queue:
            i = queue.popleft()
            answered[i] = env.now
            timeout(handle[i]).callbacks.append(complete)
        else:
            free += 1

    timeout(gaps[0]).callbacks.append(arrive)
    env.run(until=contacts / RATE)
    a = np.frombuffer(arrival, count=arrived)
    w = np.frombuffer(answered, count=arrived)
    served = ~np.isnan(w)
    return arrived, float(np.mean(w[served] - a[served]))


def lean() -> dict:
    walls, results = rounds(lambda: lean_simpy(CONTACTS, SEED))
    arrived, wait = results[-1]
    return speed(arrived, walls, mean_wait=wait)


# ---- Ciw -------------------------------------------------------------------------------------

def run_ciw(seed: int, contacts: int) -> list:
    """The same M/M/c in Ciw, from building the network to collecting the records."""
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(RATE)],
        service_distributions=[ciw.dists.Exponential(1 / MEAN_SERVICE)],
        number_of_servers=[AGENTS],
    )
    q = ciw.Simulation(network)
    q.simulate_until_max_time(contacts / RATE)
    return q.get_all_records()


def ciw_row() -> dict:
    seeds = iter(range(1, 100))
    walls, results = rounds(lambda: run_ciw(next(seeds), CIW_CONTACTS),
                            lambda records: (len(records),
                                             statistics.fmean(r.waiting_time for r in records)))
    # one 150k run's mean wait is noisy (20-34 s by seed); the mean over the rounds less so
    return speed(results[-1][0], walls, version=ciw.__version__,
                 mean_wait=statistics.fmean(wait for _, wait in results))


# ---- the whole command -----------------------------------------------------------------------

def sim_command() -> list[str]:
    script = Path(sys.executable).with_name("sim")  # the venv's console script
    return [str(script)] if script.exists() else [sys.executable, "-m", "sim"]


def command(args: list[str], out: Path) -> dict:
    """`sim ARGS --out OUT -q` in a probe child that times it and reports its peak RSS."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:]); "
             "print(time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    result = subprocess.run([sys.executable, "-c", probe, *sim_command(), *args,
                             "--out", str(out), "-q"], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        sys.exit(f"sim {' '.join(args)} failed:\n{result.stderr}")
    seconds, peak_kib = result.stdout.split()[-2:]
    contacts = json.loads((out / "run.json").read_text())["contacts_simulated"]
    return {"contacts": contacts, "seconds": float(seconds),
            "contacts_per_second": contacts / float(seconds),
            "peak_rss_bytes": int(peak_kib) * 1024}


# ---- the four-channel day --------------------------------------------------------------------

def day() -> dict:
    scenario = load_scenario(BASELINE)
    walls, results = rounds(lambda: sum(len(simulate(scenario, replication_seed(SEED, r)))
                                        for r in range(DAY_REPLICATIONS)))
    return speed(results[-1], walls, replications=DAY_REPLICATIONS)


# ---- the table -------------------------------------------------------------------------------

def table(f: dict) -> str:
    theory = f["erlang_c_mean_wait"]
    mib = 2**20

    def row(label: str, r: dict, wait: bool = False) -> str:
        cells = (f"{label:<44}{r['contacts']:>11,}{r['seconds']:>9.2f}"
                 f"{r['contacts_per_second']:>13,.0f}")
        if wait:
            cells += f"{r['mean_wait']:>10.2f}"
        elif "peak_rss_bytes" in r:
            cells += f"{'':>10}{r['peak_rss_bytes'] / mib:>9,.0f}"
        return cells

    header = (f"{'':<44}{'contacts':>11}{'seconds':>9}{'contacts/s':>13}{'wait (s)':>10}"
              f"{'peak MiB':>9}")
    rule = "-" * len(header)
    lines = [
        rule,
        "M/M/50 at load 0.9 (Poisson 450/h, exponential 6 min, FIFO, no abandonment), one",
        f"core unless said; median of {ROUNDS} rounds, the sim run rows one round",
        header, rule,
        row("engine: simulate()", f["engine"], wait=True),
        row("lean SimPy loop", f["lean_simpy"], wait=True),
        row(f"Ciw {f['ciw']['version']} (wait: mean of the rounds)", f["ciw"], wait=True),
        f"{'Erlang C':<44}{'':>33}{theory:>10.2f}",
        row("sim run -n 1 (the whole command)", f["whole"]),
        row("sim run -n 4 -w 2 (500k each; 2 cores)", f["whole_parallel"]),
        row("sim run erlang-c.toml -n 1 (start-up)", f["start_up"]),
        rule,
        row(f"four-channel day: baseline-2015 x {DAY_REPLICATIONS}", f["day"]),
        rule,
    ]
    figures = [
        ("whole command / Ciw", f"{f['whole_over_ciw']:.1f}x", f">= {MIN_WHOLE_OVER_CIW:.0f}x",
         f["whole_over_ciw"] >= MIN_WHOLE_OVER_CIW),
        ("engine / lean SimPy loop", f"{f['engine_over_lean']:.2f}x",
         f">= {MIN_ENGINE_OVER_LEAN}x", f["engine_over_lean"] >= MIN_ENGINE_OVER_LEAN),
        ("four-channel day, contacts/s per core", f"{f['day']['contacts_per_second']:,.0f}",
         f"was about {DAY_BEFORE:,}", None),
        ("bytes per contact above start-up (-n 1)", f"{f['bytes_above_start_up']:,.0f}",
         f"<= {MAX_BYTES_ABOVE_START_UP}", f["bytes_above_start_up"] <= MAX_BYTES_ABOVE_START_UP),
        ("engine contacts/s (the earlier bench's)", f"{f['engine']['contacts_per_second']:,.0f}",
         f">= {MIN_ENGINE_SPEED:,}", f["engine"]["contacts_per_second"] >= MIN_ENGINE_SPEED),
        ("whole command / engine", f"{f['whole_over_engine']:.2f}x", "", None),
        ("-n 4 -w 2 / -n 1 (2 cores)", f"{f['parallel_over_whole']:.2f}x", "", None),
        ("engine's record bytes per contact", f"{f['engine']['record_bytes_per_contact']:.1f}",
         "", None),
    ]
    lines += [f"{'figure':<44}{'value':>11}   {'target':<20}"]
    for label, value, target, met in figures:
        verdict = "" if met is None else ("met" if met else "MISSED")
        lines.append(f"{label:<44}{value:>11}   {target:<20}{verdict}")
    for name in ("engine", "lean_simpy"):
        off = f[name]["mean_wait"] / theory - 1
        lines.append(f"{name} mean wait vs Erlang C: {off:+.1%} "
                     f"({'ok' if abs(off) <= WAIT_TOLERANCE else 'OFF'}, tolerance "
                     f"{WAIT_TOLERANCE:.0%})")
    lines.append(rule)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    f: dict = {"erlang_c_mean_wait": mmc_mean_wait(AGENTS, RATE, MEAN_SERVICE)}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        mmc, mmc_parallel = write_mmc(folder, CONTACTS), write_mmc(folder, PARALLEL_CONTACTS)
        steps = [
            ("engine", lambda: engine(mmc)),
            ("lean_simpy", lean),
            ("ciw", ciw_row),
            ("day", day),
            ("start_up", lambda: command(["run", str(TINY), "-n", "1"], folder / "tiny")),
            ("whole", lambda: command(["run", str(mmc), "-n", "1"], folder / "whole")),
            ("whole_parallel", lambda: command(["run", str(mmc_parallel), "-n", "4", "-w", "2"],
                                               folder / "parallel")),
        ]
        for name, step in steps:
            print(f"measuring {name} ...", file=sys.stderr, flush=True)
            f[name] = step()
    f["whole_over_ciw"] = f["whole"]["contacts_per_second"] / f["ciw"]["contacts_per_second"]
    f["engine_over_lean"] = (f["engine"]["contacts_per_second"]
                             / f["lean_simpy"]["contacts_per_second"])
    f["whole_over_engine"] = (f["whole"]["contacts_per_second"]
                              / f["engine"]["contacts_per_second"])
    f["parallel_over_whole"] = (f["whole_parallel"]["contacts_per_second"]
                                / f["whole"]["contacts_per_second"])
    f["bytes_above_start_up"] = ((f["whole"]["peak_rss_bytes"] - f["start_up"]["peak_rss_bytes"])
                                 / f["whole"]["contacts"])
    f["targets"] = {"whole_over_ciw": MIN_WHOLE_OVER_CIW, "engine_over_lean": MIN_ENGINE_OVER_LEAN,
                    "bytes_above_start_up": MAX_BYTES_ABOVE_START_UP, "day_before": DAY_BEFORE,
                    "engine_contacts_per_second": MIN_ENGINE_SPEED}
    f["python"] = platform.python_version()
    f["bench_seconds"] = time.perf_counter() - started
    print(table(f))
    print(f"(bench took {f['bench_seconds']:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(f, indent=2) + "\n", encoding="utf-8")
    theory = f["erlang_c_mean_wait"]
    off = [name for name in ("engine", "lean_simpy")
           if abs(f[name]["mean_wait"] - theory) > WAIT_TOLERANCE * theory]
    if off:
        print(f"mean wait off Erlang C by more than {WAIT_TOLERANCE:.0%}: {', '.join(off)}; "
              "the rows do not measure equal work", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
