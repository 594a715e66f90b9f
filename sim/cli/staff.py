"""`sim staff`: the fewest agents per interval and pool that meet every target, by simulation."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from sim.cli.common import (
    EXIT_BAD_INPUT,
    add_run_options,
    error,
    failure_message,
    out_folder,
    progress,
    warn,
    whole_number,
)
from sim.report.formats import number
from sim.scenario.load import ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.staffing.staff import StaffResult


def add(commands) -> argparse.ArgumentParser:
    from sim.staffing.staff import DEFAULT_MAX_ITERATIONS

    cmd = commands.add_parser(
        "staff", help="find the fewest agents per interval that meet every target",
        description="Find, per reporting interval and pool, the fewest agents that meet every "
                    "channel's target (service level; first reply for email and public "
                    "channels), by simulation from an Erlang C warm start, every plan on the "
                    "same seeds. A target is met when the lower end of its 95% CI reaches "
                    "it. Writes <name>-staffed.toml (the scenario with the plan; shifts "
                    "become agents per interval), staffing.csv, targets.csv, staffing.png "
                    "and run.json.",
    )
    cmd.add_argument("scenario", type=Path, metavar="FILE", help="scenario file (TOML)")
    cmd.add_argument("--max-iterations", type=whole_number(1), default=DEFAULT_MAX_ITERATIONS,
                     metavar="M", help="plans to simulate at most (default "
                     f"{DEFAULT_MAX_ITERATIONS})")
    add_run_options(cmd, "results/staff-<scenario name>/", precision=False)
    return cmd


def main(args: argparse.Namespace, console: Console) -> int:
    from sim.staffing.cells import StaffingError, build_problem

    try:
        scenario = load_scenario(args.scenario)
        build_problem(scenario)
        if args.replications < 2:
            raise StaffingError("-n: at least 2 replications (a target is judged on its 95% "
                                "interval)")
    except ScenarioError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    except StaffingError as err:
        error(console, f"{args.scenario}: {err}")
        return EXIT_BAD_INPUT
    out = out_folder(args, f"staff-{scenario.name}", console)
    if out is None:
        return EXIT_BAD_INPUT
    from sim.report.staff import missed_text, write_staff
    from sim.runner.executors import SchedulerError
    from sim.staffing.staff import staff

    with progress(args, console) as bar:
        task = bar.add_task(f"{scenario.name}: plans tried", total=args.max_iterations)
        try:
            result = staff(args.scenario, replications=args.replications, seed=args.seed,
                           workers=args.workers, scheduler=args.scheduler,
                           max_iterations=args.max_iterations,
                           on_iteration=lambda k, plan, missed: bar.update(task, completed=k))
        except SchedulerError as err:
            error(console, failure_message(err))
            return EXIT_BAD_INPUT
        bar.update(task, total=result.iterations, completed=result.iterations)
    paths = write_staff(result, out, args.workers, args.scheduler)
    if not result.met:
        warn(console, f"after {result.iterations} plans, {len(result.missed)} targets are "
             f"still missed ({missed_text(result)}); the files hold the last plan tried. "
             "Raise --max-iterations, or check that the targets can be met at all.")
    if not args.quiet:
        Console().print(summary(result))
        print(f"{result.iterations} plans ({result.simulations} simulated, "
              f"{result.replications} replications each) in {result.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"check it with other seeds: sim run {paths[0]} --seed {args.seed + 1}")
    return 0


def summary(result: StaffResult) -> Table:
    """Per pool: agent-hours and cost of the plan against the scenario file's own staffing."""
    met = result.cells - len(result.missed)
    table = Table(title=f"{result.scenario.name}: {met} of {result.cells} targets met (channel "
                        f"x interval; the file's own staffing meets "
                        f"{result.cells - result.original_missed})", title_justify="left")
    for column in ("pool", "agent-hours", "cost", "file agent-hours", "file cost"):
        table.add_column(column, justify="left" if column == "pool" else "right",
                         no_wrap=True)
    pools = result.pools()
    for row in pools.itertuples():
        name = row.pool if row.planned else f"{row.pool} (kept)"
        table.add_row(name, number(row.agent_hours, 4), number(row.cost, 4),
                      number(row.original_agent_hours, 4), number(row.original_cost, 4))
    table.add_row("all", *(number(pools[c].sum(), 4) for c in
                           ("agent_hours", "cost", "original_agent_hours", "original_cost")),
                  style="bold")
    return table

