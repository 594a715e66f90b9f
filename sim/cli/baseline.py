"""`sim baseline`: run scenarios under their policies and store what `sim check` compares
with, one JSON file per scenario file and policy in baselines/."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.cli.common import (
    EXIT_BAD_INPUT,
    error,
    progress,
    warn,
    whole_number,
    writable_folder,
)
from sim.runner.run import DEFAULT_SEED

BASELINES = Path("baselines")
SCENARIOS = Path("scenarios")
REPLICATIONS = 30  # enough for a sharp paired test; every shipped baseline checks in < 1 min


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "baseline", help="store the metrics that `sim check` compares with",
        description="Run each scenario under its own policy (or each of --policies) and store, "
                    "per checked metric, every replication's value with the seeds, the "
                    "scenario hash and the version, in OUT/<file stem>--<policy>.json. "
                    "Commit the files; `sim check` runs the same seeds again and fails on a "
                    "regression. A baseline file (.json) given as FILE is made again from its "
                    "own scenario, policy, seed and replications (after an intended change). "
                    "A file's `tolerances` are kept when it is made again.",
    )
    cmd.add_argument("scenarios", type=Path, nargs="*", metavar="FILE",
                     help=f"scenario files (TOML) or baseline files (JSON) (default: every "
                          f"{SCENARIOS}/*.toml)")
    cmd.add_argument("-p", "--policies", metavar="P1,P2,...",
                     help="comma-separated policies to run each scenario under (default: the "
                          "scenario's own)")
    cmd.add_argument("-n", "--replications", type=whole_number(2), default=REPLICATIONS,
                     metavar="N", help=f"replications per baseline (default {REPLICATIONS})")
    cmd.add_argument("--seed", type=whole_number(0), default=DEFAULT_SEED, metavar="S",
                     help=f"seed of the random streams (default {DEFAULT_SEED})")
    add_tolerance_option(cmd, "store a tolerance in the baselines made")
    cmd.add_argument("--out", type=Path, metavar="DIR",
                     help=f"folder of the baseline files (default {BASELINES}/; a baseline "
                          "file given as FILE is written back in place)")
    cmd.add_argument("-w", "--workers", type=whole_number(1), default=1, metavar="K",
                     help="worker processes (default 1); results do not depend on it")
    cmd.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar and no table")
    return cmd


def add_tolerance_option(cmd: argparse.ArgumentParser, what: str) -> None:
    cmd.add_argument("-t", "--tolerance", action="append", default=[], metavar="METRIC=VALUE",
                     help=f"{what}: METRIC or CHANNEL:METRIC, VALUE an amount in the "
                          "metric's unit (0.02, 30) or a percentage of the baseline mean "
                          "(10%%); repeat for more")


def main(args: argparse.Namespace, console: Console) -> int:
    from sim.check.baseline import BaselineError, read_baseline
    from sim.check.directions import parse_assignment
    from sim.scenario.load import ScenarioError

    files: list[Path] = args.scenarios or sorted(SCENARIOS.glob("*.toml"))
    if not files:
        error(console, f"no scenario files: give some, or run from a folder with {SCENARIOS}/")
        return EXIT_BAD_INPUT
    policies = None
    if args.policies is not None:
        policies = [name.strip() for name in args.policies.split(",")]
        if not all(policies):
            error(console, f"--policies {args.policies!r}: an empty policy name (give names "
                  "separated by commas, e.g. fifo,front-door)")
            return EXIT_BAD_INPUT
    try:
        cli_tolerances = dict(parse_assignment(text) for text in args.tolerance)
        jobs, paths = _jobs(files, policies, args)
    except (ScenarioError, BaselineError, ValueError) as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    clash = next((p for p in paths if paths.count(p) > 1), None)
    if clash is not None:
        error(console, f"{clash}: two scenario files with the same name would share this "
              "baseline; run them into different --out folders")
        return EXIT_BAD_INPUT
    for folder in dict.fromkeys(path.parent for path in paths):
        if not writable_folder(folder, console):
            return EXIT_BAD_INPUT
    for k, path in enumerate(paths):  # a file made again keeps its own tolerances
        source, scenario, seed, replications, tolerances = jobs[k]
        if path.exists() and not tolerances:
            try:
                tolerances = read_baseline(path).tolerances
            except BaselineError as err:
                warn(console, f"replacing a baseline that cannot be read ({err})")
        jobs[k] = (source, scenario, seed, replications, {**tolerances, **cli_tolerances})
    return _make(args, jobs, paths, console)



def _jobs(files: list[Path], policies: list[str] | None,
          args: argparse.Namespace) -> tuple[list, list[Path]]:
    """What to run, as (source file, scenario with its policy, seed, replications,
    tolerances), and the baseline file each goes to. A baseline file given as FILE is made
    again from its own record and, without --out, written back in place. ScenarioError,
    BaselineError or ValueError for what cannot be used."""
    from sim.check.baseline import file_name, read_baseline
    from sim.runner.compare import policy_arms
    from sim.scenario.load import load_scenario

    jobs, paths = [], []
    for file in files:
        if file.suffix == ".json":
            if policies is not None:
                raise ValueError(f"{file}: a baseline file is made again under its own "
                                 "policy; give --policies with scenario files only")
            old = read_baseline(file)
            scenario = policy_arms(load_scenario(old.scenario), [old.policy],
                                   source=str(old.scenario))[0]
            jobs.append((old.scenario, scenario, old.seed, old.replications, old.tolerances))
            paths.append(file if args.out is None
                         else args.out / file_name(old.scenario, old.policy))
            continue
        loaded = load_scenario(file)
        for scenario in policy_arms(loaded, policies or [loaded.policy.name], str(file)):
            jobs.append((file, scenario, args.seed, args.replications, {}))
            paths.append((args.out or BASELINES) / file_name(file, scenario.policy.name))
    return jobs, paths

def _make(args: argparse.Namespace, jobs: list, paths: list[Path], console: Console) -> int:
    from sim.check.baseline import make_baseline, write_baseline
    from sim.check.measure import measure

    start = time.perf_counter()
    with progress(args, console) as bar:
        task = bar.add_task("baselines: replications", total=sum(job[3] for job in jobs))
        values = measure([(scenario, seed, n) for _, scenario, seed, n, _ in jobs],
                         workers=args.workers, on_done=lambda _k: bar.advance(task))
    table = Table(title="baselines", title_justify="left")
    for column in ("file", "policy", "metrics", "replications"):
        table.add_column(column, justify="left" if column in ("file", "policy") else "right")
    for (source, scenario, seed, n, tolerances), v, path in zip(jobs, values, paths,
                                                                 strict=True):
        baseline = make_baseline(scenario, source, v, seed, n, tolerances)
        write_baseline(baseline, path)
        table.add_row(str(path), baseline.policy, str(len(baseline.values)), str(n))
    if not args.quiet:
        Console().print(table)
    folders = ", ".join(f"{folder}/" for folder in dict.fromkeys(p.parent for p in paths))
    print(f"{len(paths)} baselines written to {folders} in "
          f"{time.perf_counter() - start:.1f} s; commit them, then `sim check` compares with "
          "them")
    return 0

