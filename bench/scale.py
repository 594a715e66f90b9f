"""How the whole `sim run` scales: memory per added contact, the cost of outputs on a long
horizon, and a local Dask cluster's memory and throughput, each measured on the command a user
types (a subprocess, start-up and outputs included). Not a test: run
`.venv/bin/python bench/scale.py [memory|horizon|dask]` (all three by default).

- memory: peak RSS of `sim run scenarios/baseline-2015.toml -n 40` and `-n 400` (one worker),
  and the bytes per added contact between them.
- horizon: baseline-2015 over 30 days, 2 replications: the whole command against the
  engine alone (`simulate` of the same replications in this process), and the rest.
- dask: `sim run scenarios/baseline-2015.toml --scheduler local` with 200 and 2,000
  replications on 2 workers, and 2,000 on 1 worker: contacts per second of the whole command,
  and the peak RSS of the client (the `sim` process itself, sampled every 50 ms; the
  workers are other processes), with the bytes per added contact between 200 and 2,000.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline-2015.toml"


def command(args: list[str], out: Path) -> dict:
    """Run `python -m sim ARGS --out OUT -q` in a child that reports its own peak RSS."""
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
             "r = subprocess.run(sys.argv[1:]); "
             "print(time.perf_counter() - t, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    result = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "sim", *args,
                             "--out", str(out), "-q"], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    seconds, peak_kib = result.stdout.split()
    info = json.loads((out / "run.json").read_text())
    return {"seconds": float(seconds), "peak_mib": int(peak_kib) / 1024,
            "contacts": info.get("contacts_simulated")}


def memory(folder: Path) -> None:
    rows = {n: command(["run", str(BASELINE), "-n", str(n)], folder / f"m{n}")
            for n in (40, 400)}
    for n, row in rows.items():
        print(f"-n {n}: {row['contacts']:,} contacts, peak {row['peak_mib']:.0f} MiB, "
              f"{row['seconds']:.1f} s")
    added = rows[400]["contacts"] - rows[40]["contacts"]
    grown = (rows[400]["peak_mib"] - rows[40]["peak_mib"]) * 2**20
    print(f"memory: {grown / added:.0f} bytes per added contact (target at most 20)")


def horizon(folder: Path) -> None:
    from sim.engine.simulation import simulate
    from sim.engine.streams import replication_seed
    from sim.runner.run import DEFAULT_SEED
    from sim.scenario.load import load_scenario

    text = BASELINE.read_text(encoding="utf-8")
    lines = [('horizon = "30d"' if line.startswith("horizon =") else line)
             for line in text.splitlines()]
    scenario_file = folder / "baseline-30d.toml"
    scenario_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    scenario = load_scenario(scenario_file)
    start = time.perf_counter()
    for r in range(2):
        simulate(scenario, replication_seed(DEFAULT_SEED, r))
    engine = time.perf_counter() - start
    whole = command(["run", str(scenario_file), "-n", "2"], folder / "h")["seconds"]
    print(f"30-day horizon, 2 replications: whole command {whole:.1f} s, engine {engine:.1f} s, "
          f"everything else {whole - engine:.1f} s ({(whole - engine) / engine:.2f} x the "
          "engine; target at most 0.5)")


def client_peak(args: list[str], out: Path) -> dict:
    """Run `python -m sim ARGS --out OUT -q`, sampling its own RSS (not its children's)."""
    import psutil

    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "sim", *args, "--out", str(out), "-q"],
                             cwd=ROOT)
    process, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        try:
            peak = max(peak, process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if child.wait() != 0:
        raise SystemExit(f"sim {' '.join(args)} failed")
    info = json.loads((out / "run.json").read_text())
    return {"seconds": seconds, "peak_mib": peak / 2**20,
            "contacts": info["contacts_simulated"]}


def dask(folder: Path) -> None:
    runs = {(n, w): client_peak(["run", str(BASELINE), "-n", str(n), "--scheduler", "local",
                                 "-w", str(w)], folder / f"d{n}-{w}")
            for n, w in ((200, 2), (2000, 2), (2000, 1))}
    for (n, w), row in runs.items():
        print(f"--scheduler local -w {w} -n {n}: {row['contacts']:,} contacts in "
              f"{row['seconds']:.1f} s, {row['contacts'] / row['seconds']:,.0f} contacts/s; "
              f"client peak {row['peak_mib']:.0f} MiB")
    small, large = runs[(200, 2)], runs[(2000, 2)]
    grown = (large["peak_mib"] - small["peak_mib"]) * 2**20
    print(f"dask client memory: {grown / (large['contacts'] - small['contacts']):.1f} bytes "
          "per added contact (flat: the window of replications in flight)")


def main(argv: list[str]) -> None:
    wanted = argv or ["horizon", "memory", "dask"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            {"memory": memory, "horizon": horizon, "dask": dask}[name](Path(tmp))
    print(f"(this process peaked at {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}"
          " MiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
