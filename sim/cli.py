"""The command line: a thin layer over the Python API. `python -m sim` is the same program."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sim import __version__
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED, RunResult, run
from sim.scenario.load import ScenarioError, load_scenario

EXIT_BAD_INPUT = 2
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


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim",
        description="Frontdoor: simulate customers on Twitter, email, phone and chat, and the "
                    "agents who serve them.",
        epilog="Exit codes: 0 done, 2 bad input (scenario or options). "
               "Scenario keys: see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_cmd = commands.add_parser(
        "run", help="run a scenario and write its metrics",
        description="Run replications of a scenario file and write metrics.csv, "
                    "intervals.csv, contacts.parquet, needs.parquet and run.json into the output "
                    "folder.",
    )
    run_cmd.add_argument("scenario", type=Path, metavar="FILE", help="scenario file (TOML)")
    _add_run_options(run_cmd, "results/<scenario name>/")
    _add_compare(commands)
    _add_sweep(commands)
    return parser


def _add_run_options(cmd: argparse.ArgumentParser, default_out: str) -> None:
    """The options every command that runs replications shares."""
    cmd.add_argument("-n", "--replications", type=_whole_number(1),
                     default=DEFAULT_REPLICATIONS, metavar="N",
                     help=f"replications (per arm) (default {DEFAULT_REPLICATIONS})")
    cmd.add_argument("--seed", type=_whole_number(0), default=DEFAULT_SEED, metavar="S",
                     help=f"seed of the random streams, shared by every arm (default "
                     f"{DEFAULT_SEED}); the same seed gives the same results")
    cmd.add_argument("--out", type=Path, metavar="DIR",
                     help=f"output folder (default {default_out})")
    cmd.add_argument("-w", "--workers", type=_whole_number(1), default=1, metavar="K",
                     help="worker processes (default 1); results do not depend on it")
    cmd.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar and no summary table")


def _add_compare(commands) -> None:
    cmd = commands.add_parser(
        "compare", help="compare policies, or scenario files, on the same customers",
        description="Run one arm per policy (FILE --policies a,b,...) or one arm per scenario "
                    "file (A.toml B.toml ...), every arm with the same seeds, and show each "
                    "arm's metrics and its difference to the first arm with a 95%% confidence "
                    "interval. Writes compare.csv, metrics.csv, compare.png and run.json.",
    )
    cmd.add_argument("scenarios", type=Path, nargs="+", metavar="FILE",
                     help="scenario file(s) (TOML): one with --policies, else two or more")
    cmd.add_argument("-p", "--policies", metavar="P1,P2,...",
                     help="comma-separated routing policies to run on the one FILE "
                          "(the first is the baseline)")
    _add_run_options(cmd, "results/compare-<first scenario name>/")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "compare" and not any(e.startswith("-") for e in extra):
        args.scenarios += map(Path, extra)  # files after options: compare A --seed 3 B
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    console = Console(stderr=True)
    if args.command == "compare":
        return _compare(args, console)
    if args.command == "sweep":
        return _sweep(args, console)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as err:
        _error(console, str(err))
        return EXIT_BAD_INPUT
    out = _out_folder(args, scenario.name, console)
    if out is None:
        return EXIT_BAD_INPUT
    return _run(args, scenario, out, console)


def _error(console: Console, message: str) -> None:
    console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)


def _out_folder(args: argparse.Namespace, default: str, console: Console) -> Path | None:
    """`--out`, or results/<default>; None (after saying why) if it cannot be made, found
    before spending time on the run."""
    out = args.out if args.out is not None else Path("results") / default
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        _error(console, f"{out}: cannot write the results there ({existing} is not a "
               "writable folder)")
        return None
    return out


def _progress(args: argparse.Namespace, console: Console) -> Progress:
    """The progress bar of a long command: on stderr, only for a terminal and without -q."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console,
                    disable=args.quiet or not console.is_terminal)


def _run(args: argparse.Namespace, scenario, out: Path, console: Console) -> int:
    from sim.report.outputs import write_run

    with _progress(args, console) as progress:
        task = progress.add_task(f"{scenario.name}: replications", total=args.replications)
        result = run(scenario, replications=args.replications, seed=args.seed,
                     workers=args.workers, on_done=lambda _: progress.advance(task))
    paths = write_run(result, out, args.workers)
    if not args.quiet:
        Console().print(*_summary(result))
        print(f"{result.contacts_simulated:,} contacts in {result.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})\n"
              f"report: {paths[-1]}")
    return 0


def _summary(result: RunResult) -> list[Table]:
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
    text = _number(mean)
    if high == high and high != low:
        text += f"\n[dim]±{_number((high - low) / 2, 2)}[/]"
    return text


def _number(x: float, digits: int = 3) -> str:
    return f"{x:,.0f}" if abs(x) >= 10**digits else f"{x:.{digits}g}"


# ---------------------------------------------------------------- sim compare

def _compare(args: argparse.Namespace, console: Console) -> int:
    from sim.runner.compare import arm_labels, policy_arms

    files: list[Path] = args.scenarios
    policies = None
    if args.policies is not None:
        policies = [name.strip() for name in args.policies.split(",")]
        if any(not name for name in policies):
            _error(console, f"--policies {args.policies!r}: an empty policy name "
                   "(give names separated by commas, e.g. fifo,front-door)")
            return EXIT_BAD_INPUT
        if len(files) > 1:
            _error(console, f"--policies runs every policy on one scenario, but {len(files)} "
                   "files were given: give one FILE with --policies, or several files "
                   "without it (one arm per file)")
            return EXIT_BAD_INPUT
    arms = len(policies) if policies is not None else len(files)
    if arms < 2:
        _error(console, "compare needs at least two arms: give --policies with two or more "
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
        _error(console, str(err))
        return EXIT_BAD_INPUT
    labels = arm_labels(scenarios, files, by_policy=policies is not None)
    out = _out_folder(args, f"compare-{scenarios[0].name}", console)
    if out is None:
        return EXIT_BAD_INPUT
    return _run_compare(args, scenarios, labels, sources, out, console)


def _run_compare(args: argparse.Namespace, scenarios, labels: list[str], sources: list[str],
                 out: Path, console: Console) -> int:
    from sim.report.compare import console_tables, write_compare
    from sim.runner.compare import compare

    with _progress(args, console) as progress:
        task = progress.add_task(f"{labels[0]}: replications",
                                 total=len(labels) * args.replications)

        def done(label: str, _replication: int) -> None:
            progress.update(task, advance=1, description=f"{label}: replications")

        comparison = compare(scenarios, labels, replications=args.replications,
                             seed=args.seed, workers=args.workers, on_done=done,
                             sources=sources)
    paths = write_compare(comparison, out, args.workers)
    if not args.quiet:
        stdout = Console()
        for table in console_tables(comparison, width=min(stdout.width, 100)):
            stdout.print(table)
        contacts = sum(arm.contacts_simulated for arm in comparison.arms)
        print(f"{len(labels)} arms, {contacts:,} contacts in {comparison.seconds:.1f} s; "
              f"results in {out}/ ({', '.join(p.name for p in paths)})")
    return 0


# ---------------------------------------------------------------- sim sweep

def _add_sweep(commands) -> None:
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
    _add_run_options(cmd, "results/sweep-<scenario name>/")


def _sweep(args: argparse.Namespace, console: Console) -> int:
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
        _error(console, str(err))
        return EXIT_BAD_INPUT
    try:
        grid = expand(args.sets)
        plot = parse_plot(args.plot) if args.plot is not None else None
    except ValueError as err:
        _error(console, f"{file}: {err}")
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
        _error(console, str(err))
        return EXIT_BAD_INPUT
    out = _out_folder(args, f"sweep-{base.name}", console)
    if out is None:
        return EXIT_BAD_INPUT
    return _run_sweep(args, points, plot, out, console)


def _run_sweep(args: argparse.Namespace, points, plot, out: Path, console: Console) -> int:
    from sim.report.sweep import write_sweep
    from sim.runner.sweep import sweep

    with _progress(args, console) as progress:
        task = progress.add_task("sweep: points", total=len(points))
        try:
            result = sweep(points, out, replications=args.replications, seed=args.seed,
                           workers=args.workers, scheduler=args.scheduler,
                           on_done=lambda _: progress.advance(task))
        except OSError as err:  # e.g. no scheduler at --scheduler
            _error(console, f"--scheduler {args.scheduler}: cannot connect: {err}"
                   if args.scheduler else str(err))
            return EXIT_BAD_INPUT
    paths, missing = write_sweep(result, out, plot)
    if missing:
        console.print(Text("warning: ", style="bold yellow") + Text(missing), soft_wrap=True)
    if not args.quiet:
        print(f"{result.points} points ({result.skipped} already done) in "
              f"{result.seconds:.1f} s; results in {out}/ "
              f"({', '.join(p.name for p in paths)}, points/)")
    return 0
