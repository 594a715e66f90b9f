"""`sim run`: replications of one scenario, a summary on the terminal, files in a folder."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

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
)
from sim.metrics.catalogue import label
from sim.metrics.display import half_width, shown, spread
from sim.report.targets import RULE, TargetCheck, staff_hint, target_checks
from sim.runner.executors import SchedulerError
from sim.runner.memory import release_memory
from sim.runner.precision import PrecisionError
from sim.runner.run import RunResult, run
from sim.scenario.load import ScenarioError, load_scenario

CHANNEL_METRICS = ("offered", "abandon_rate", "wait_mean", "service_level",
                   "first_response_mean")
POOL_METRICS = ("agents", "occupancy", "cost")
NEED_METRICS = ("escalation_rate", "transfers_per_need", "resolved_share",
                "resolution_time_mean", "self_service_share", "public_complaints",
                "unanswered_impressions", "reply_impressions")
VERDICT_STYLE = {"missed": "bold red", "unsure": "yellow", "met": "green"}


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "run", help="run a scenario and write its metrics",
        description="Run replications of a scenario file and write metrics.csv, "
                    "intervals.csv, contacts.parquet, needs.parquet, run.json, plots and "
                    "report.html into the output folder.",
    )
    cmd.add_argument("scenario", type=Path, metavar="FILE", help="scenario file (TOML)")
    cmd.add_argument("--records", choices=("all", "needs", "none"), default="all",
                     help="the per-record files to write: contacts.parquet and needs.parquet "
                          "(all, the default), needs.parquet only, or none (the tables only)")
    add_run_options(cmd, "results/<scenario name>/")
    return cmd


def main(args: argparse.Namespace, console: Console) -> int:
    try:
        scenario = load_scenario(args.scenario)
        wanted = precision_request(args)
        if wanted is not None:
            wanted.chosen(scenario)
    except (ScenarioError, PrecisionError) as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    out = out_folder(args, scenario.name, console)
    if out is None:
        return EXIT_BAD_INPUT
    from sim.files.folders import staged
    from sim.report.outputs import write_run
    from sim.report.records import RecordFiles

    try:
        with staged(out) as stage:
            # the record files are finished before the tables and plots are drawn: a thread
            # that holds the interpreter lock (to_csv, matplotlib) slows their writing thread
            # to a crawl
            with RecordFiles(stage, args.records) as sink, progress(args, console) as bar:
                first = wanted.first(args.replications) if wanted else args.replications
                task = bar.add_task(f"{scenario.name}: replications", total=first)
                result = run(scenario, **run_kwargs(args, wanted), records=sink,
                             on_done=lambda _: bar.advance(task),
                             on_batch=lambda n: bar.update(task, total=n))
            release_memory()
            paths = [out / p.name for p in write_run(result, stage, args.workers,
                                                     args.scheduler, args.records, sink.paths)]
    except (SchedulerError, PrecisionError) as err:
        error(console, failure_message(err))
        return EXIT_BAD_INPUT
    outcome = precision_outcome(result.precision, console)
    if not args.quiet:
        Console().print(*summary(result))
        hint = staff_hint(target_checks(result.scenario, result.metrics), str(args.scenario))
        if hint:  # printed whole, never wrapped: a command to copy
            print(hint)
        if outcome:
            print(outcome)
        print(f"{result.contacts_simulated:,} contacts in {result.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"report: {paths[-1]}")
    return 0


def summary(result: RunResult) -> list[Table]:
    """Small tables that fit a terminal: channels, pools, the scenario's targets beside the
    run's values, then needs and the public view (mean ± CI half-width)."""
    title = (f"{result.scenario.name}: {result.scenario.policy.name}, "
             f"{result.replications} replications, mean ± 95% CI half-width")
    m = result.metrics
    pools = m.channel.str.startswith("pool:")
    overall = m[(m.channel == "all") & m.metric.isin(NEED_METRICS)]
    journeys = Table(title="needs and the public view (all channels)", title_justify="left")
    journeys.add_column("metric", no_wrap=True)
    journeys.add_column("mean", justify="right", no_wrap=True)
    for _, row in overall.set_index("metric").loc[
            [n for n in NEED_METRICS if n in set(overall.metric)]].iterrows():
        journeys.add_row(label(row.name), _cell(row.name, row).replace("\n", " "))
    out = [_table(m[~pools], CHANNEL_METRICS, "channel", title),
           _table(m[pools], POOL_METRICS, "pool", None)]
    checks = target_checks(result.scenario, m)
    return [*out, *([_targets_table(checks)] if checks else []), journeys]


def _targets_table(checks: list[TargetCheck]) -> Table:
    """Each goal of the scenario beside the run's value, marked missed, unsure or met."""
    table = Table(title="targets over the measured period", title_justify="left",
                  caption=RULE, caption_justify="left")
    for column in ("where", "metric", "target", "value", ""):
        table.add_column(column, justify="right" if column == "value" else "left",
                         no_wrap=column != "")
    for c in checks:
        table.add_row(escape(c.where.removeprefix("pool:")), label(c.metric), c.goal, c.value,
                      f"[{VERDICT_STYLE[c.verdict]}]{c.verdict}[/]")
    return table


def _table(m, metrics: tuple[str, ...], first: str, title: str | None) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first, no_wrap=True, min_width=7)
    present = [name for name in metrics if name in set(m.metric)]
    for name in present:  # headers on lines of 12, so that six columns fit 80
        table.add_column(textwrap.fill(label(name), 12), justify="right", no_wrap=True)
    for channel, rows in m.groupby("channel", sort=False):
        by_metric = rows.set_index("metric")
        table.add_row(channel.removeprefix("pool:"),
                      *(_cell(n, by_metric.loc[n]) if n in by_metric.index else ""
                        for n in present))
    return table


def _cell(name: str, row) -> str:
    """The mean as `shown` gives it (a time in its unit, a share in %), and below it the CI
    half-width in the same unit."""
    mean, low, high = row["mean"], row["ci_low"], row["ci_high"]
    if mean != mean:
        return "-"
    text = shown(name, mean)
    if high == high and high != low:
        text += f"\n[dim]{half_width(name, mean, spread(mean, low, high))}[/]"
    return text
