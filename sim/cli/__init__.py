"""The command line: a thin layer over the Python API, one module per command.
`python -m sim` is the same program."""

from __future__ import annotations

import argparse
from importlib import import_module
from pathlib import Path

from rich.console import Console

from sim import __version__

# Each module has `add(commands)`, which adds its subparser, and `main(args, console)`.
COMMANDS = ("run", "compare", "sweep", "staff", "fit", "baseline", "check")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim",
        description="Frontdoor: simulate customers on Twitter, email, phone and chat, and the "
                    "agents who serve them.",
        epilog="Exit codes: 0 done, 1 a regression found (sim check), 2 bad input (scenario "
               "or options). Scenario keys: see README.md.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = import_module(f"sim.cli.{name}")
        module.add(commands).set_defaults(handler=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "compare" and not any(e.startswith("-") for e in extra):
        args.scenarios += map(Path, extra)  # files after options: compare A --seed 3 B
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.handler(args, Console(stderr=True))
