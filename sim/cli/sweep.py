"""`sim sweep`: a scenario at every point of a grid of key values, on dask.distributed."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from sim.cli.common import (
    EXIT_BAD_INPUT,
    add_run_options,
    error,
    failure_message,
    out_folder,
    precision_request,
    progress,
    warn,
)
from sim.runner.executors import SchedulerError
from sim.runner.precision import Precision, PrecisionError
from sim.scenario.load import ScenarioError, load_scenario
from sim.scenario.schema import Scenario


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "sweep", help="run a scenario at every point of a grid of key values",
        description="Run FILE at every combination of the --set values, every point with the "
                    "same seed, on dask.distributed (a local cluster of -w worker processes, "
                    "or --scheduler). Each finished point is stored in OUT/points/, so a sweep "
                    "started again skips it. Writes sweep.parquet, sweep.csv, sweep.png, "
                    "report.html (the chart and each point against its target) and run.json.",
    )
    cmd.add_argument("scenario", type=Path, metavar="FILE", help="scenario file (TOML)")
    cmd.add_argument("--set", dest="sets", action="append", required=True,
                     metavar="KEY=VALUES",
                     help="a dotted scenario key and its values: a:b:step (inclusive range) "
                          "or x,y,z (list); repeat for a grid, e.g. "
                          "--set pools.phone.agents=40:60:2 --set choice.preset=survey-2010,"
                          "survey-2015")
    cmd.add_argument("--plot", metavar="CHANNEL:METRIC",
                     help="the metric sweep.png and report.html show against the first key "
                          "(default all:service_level, else the first channel's wait_mean)")
    add_run_options(cmd, "results/sweep-<scenario name>/", default_scheduler="local")
    return cmd


def main(args: argparse.Namespace, console: Console) -> int:
    from sim.report.sweep import parse_plot
    from sim.runner.grid import expand
    from sim.runner.sweep import build_points

    file: Path = args.scenario
    try:
        base = load_scenario(file)
        grid = expand(args.sets)
        plot = parse_plot(args.plot) if args.plot is not None else None
    except ScenarioError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    except ValueError as err:
        error(console, f"{file}: {err}")
        return EXIT_BAD_INPUT
    try:
        points = build_points(file, grid)
        wanted = precision_request(args)
        for point in points if wanted is not None else ():
            wanted.chosen(point.scenario)
    except (ScenarioError, PrecisionError) as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    out = out_folder(args, f"sweep-{base.name}", console)
    if out is None:
        return EXIT_BAD_INPUT
    return _run_sweep(args, base, points, plot, out, wanted, console)


def _run_sweep(args: argparse.Namespace, base: Scenario, points, plot, out: Path,
               wanted: Precision | None, console: Console) -> int:
    from sim.files.folders import staged
    from sim.report.outputs import sweep_info, write_info
    from sim.report.sweep import write_sweep
    from sim.runner.sweep import keep_points, run_points

    with progress(args, console) as bar:
        task = bar.add_task("sweep: points", total=len(points))
        try:
            result = run_points(points, out, replications=args.replications, seed=args.seed,
                                workers=args.workers, scheduler=args.scheduler,
                                on_done=lambda _: bar.advance(task), precision=wanted)
        except SchedulerError as err:
            error(console, failure_message(err))
            return EXIT_BAD_INPUT
    for path in result.unreadable:
        warn(console, f"{path}: a stored point that could not be read; it was run again")
    with staged(out) as folder:
        paths, missing = write_sweep(result, folder, plot, points)
        paths.append(write_info(folder, sweep_info(result, base, args.workers,
                                                   args.scheduler)))
        keep_points(out, folder)
    paths = [out / path.name for path in paths]
    if missing:
        warn(console, missing)
    if not args.quiet:
        counts = ""
        if wanted is not None:
            used = result.point_replications
            capped = sum(n >= wanted.max_replications for n in used)
            counts = (f"; --precision {wanted.target:g}: {min(used)} to {max(used)} "
                      f"replications a point, {capped} at the cap")
        print(f"{result.points} points ({result.skipped} already done) in "
              f"{result.seconds:.1f} s{counts}; results in {out}/ "
              f"({', '.join(p.name for p in paths)}, points/)")
    return 0
