"""What every command shares: option types, the run options, errors, the output folder and
the progress bar."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED

EXIT_BAD_INPUT = 2


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


def add_run_options(cmd: argparse.ArgumentParser, default_out: str) -> None:
    """The options every command that runs replications shares."""
    cmd.add_argument("-n", "--replications", type=whole_number(1),
                     default=DEFAULT_REPLICATIONS, metavar="N",
                     help=f"replications (per arm) (default {DEFAULT_REPLICATIONS})")
    cmd.add_argument("--seed", type=whole_number(0), default=DEFAULT_SEED, metavar="S",
                     help=f"seed of the random streams, shared by every arm (default "
                     f"{DEFAULT_SEED}); the same seed gives the same results")
    cmd.add_argument("--out", type=Path, metavar="DIR",
                     help=f"output folder (default {default_out})")
    cmd.add_argument("-w", "--workers", type=whole_number(1), default=1, metavar="K",
                     help="worker processes (default 1); results do not depend on it")
    cmd.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar and no summary table")


def error(console: Console, message: str) -> None:
    console.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)


def warn(console: Console, message: str) -> None:
    console.print(Text("warning: ", style="bold yellow") + Text(message), soft_wrap=True)


def out_folder(args: argparse.Namespace, default: str, console: Console) -> Path | None:
    """`--out`, or results/<default>; None (after saying why) if it cannot be made, found
    before spending time on the run."""
    out = args.out if args.out is not None else Path("results") / default
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        error(console, f"{out}: cannot write the results there ({existing} is not a "
              "writable folder)")
        return None
    return out


def progress(args: argparse.Namespace, console: Console) -> Progress:
    """The progress bar of a long command: on stderr, only for a terminal and without -q."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console,
                    disable=args.quiet or not console.is_terminal)
