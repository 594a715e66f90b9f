"""How the whole `sim run` scales: memory per added contact and the cost of outputs on a long
horizon, each measured on the command a user types (a subprocess, start-up and outputs
included). Not a test: run `.venv/bin/python bench/scale.py [memory|horizon]`.

- memory: peak RSS of `sim run scenarios/baseline-2015.toml -n 40` and `-n 400` (one worker),
  and the bytes per added contact between them.
- horizon: baseline-2015 over 30 days, 2 replications: the whole command against the
  engine alone (`simulate` of the same replications in this process), and the rest.
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


def main(argv: list[str]) -> None:
    wanted = argv or ["horizon", "memory"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            {"memory": memory, "horizon": horizon}[name](Path(tmp))
    print(f"(this process peaked at {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}"
          " MiB)")


if __name__ == "__main__":
    main(sys.argv[1:])
