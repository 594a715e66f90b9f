"""`sim compare`: arms (policies on one file, or several files) on the same customers."""

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
    precision_outcome,
    precision_request,
    progress,
    run_kwargs,
    write_folder,
)
from sim.runner.executors import SchedulerError
from sim.runner.precision import Precision, PrecisionError
from sim.scenario.load import ScenarioError, load_scenario


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "compare", help="compare policies, or scenario files, on the same customers",
        description="Run one arm per policy (FILE --policies a,b,...) or one arm per scenario "
                    "file (A.toml B.toml ...), every arm with the same seeds, and show each "
                    "arm's metrics and its difference to the first arm with a 95%% confidence "
                    "interval. Writes compare.csv, metrics.csv, the plots (compare*.png), "
                    "run.json and report.html (a page to open in a browser).",
    )
    cmd.add_argument("scenarios", type=Path, nargs="+", metavar="FILE",
                     help="scenario file(s) (TOML): one with --policies, else two or more")
    cmd.add_argument("-p", "--policies", metavar="P1,P2,...",
                     help="comma-separated routing policies to run on the one FILE "
                          "(the first is the baseline)")
    add_run_options(cmd, "results/compare-<first scenario name>/")
    return cmd



def main(args: argparse.Namespace, console: Console) -> int:
    from sim.runner.compare import arm_labels, policy_arms

    files: list[Path] = args.scenarios
    policies = None
    if args.policies is not None:
        policies = [name.strip() for name in args.policies.split(",")]
        if any(not name for name in policies):
            error(console, f"--policies {args.policies!r}: an empty policy name "
                   "(give names separated by commas, e.g. fifo,front-door)")
            return EXIT_BAD_INPUT
        if len(files) > 1:
            error(console, f"--policies runs every policy on one scenario, but {len(files)} "
                   "files were given: give one FILE with --policies, or several files "
                   "without it (one arm per file)")
            return EXIT_BAD_INPUT
    arms = len(policies) if policies is not None else len(files)
    if arms < 2:
        error(console, "compare needs at least two arms: give --policies with two or more "
               "names (e.g. --policies fifo,front-door), or two or more scenario files")
        return EXIT_BAD_INPUT
    try:
        loaded = [load_scenario(path) for path in files]
        if policies is not None:
            scenarios = policy_arms(loaded[0], policies, source=str(files[0]))
            sources = [str(files[0])] * len(scenarios)
        else:
            scenarios, sources = loaded, [str(path) for path in files]
    except ScenarioError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    try:
        wanted = precision_request(args)
        for scenario in scenarios if wanted is not None else ():
            wanted.chosen(scenario)
    except PrecisionError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    labels = arm_labels(scenarios, files, by_policy=policies is not None)
    out = out_folder(args, f"compare-{scenarios[0].name}", console)
    if out is None:
        return EXIT_BAD_INPUT
    return _run_compare(args, scenarios, labels, sources, out, wanted, console)


def _run_compare(args: argparse.Namespace, scenarios, labels: list[str], sources: list[str],
                 out: Path, wanted: Precision | None, console: Console) -> int:
    from sim.report.compare import write_compare
    from sim.report.compare_console import console_tables
    from sim.runner.compare import compare

    with progress(args, console) as bar:
        first = wanted.first(args.replications) if wanted else args.replications
        task = bar.add_task(f"{labels[0]}: replications", total=len(labels) * first)

        def done(label: str, _replication: int) -> None:
            bar.update(task, advance=1, description=f"{label}: replications")

        try:
            comparison = compare(scenarios, labels, **run_kwargs(args, wanted), on_done=done,
                                 sources=sources,
                                 on_batch=lambda n: bar.update(task, total=len(labels) * n))
        except (SchedulerError, PrecisionError) as err:
            error(console, failure_message(err))
            return EXIT_BAD_INPUT
    paths = write_folder(out, lambda folder: write_compare(comparison, folder, args.workers,
                                                           args.scheduler))
    outcome = precision_outcome(comparison.precision, console)
    if not args.quiet:
        stdout = Console()
        for table in console_tables(comparison, width=min(stdout.width, 100)):
            stdout.print(table)
        if outcome:
            print(outcome)
        contacts = sum(arm.contacts_simulated for arm in comparison.arms)
        print(f"{len(labels)} arms, {contacts:,} contacts in {comparison.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"report: {paths[-1]}")
    return 0


