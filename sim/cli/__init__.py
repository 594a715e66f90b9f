"""The command line: a thin layer over the Python API, one module per command.
`python -m sim` is the same program."""

from __future__ import annotations

import argparse
from importlib import import_module
from pathlib import Path

from rich.console import Console

from sim import __version__
from sim.cli.signals import signal_of, stopping
from sim.files.folders import FolderError, WriteError
from sim.runner.memory import return_large_blocks

# Each module has `add(commands)`, which adds its subparser, and `main(args, console)`.
COMMANDS = ("run", "compare", "sweep", "staff", "fit", "baseline", "check")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim",
        description="Frontdoor: simulate customers on Twitter, email, phone and chat, and the "
                    "agents who serve them.",
        epilog="Exit codes: 0 done, 1 a regression found (sim check), 2 bad input (scenario "
               "or options, or a --scheduler that does not answer), 3 an output could not be "
               "written (a full disk, say; the earlier results stay as they were), 130 stopped "
               "by Ctrl-C, 143 by SIGTERM. Scenario keys: see docs/scenarios.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = import_module(f"sim.cli.{name}")
        module.add(commands).set_defaults(handler=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code. Ctrl-C or SIGTERM ends it with one line and 128 + the
    signal's number (130, 143), after the clean-up on the way out (see sim.cli.signals)."""
    console = Console(stderr=True)
    return_large_blocks()
    with stopping():
        try:
            parser = build_parser()
            args, extra = parser.parse_known_args(argv)
            if args.command == "compare" and not any(e.startswith("-") for e in extra):
                args.scenarios += map(Path, extra)  # files after options: compare A --seed 3 B
            elif extra:
                parser.error(f"unrecognized arguments: {' '.join(extra)}")
            return args.handler(args, console)
        except (FolderError, OSError) as err:  # a WriteError is an OSError
            return _failed(err, console)
        except KeyboardInterrupt as stop:
            from sim.cli.common import error  # not above: the handlers are set before it loads

            signum = signal_of(stop)
            error(console, f"stopped by {signum.name}")
            return 128 + signum


def _failed(err: OSError | FolderError, console: Console) -> int:
    """One line for an output folder that may not be replaced (bad input: exit 2), or a file
    that could not be written or read, a full disk say (EXIT_IO)."""
    from sim.cli.common import EXIT_BAD_INPUT, EXIT_IO, error

    if isinstance(err, FolderError):
        error(console, str(err))
        return EXIT_BAD_INPUT
    if isinstance(err, WriteError):
        error(console, f"{err.out}: cannot write the results: {err.reason} (the earlier "
              "results there are as they were)")
    else:
        error(console, f"{err.filename or 'a file'}: {err.strerror or err}")
    return EXIT_IO
