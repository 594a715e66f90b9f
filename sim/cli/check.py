"""`sim check`: run the baselines' scenarios again with the same seeds and fail on a metric
that got worse beyond its tolerance (exit 1)."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sim.check import ALPHA
from sim.cli.baseline import BASELINES, add_tolerance_option
from sim.cli.common import (
    EXIT_BAD_INPUT,
    error,
    fraction,
    progress,
    whole_number,
    writable_folder,
)
from sim.metrics.display import scale

EXIT_REGRESSION = 1
STYLE = {"regression": "bold red", "missing": "bold red", "worse": "yellow",
         "better": "green"}


def add(commands) -> argparse.ArgumentParser:
    cmd = commands.add_parser(
        "check", help="fail when a metric got worse than its baseline (for CI)",
        description="Run each baseline's scenario and policy again with the same seeds and "
                    "test, metric by metric, the paired differences: a metric is a regression "
                    "when it is worse than the baseline by more than its tolerance (one-sided "
                    "paired t-test, Holm's correction over every metric checked). Exit 0: "
                    "nothing got worse beyond tolerance; 1: a regression; 2: bad input (a "
                    "missing or invalid baseline, a scenario changed since its baseline, an "
                    "unknown policy). See docs/ci.md.",
    )
    cmd.add_argument("baselines", type=Path, nargs="*", metavar="BASELINE",
                     help=f"baseline files (default: every {BASELINES}/*.json)")
    cmd.add_argument("--alpha", type=_alpha, default=ALPHA, metavar="A",
                     help=f"family-wise chance of a false alarm over all metrics checked "
                          f"(default {ALPHA})")
    add_tolerance_option(cmd, "override a tolerance")
    cmd.add_argument("--junit", type=Path, metavar="FILE",
                     help="write the verdicts as JUnit XML (one test case per metric)")
    cmd.add_argument("--all", action="store_true",
                     help="show every metric, not only those that moved")
    cmd.add_argument("-w", "--workers", type=whole_number(1), default=1, metavar="K",
                     help="worker processes (default 1); results do not depend on it")
    cmd.add_argument("-q", "--quiet", action="store_true",
                     help="no progress bar and no table, only the verdict line")
    return cmd


def _alpha(text: str) -> float:
    value = fraction(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be below 1, e.g. 0.05")
    return value


def main(args: argparse.Namespace, console: Console) -> int:
    from sim.check.baseline import BaselineError, baseline_scenario, read_baseline
    from sim.check.directions import parse_assignment

    files: list[Path] = args.baselines or sorted(BASELINES.glob("*.json"))
    if not files:
        error(console, f"no baselines in {BASELINES}/: make them with `sim baseline` and "
              "commit them, or give baseline files")
        return EXIT_BAD_INPUT
    try:
        overrides = dict(parse_assignment(text) for text in args.tolerance)
    except ValueError as err:
        error(console, str(err))
        return EXIT_BAD_INPUT
    baselines, scenarios, problems = [], [], []
    for file in files:
        try:
            baseline = read_baseline(file)
            scenarios.append(baseline_scenario(baseline, origin=file))
            baselines.append(baseline)
        except BaselineError as err:
            problems.append(str(err))
    if problems:
        for problem in problems:
            error(console, problem)
        return EXIT_BAD_INPUT
    if args.junit is not None and not writable_folder(args.junit.parent, console):
        return EXIT_BAD_INPUT
    return _check(args, baselines, scenarios, overrides, console)


def _check(args: argparse.Namespace, baselines, scenarios, overrides, console: Console) -> int:
    from sim.check.junit import write_junit
    from sim.check.measure import measure
    from sim.check.verdict import compare, decide

    start = time.perf_counter()
    with progress(args, console) as bar:
        task = bar.add_task("check: replications",
                            total=sum(b.replications for b in baselines))
        values = measure([(s, b.seed, b.replications) for b, s in zip(baselines, scenarios,
                                                                        strict=True)],
                         workers=args.workers, on_done=lambda _k: bar.advance(task))
    checks = decide([c for b, v in zip(baselines, values, strict=True)
                     for c in compare(b, v, overrides)], args.alpha)
    seconds = time.perf_counter() - start
    if args.junit is not None:
        write_junit(checks, args.junit, seconds)
    shown = checks if args.all else [c for c in checks if c.moved]
    if shown and not args.quiet:
        stdout = Console()
        if not stdout.is_terminal:  # a CI log: no need to wrap at 80 columns
            stdout = Console(width=140)
        stdout.print(*tables(shown))
    failed = [c for c in checks if c.failed]
    moved = sum(c.moved for c in checks) - len(failed)
    verdict = (f"{len(failed)} regression(s)" if failed
               else "no regression: nothing got worse beyond its tolerance")
    print(f"{len(baselines)} baselines, {len(checks)} metrics checked in {seconds:.1f} s "
          f"(alpha {args.alpha:g}, Holm): {verdict}; {moved} other metric(s) moved"
          + (f"; JUnit XML in {args.junit}" if args.junit is not None else ""))
    return EXIT_REGRESSION if failed else 0


def tables(checks) -> list[Table]:
    """One table per baseline of what moved: the means, the paired difference with its 95% CI,
    the tolerance, the Holm-adjusted p and the verdict (↓: lower is better, ↑: higher). Each
    row in its metric's unit for people (a time by the baseline mean's size, a share in %,
    its differences in points)."""
    out: dict[str, Table] = {}
    for c in checks:
        table = out.get(c.baseline)
        if table is None:
            table = out[c.baseline] = Table(title=c.baseline, title_justify="left")
            for name in ("metric", "baseline", "new", "new - baseline [95% CI]", "tolerance",
                         "p (Holm)", "verdict"):
                table.add_column(name, justify="left" if name in ("metric", "verdict")
                                 else "right", no_wrap=True)
        t = c.test
        arrow = "↓" if c.direction == "lower" else "↑"
        style = STYLE.get(c.verdict, "")
        unit, factor = scale(c.metric, t.base_mean)
        level, step = {"": ("", ""), "%": ("%", " pt")}.get(unit, (f" {unit}", f" {unit}"))
        base, new, diff, low, high, tolerance = (
            x * factor for x in (t.base_mean, t.new_mean, t.diff, t.low, t.high, c.tolerance))
        table.add_row(f"{c.channel}:{c.metric} {arrow}", _g(base) + level, _g(new) + level,
                      f"{_g(diff, '+')}{step} [{_g(low, '+')}, {_g(high, '+')}]",
                      _g(tolerance) + step, "" if math.isnan(c.p_holm) else f"{c.p_holm:.2g}",
                      f"[{style}]{c.verdict}[/]" if style else c.verdict)
    return list(out.values())


def _g(x: float, sign: str = "") -> str:
    if math.isnan(x):
        return "-"
    return f"{x:{sign},.0f}" if abs(x) >= 1000 else f"{x:{sign}.3g}"
