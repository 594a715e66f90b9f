"""`sim fit`: a scenario from a contact log, and with --backtest the check that it reproduces
the log."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.cli.common import (
    EXIT_BAD_INPUT,
    add_run_options,
    error,
    failure_message,
    out_folder,
    progress,
    unwritable_folder,
    warn,
    write_folder,
)
from sim.model.units import parse_duration
from sim.runner.executors import SchedulerError

if TYPE_CHECKING:
    from sim.fit.backtest import Backtest
    from sim.fit.model import LogFit


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "fit", help="fit a scenario to a contact log (CSV or parquet), and backtest it",
        description="Fit a scenario to a contact log: one row per contact with its arrival, "
                    "channel, answered (empty if nobody took it) and ended times (ISO 8601). "
                    "Per channel: the average day's volume and profile (and weekday factors "
                    "from two weeks of log), the handle time (exponential, lognormal or gamma "
                    "by maximum likelihood and AIC, else the empirical distribution), the "
                    "patience of realtime channels by maximum likelihood with censoring (an "
                    "answered caller's patience is only known to exceed their wait), and one "
                    "pool per channel with the agents of --agents. The scenario's comments "
                    "cite the log and each fit's statistic. --backtest runs it over the log's "
                    "days with that staffing and puts the log beside the simulation.",
        epilog="Bad rows are refused with the file, the row and the column (exit 2); "
               "--drop-bad skips them and says how many.")
    cmd.add_argument("log", type=Path, metavar="LOG", help="the contact log (.csv or .parquet)")
    cmd.add_argument("--out", type=Path, metavar="FILE.toml", required=True,
                     help="the scenario to write")
    cmd.add_argument("--columns", metavar="arrival=NAME,...",
                     help="the log's names for arrival, channel, answered and ended")
    cmd.add_argument("--interval", default="30min", metavar="DURATION",
                     help="reporting interval of the profile (default 30min; divides a day)")
    cmd.add_argument("--deferred", default="", metavar="CH,...",
                     help="channels whose contacts never abandon (email, dm); the others are "
                          "realtime")
    cmd.add_argument("--agents", type=Path, metavar="FILE",
                     help="the staffing that handled the log: interval_start, channel, agents "
                          "(needed by --backtest)")
    cmd.add_argument("--drop-bad", action="store_true",
                     help="skip bad rows (and say how many) instead of refusing the log")
    cmd.add_argument("--backtest", action="store_true",
                     help="run the fitted scenario over the log's days and compare")
    add_run_options(cmd, "<scenario name>-backtest/", precision=False,
                    out_option="--backtest-out")
    return cmd


def main(args: argparse.Namespace, console: Console) -> int:
    from sim.files.atomic import write_text_atomic
    from sim.fit.log import LogError, parse_columns
    from sim.fit.model import FitError
    from sim.fit.run import fit_log, fitted_scenario
    from sim.fit.scenario import scenario_name, scenario_toml
    from sim.scenario.load import ScenarioError

    try:
        interval = _interval(args.interval)
        _check_target(args.out)
        if args.backtest and args.agents is None:
            raise LogError("--backtest: give --agents, the staffing that handled the log "
                           "(the backtest runs the model with it)")
        fit = fit_log(args.log, columns=parse_columns(args.columns) if args.columns
                           else None, interval=interval,
                           deferred=[c.strip() for c in args.deferred.split(",") if c.strip()],
                           agents=args.agents, drop_bad=args.drop_bad)
        name = scenario_name(args.out.stem)
        text = scenario_toml(fit, name)
        scenario = fitted_scenario(fit, name, str(args.out))
    except (LogError, FitError, ScenarioError, ValueError) as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    out = out_folder(args, f"{name}-backtest", console, "backtest_out") if args.backtest \
        else None
    if args.backtest and out is None:
        return EXIT_BAD_INPUT
    _dropped(fit, console)
    try:
        write_text_atomic(args.out, text)
    except OSError as err:
        error(console, f"{args.out}: cannot write the scenario: {err.strerror or err}")
        return EXIT_BAD_INPUT
    if not args.quiet:
        Console().print(_fitted(fit))
        print(f"scenario: {args.out}")
    if not args.backtest:
        return 0
    from sim.fit.run import backtest
    from sim.report.backtest import write_backtest

    try:
        with progress(args, console) as bar:
            task = bar.add_task(f"backtest: {fit.days}-day logs", total=args.replications)
            bt = backtest(fit, scenario, args.replications, args.seed, args.workers,
                          args.scheduler, on_done=lambda _: bar.advance(task))
    except SchedulerError as err:
        error(console, failure_message(err))
        return EXIT_BAD_INPUT
    paths = write_folder(out, lambda folder: write_backtest(bt, folder, name))
    if not args.quiet:
        Console().print(_backtest_table(bt))
        print(f"backtest in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"report: {paths[-1]}")
    return 0


def _check_target(out: Path) -> None:
    """--out must be a .toml file that can be written, checked before any work."""
    from sim.fit.log import LogError

    if out.suffix != ".toml":
        raise LogError(f"--out {out}: a scenario file ends in .toml")
    if out.exists() and not out.is_file():
        raise LogError(f"--out {out}: is not a file")
    folder = unwritable_folder(out.parent)
    if folder is not None:
        raise LogError(f"--out {out}: cannot write there ({folder} is not a writable folder)")


def _interval(text: str) -> float:
    from sim.model.units import DAY

    try:
        seconds = parse_duration(text)
    except ValueError as err:
        raise ValueError(f"--interval: {err}") from None
    if not 0 < seconds <= DAY or abs(DAY / seconds - round(DAY / seconds)) > 1e-9:
        raise ValueError(f"--interval {text}: must divide a day (e.g. 15min, 30min, 1h)")
    return seconds


def _dropped(fit: LogFit, console: Console) -> None:
    for what, dropped, rows, first in fit.dropped():
        warn(console, f"--drop-bad: {dropped:,} of {rows:,} rows of the {what} skipped "
             f"(the first: {first})")


def _fitted(fit: LogFit) -> Table:
    from sim.metrics.display import duration

    dropped = f" ({fit.log.dropped:,} bad rows skipped)" if fit.log.dropped else ""
    table = Table(title=f"fitted from {escape(fit.log.path.name)}: {len(fit.log.table):,} "
                        f"contacts{dropped}, {fit.days} days", title_justify="left")
    for column in ("channel", "per day", "handle time", "patience", "naive", "peak agents"):
        table.add_column(column, justify="right" if column in {"per day", "naive"} else "left")
    for ch in fit.channels.values():
        p = ch.patience
        table.add_row(escape(ch.name), f"{ch.volume.daily:,.1f}", _dist(ch.handle.dist),
                      _dist(p.dist) if p else "none (deferred)" if ch.kind == "deferred" else
                      "nobody abandoned", duration(p.naive_mean) if p else "",
                      str(max(ch.agents)) if ch.agents else "assumed")
    table.caption = ("patience: maximum likelihood with censoring; naive: the mean wait of "
                     "those who abandoned, which is not an estimate of patience")
    return table


def _dist(dist: dict) -> str:
    from sim.metrics.display import duration

    if dist["dist"] == "empirical":
        return f"empirical ({len(dist['values']):,})"
    spread = f" cv {dist['cv']:.2g}" if "cv" in dist else ""
    return f"{dist['dist']} {duration(dist['mean'])}{spread}"


def _backtest_table(bt: Backtest) -> Table:
    from sim.metrics.catalogue import label
    from sim.metrics.display import half_width, shown

    table = Table(title=f"backtest: the log against {bt.replications} simulated "
                        f"{bt.days}-day logs", title_justify="left")
    for column in ("channel", "measure", "observed", "simulated ± CI", "range of a log",
                   ""):
        table.add_column(column, justify="left" if column in {"channel", "measure", ""}
                         else "right")
    for r in bt.table.itertuples():
        table.add_row(escape(r.channel), label(r.metric), shown(r.metric, r.observed),
                      f"{shown(r.metric, r.simulated)} "
                      f"{half_width(r.metric, r.simulated, r.ci_high - r.simulated)}",
                      half_width(r.metric, r.simulated, r.range_high - r.simulated),
                      "[green]ok[/]" if r.consistent else "[red]outside[/]")
    table.caption = ("ok: the log lies in the range of one simulated log of its length "
                     "(family-wise 95% over the table)")
    return table
