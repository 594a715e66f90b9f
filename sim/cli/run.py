"""`sim run`: replications of one scenario, a summary on the terminal, files in a folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console
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
    release_memory,
    run_kwargs,
)
from sim.metrics.display import number
from sim.runner.executors import SchedulerError
from sim.runner.precision import PrecisionError
from sim.runner.run import RunResult, run
from sim.scenario.load import ScenarioError, load_scenario

CHANNEL_METRICS = {"offered": "offered", "abandon_rate": "abandon rate",
                   "wait_mean": "wait (s)", "service_level": "service level",
                   "first_response_mean": "reply (s)"}
POOL_METRICS = {"agents": "agents", "occupancy": "occupancy", "cost": "cost"}
NEED_METRICS = {"escalation_rate": "contacts that led to another contact",
                "transfers_per_need": "channel changes per need",
                "resolved_share": "needs resolved",
                "resolution_time_mean": "time to resolution (s)",
                "self_service_share": "needs resolved by self-service",
                "public_complaints": "public complaints",
                "unanswered_impressions": "impressions while unanswered",
                "reply_impressions": "impressions of the brand's replies"}


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
        with staged(out) as stage, RecordFiles(stage, args.records) as sink:
            with progress(args, console) as bar:
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
        if outcome:
            print(outcome)
        print(f"{result.contacts_simulated:,} contacts in {result.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"report: {paths[-1]}")
    return 0


def summary(result: RunResult) -> list[Table]:
    """Small tables that fit a terminal: channels, pools, then needs and the public view
    (mean ± CI half-width)."""
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
        journeys.add_row(NEED_METRICS[row.name], _cell(row).replace("\n", " "))
    return [_table(m[~pools], CHANNEL_METRICS, "channel", title),
            _table(m[pools], POOL_METRICS, "pool", None), journeys]


def _table(m, metrics: dict[str, str], first: str, title: str | None) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(first, no_wrap=True, min_width=7)
    shown = [name for name in metrics if name in set(m.metric)]
    for name in shown:
        table.add_column(metrics[name], justify="right", no_wrap=True)
    for channel, rows in m.groupby("channel", sort=False):
        by_metric = rows.set_index("metric")
        table.add_row(channel.removeprefix("pool:"),
                      *(_cell(by_metric.loc[n]) if n in by_metric.index else "" for n in shown))
    return table


def _cell(row) -> str:
    mean, low, high = row["mean"], row["ci_low"], row["ci_high"]
    if mean != mean:
        return "-"
    text = number(mean)
    if high == high and high != low:
        text += f"\n[dim]±{number((high - low) / 2, 2)}[/]"
    return text
