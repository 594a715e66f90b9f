"""What every command shares: option types, the run options, errors, the output folder and
the progress bar."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from sim.files.folders import foreign, staged
from sim.runner.executors import SchedulerError
from sim.runner.precision import (
    DEFAULT_MAX_REPLICATIONS,
    MIN_REPLICATIONS,
    Precision,
    PrecisionError,
    PrecisionReport,
    parse_metrics,
)
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED

EXIT_BAD_INPUT = 2
EXIT_IO = 3  # an output could not be written (or a file read): a full disk, say


def whole_number(minimum: int):
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


def fraction(text: str) -> float:
    """An argparse type: a number above 0, e.g. 0.05."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"{text!r} must be a number above 0, e.g. 0.05")
    return value


def add_run_options(cmd: argparse.ArgumentParser, default_out: str,
                    default_scheduler: str = "local worker processes",
                    precision: bool = True, out_option: str = "--out") -> None:
    """The options every command that runs replications shares (`precision=False` leaves out
    the --precision options, for a command that fixes its own replication count;
    `out_option` names the output folder's option where --out means something else)."""
    cmd.add_argument("-n", "--replications", type=whole_number(1),
                     default=DEFAULT_REPLICATIONS, metavar="N",
                     help=f"replications (per arm) (default {DEFAULT_REPLICATIONS})")
    cmd.add_argument("--seed", type=whole_number(0), default=DEFAULT_SEED, metavar="S",
                     help=f"seed of the random streams, shared by every arm (default "
                     f"{DEFAULT_SEED}); the same seed gives the same results")
    cmd.add_argument(out_option, type=Path, metavar="DIR",
                     help=f"output folder (default {default_out})")
    cmd.add_argument("-w", "--workers", type=whole_number(1), default=1, metavar="K",
                     help="worker processes (default 1); results do not depend on it")
    cmd.add_argument("--scheduler", metavar="local|tcp://HOST:PORT",
                     help="run on dask.distributed: 'local' starts a cluster of -w processes "
                          "on this machine, tcp://HOST:PORT uses a running scheduler "
                          f"(default: {default_scheduler}); results do not depend on it")
    if precision:
        _add_precision_options(cmd)
    cmd.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar and no summary table")


def _add_precision_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--precision", type=fraction, metavar="P",
                     help="add replications (from -n on) until the 95%% CI half-width of "
                          "every --precision-metrics is within P x its mean (e.g. 0.05), or "
                          "--max-replications is reached")
    cmd.add_argument("--max-replications", type=whole_number(MIN_REPLICATIONS),
                     metavar="N", help="the cap for --precision (default "
                     f"{DEFAULT_MAX_REPLICATIONS})")
    cmd.add_argument("--precision-metrics", metavar="CHANNEL:METRIC,...",
                     help="the metrics --precision judges (default: each channel's wait_mean "
                          "if realtime, else first_response_mean)")


def precision_request(args: argparse.Namespace) -> Precision | None:
    """The --precision options as a Precision (None without --precision); PrecisionError if
    they do not fit together."""
    if args.precision is None:
        extra = [name for name, value in (("--max-replications", args.max_replications),
                                          ("--precision-metrics", args.precision_metrics))
                 if value is not None]
        if extra:
            raise PrecisionError(f"{' and '.join(extra)} only apply with --precision "
                                 "(e.g. --precision 0.05)")
        return None
    wanted = Precision(args.precision, args.max_replications or DEFAULT_MAX_REPLICATIONS,
                       parse_metrics(args.precision_metrics) if args.precision_metrics else None)
    wanted.first(args.replications)  # -n above the cap is refused before anything runs
    return wanted


def failure_message(err: Exception) -> str:
    """The error line of a failure the run found: a scheduler that does not answer (or is lost)
    names the option; anything else (a --precision metric not in the results) is its own
    message."""
    if isinstance(err, SchedulerError):
        return f"--scheduler {err.address}: {err.reason}"
    return str(err)


def run_kwargs(args: argparse.Namespace, wanted: Precision | None) -> dict:
    """The keyword arguments of `run` and `compare` that the shared options give."""
    extra = {}
    if wanted is not None:
        extra = {"precision": wanted.target, "max_replications": wanted.max_replications,
                 "precision_metrics": wanted.metrics}
    return {"replications": args.replications, "seed": args.seed, "workers": args.workers,
            "scheduler": args.scheduler, **extra}


def precision_outcome(report: PrecisionReport | None, console: Console) -> str | None:
    """A line saying how --precision ended (None without it); a warning on `console` if the
    target was not reached."""
    if report is None:
        return None
    worst = report.worst
    judged = "every chosen metric undefined (fewer than two values)"
    if worst is not None:
        where = f"{worst.arm}: " if worst.arm else ""
        spread = (f"±{worst.relative:.1%} of its mean" if math.isfinite(worst.relative)
                  else f"mean 0 ±{worst.half_width:.3g}")
        judged = f"least precise {where}{worst.channel}:{worst.metric} {spread}"
    if report.reached:
        return (f"precision {report.target:.1%} reached with {report.replications} "
                f"replications ({judged})")
    warn(console, f"precision {report.target:.1%} not reached: stopped at the cap of "
         f"{report.max_replications} replications ({judged}); raise --max-replications or "
         "choose other --precision-metrics")
    return None


def error(console: Console, message: str) -> None:
    console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)


def warn(console: Console, message: str) -> None:
    console.print(Text("warning: ", style="bold yellow") + Text(message), soft_wrap=True)


def out_folder(args: argparse.Namespace, default: str, console: Console,
               option: str = "out") -> Path | None:
    """`--out` (or the option `option` names), or results/<default>; None (after saying why)
    if it cannot be made, found before spending time on the run."""
    given = getattr(args, option)
    out = given if given is not None else Path("results") / default
    if not writable_folder(out, console):
        return None
    why = foreign(out)
    if why is not None:
        error(console, f"{out}: cannot write the results there: {why}")
        return None
    return out


def writable_folder(folder: Path, console: Console) -> bool:
    """Whether `folder` can be made and written in; if not, says why."""
    existing = unwritable_folder(folder)
    if existing is not None:
        error(console, f"{folder}: cannot write the results there ({existing} is not a "
              "writable folder)")
    return existing is None


def write_folder(out: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    """`write(folder)` into a staged folder that then replaces `out` whole (see
    sim.files.folders); the paths it wrote, as they are in `out`."""
    with staged(out) as stage:
        paths = write(stage)
    return [out / path.relative_to(stage) for path in paths]


def unwritable_folder(path: Path) -> Path | None:
    """The nearest existing ancestor of `path` (or `path` itself) if it is not a folder this
    process may write in, so that `path` cannot be made; None when it can."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and os.access(existing, os.W_OK | os.X_OK):
        return None
    return existing


def progress(args: argparse.Namespace, console: Console) -> Progress:
    """The progress bar of a long command: on stderr, only for a terminal and without -q."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console,
                    disable=args.quiet or not console.is_terminal)
