"""`sim sweep`: a scenario at every point of a grid of key values, on dask.distributed."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from sim.cli.common import EXIT_BAD_INPUT, add_run_options, error, out_folder, progress, warn
from sim.scenario.load import ScenarioError, load_scenario


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "sweep", help="run a scenario at every point of a grid of key values",
        description="Run FILE at every combination of the --set values, every point with the "
                    "same seed, on dask.distributed (a local cluster of -w worker processes, "
                    "or --scheduler). Each finished point is stored in OUT/points/, so a sweep "
                    "started again skips it. Writes sweep.parquet, sweep.csv and sweep.png.",
    )
    cmd.add_argument("scenario", type=Path, metavar="FILE", help="scenario file (TOML)")
    cmd.add_argument("--set", dest="sets", action="append", required=True,
                     metavar="KEY=VALUES",
                     help="a dotted scenario key and its values: a:b:step (inclusive range) "
                          "or x,y,z (list); repeat for a grid, e.g. "
                          "--set pools.phone.agents=40:60:2 --set choice.preset=survey-2010,"
                          "survey-2015")
    cmd.add_argument("--plot", metavar="CHANNEL:METRIC",
                     help="the metric sweep.png shows against the first key (default "
                          "all:service_level, else all:wait_mean)")
    cmd.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                     help="a running dask scheduler to use instead of a local cluster")
    add_run_options(cmd, "results/sweep-<scenario name>/")
    return cmd


def main(args: argparse.Namespace, console: Console) -> int:
    import tomllib

    from sim.report.sweep import parse_plot
    from sim.runner.grid import apply, expand, label
    from sim.runner.sweep import Point
    from sim.scenario.load import parse_scenario

    file: Path = args.scenario
    try:
        base = load_scenario(file)  # the file itself must be valid
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except ScenarioError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    try:
        grid = expand(args.sets)
        plot = parse_plot(args.plot) if args.plot is not None else None
    except ValueError as err:
        error(console, f"{file}: {err}")
        return EXIT_BAD_INPUT
    points = []
    try:
        for values in grid:
            source = f"{file} with {label(values)}"
            try:
                changed = apply(data, values)
            except ValueError as err:
                raise ScenarioError(f"{source}: {err}") from None
            points.append(Point(values, parse_scenario(changed, source=source)))
    except ScenarioError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    out = out_folder(args, f"sweep-{base.name}", console)
    if out is None:
        return EXIT_BAD_INPUT
    return _run_sweep(args, points, plot, out, console)


def _run_sweep(args: argparse.Namespace, points, plot, out: Path, console: Console) -> int:
    from sim.report.sweep import write_sweep
    from sim.runner.sweep import sweep

    with progress(args, console) as bar:
        task = bar.add_task("sweep: points", total=len(points))
        try:
            result = sweep(points, out, replications=args.replications, seed=args.seed,
                           workers=args.workers, scheduler=args.scheduler,
                           on_done=lambda _: bar.advance(task))
        except OSError as err:  # e.g. no scheduler at --scheduler
            error(console, f"--scheduler {args.scheduler}: cannot connect: {err}"
                   if args.scheduler else str(err))
            return EXIT_BAD_INPUT
    paths, missing = write_sweep(result, out, plot)
    if missing:
        warn(console, missing)
    if not args.quiet:
        print(f"{result.points} points ({result.skipped} already done) in "
              f"{result.seconds:.1f} s; results in {out}/ "
              f"({', '.join(p.name for p in paths)}, points/)")
    return 0
