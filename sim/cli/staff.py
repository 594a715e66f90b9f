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
    fraction,
    out_folder,
    progress,
    warn,
    whole_number,
    write_folder,
)
from sim.metrics.catalogue import label, metric
from sim.metrics.display import number, shown
from sim.scenario.load import ScenarioError, load_scenario

if TYPE_CHECKING:
    from sim.staffing.staff import StaffResult


def add(commands) -> argparse.ArgumentParser:
    from sim.staffing.sample import DEFAULT_MAX_REPLICATIONS, DEFAULT_PRECISION
    from sim.staffing.search import DEFAULT_MAX_ITERATIONS  # light: not the solver's scipy

    cmd = commands.add_parser(
        "staff", help="find the cheapest staffing (per interval, or shifts) meeting every target",
        description="Find, per reporting interval and pool, the fewest agents on duty that meet "
                    "every goal (channels' service-level targets and caps on abandonment and "
                    "mean wait, pools' occupancy caps), by simulation from an Erlang C / A "
                    "warm start; every plan on the same replications, a cell met when its "
                    "pooled value is; the replications are as many as the decisions' "
                    "precision needs. The result is checked by a confirming run on "
                    "independent replications. Pools with a [pools.NAME.roster] table get "
                    "the least-cost shifts with breaks (an integer program), repaired by "
                    "simulation. Shrinkage turns agents on duty into scheduled agents. "
                    "Writes <name>-staffed.toml, staffing.csv, roster.csv, targets.csv, "
                    "staffing.png and run.json.",
    )
    cmd.add_argument("scenario", type=Path, metavar="FILE", help="scenario file (TOML)")
    cmd.add_argument("--max-iterations", type=whole_number(1), default=DEFAULT_MAX_ITERATIONS,
                     metavar="M", help="plans to simulate at most per search (default "
                     f"{DEFAULT_MAX_ITERATIONS})")
    cmd.add_argument("--precision", type=fraction, default=DEFAULT_PRECISION, metavar="P",
                     help="the standard error a judged cell may have, for goals without an "
                     "Erlang formula (shares; relative to the cap for a mean wait) (default "
                     f"{DEFAULT_PRECISION}); a realtime service level gets a quarter of what "
                     "one agent changes there")
    cmd.add_argument("--max-replications", type=whole_number(2),
                     default=DEFAULT_MAX_REPLICATIONS, metavar="N",
                     help=f"the most replications per plan (default {DEFAULT_MAX_REPLICATIONS})")
    add_run_options(cmd, "results/staff-<scenario name>/", precision=False)
    return cmd


def main(args: argparse.Namespace, console: Console) -> int:
    from sim.staffing.cells import StaffingError, build_problem

    try:
        scenario = load_scenario(args.scenario)
        build_problem(scenario)
        if args.replications < 2:
            raise StaffingError("-n: at least 2 replications (a cell's spread needs two)")
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
        task = bar.add_task(f"{scenario.name}: plans tried", total=None)
        try:
            result = staff(args.scenario, replications=args.replications, seed=args.seed,
                           workers=args.workers, scheduler=args.scheduler,
                           max_iterations=args.max_iterations, precision=args.precision,
                           max_replications=args.max_replications,
                           on_iteration=lambda k, plan, missed: bar.update(task, advance=1))
        except SchedulerError as err:
            error(console, failure_message(err))
            return EXIT_BAD_INPUT
        except StaffingError as err:
            error(console, f"{args.scenario}: {err}")
            return EXIT_BAD_INPUT
    paths = write_folder(out, lambda folder: write_staff(result, folder, args.workers,
                                                         args.scheduler))
    if not result.met:
        warn(console, f"after {result.iterations} plans, {len(result.missed)} targets are "
             f"still missed ({missed_text(result)}); the files hold the last plan tried. "
             "Raise --max-iterations, or check that the targets can be met at all.")
    elif not result.confirmation.met:
        warn(console, "the confirming run on other seeds does not meet every goal (see the "
             "table); raise --max-replications for a more precise plan.")
    if not args.quiet:
        out_console = Console(width=max(console.width, 80))
        for table in (summary(result), confirmation_table(result), *plan_tables(result),
                      *shift_tables(result)):
            out_console.print(table)
        print(f"{result.iterations} plans ({result.simulations} simulated, "
              f"{result.replications} replications each) in {result.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"run it: sim run {paths[0]}")
    return 0


def summary(result: StaffResult) -> Table:
    """Per pool: paid agent-hours and cost of the result, of the per-interval curve and of the
    scenario file's own staffing."""
    met = result.judged - len(result.missed)
    table = Table(title=f"{result.scenario.name}: {met} of {result.judged} cells met on the "
                        f"search's {result.replications} replications (the file's own "
                        f"staffing meets {result.judged - result.original_missed})",
                  title_justify="left")
    for column in ("pool", "paid hours", "cost", "curve hours", "file hours", "file cost"):
        table.add_column(column, justify="left" if column == "pool" else "right",
                         no_wrap=True)
    pools = result.pools()
    for row in pools.itertuples():
        name = row.pool + (" (roster)" if row.rostered else "" if row.planned else " (kept)")
        table.add_row(name, number(row.agent_hours, 4), number(row.cost, 4),
                      number(row.curve_agent_hours, 4), number(row.original_agent_hours, 4),
                      number(row.original_cost, 4))
    table.add_row("all", *(number(pools[c].sum(), 4) for c in
                           ("agent_hours", "cost", "curve_agent_hours", "original_agent_hours",
                            "original_cost")), style="bold")
    return table


def confirmation_table(result: StaffResult) -> Table:
    """Each goal over the horizon in the confirming run, with its 95% CI."""
    c = result.confirmation
    table = Table(title=f"confirming run: {c.replications} other replications (from "
                        f"{c.first}); {'every goal met' if c.met else 'NOT every goal met'}",
                  title_justify="left", box=None, padding=(0, 0, 0, 2))
    for column in ("goal", "target", "value", "95% CI", "met", "cells failing"):
        table.add_column(column, justify="left" if column == "goal" else "right", no_wrap=True)
    for g in c.goals.itertuples():
        sense = "≥" if metric(g.metric).better == "higher" else "≤"
        table.add_row(f"{g.key.removeprefix('pool:')} {label(g.metric)}",
                      f"{sense} {shown(g.metric, g.bound)}", shown(g.metric, g.value),
                      f"{shown(g.metric, g.ci_low)} to {shown(g.metric, g.ci_high)}",
                      "yes" if g.met else "NO", f"{g.cells_failing} of {g.cells}")
    return table


def plan_tables(result: StaffResult) -> list[Table]:
    """Per planned pool, agents on duty required and staffed, and agents paid, by hour of the
    (average) day: two blocks of 12 hours, to fit 80 columns."""
    out = []
    plan = result.plan.assign(hour=(result.plan.interval_start % 86400 // 3600).astype(int))
    for name, rows in plan.groupby("pool", sort=False):
        hourly = rows.groupby("hour")[["required", "on_duty", "agents"]].mean()
        table = Table(title=f"{name}: agents by hour of day (mean over the hour and the days)",
                      title_justify="left", box=None, padding=(0, 0, 0, 1), show_header=False)
        for _ in range(13):
            table.add_column(justify="right", no_wrap=True, min_width=4)
        for first in range(0, len(hourly), 12):
            block = hourly.iloc[first:first + 12]
            table.add_row("hour", *(f"{h:d}h" for h in block.index), style="bold")
            for column, row_name in (("required", "need"), ("on_duty", "duty"),
                                     ("agents", "paid")):
                table.add_row(row_name, *(f"{v:.0f}" for v in block[column]))
        out.append(table)
    return out


def shift_tables(result: StaffResult) -> list[Table]:
    """The shifts of every rostered pool, one row per start and end (roster.csv has every
    break placement), with the solver's gap."""
    from sim.report.staff import roster_table

    shifts = roster_table(result)
    out = []
    for name, rows in shifts.groupby("pool", sort=False):
        s = result.rosters[name]
        table = Table(title=f"{name} roster: {int(rows['count'].sum())} shifts, "
                            f"{number(s.paid_hours, 4)} paid hours, MIP gap "
                            f"{s.gap:.2%} ({s.status})", title_justify="left")
        for column in ("start", "end", "agents", "paid hours", "breaks (first placement)"):
            table.add_column(column, justify="left" if column.startswith("breaks") else
                             "right", no_wrap=True)
        for (start, end), group in rows.groupby(["start", "end"], sort=False):
            more = len(group) - 1
            breaks = (group.breaks.iloc[0] or "-") + (f" +{more} more" if more else "")
            table.add_row(start, end, str(group["count"].sum()),
                          number(group.paid_hours.sum()), breaks)
        out.append(table)
    return out

