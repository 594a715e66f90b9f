"""The outputs of a comparison: compare.csv, metrics.csv (every arm), the plots (compare.png,
compare_waits.png and, with a public channel, compare_public.png), run.json and report.html,
each written atomically; and the table of the main metrics, for the console and the page."""

from __future__ import annotations

import json
import math
import platform
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sim import __version__
from sim.files.atomic import write_atomic, write_text_atomic
from sim.metrics.display import number, signed, time_unit
from sim.report.outputs import METRIC_COLUMNS, precision_info
from sim.runner.compare import COMPARE_COLUMNS, Comparison

SHARE, TIME, COUNT = "share", "time", "count"
PAD = "  "  # room for " *" after a difference


@dataclass(frozen=True)
class Row:
    """A main metric as shown to a planner: where it is, what it is called, its unit, and
    which way is better (-1 lower, +1 higher, 0 neither)."""

    channel: str
    metric: str
    label: str
    kind: str
    better: int


# ---------------------------------------------------------------- files

def write_compare(comparison: Comparison, out: Path, workers: int,
                  scheduler: str | None = None) -> list[Path]:
    """Write every output of `comparison` into `out`; returns the paths written, report.html
    last."""
    # imported here: they import this module
    from sim.report.compare_html import report_html
    from sim.report.compare_plots import render_plots

    table = comparison.table[COMPARE_COLUMNS]
    metrics = comparison.metrics[METRIC_COLUMNS]
    plots = render_plots(comparison)
    return [
        write_atomic(out / "compare.csv", lambda p: table.to_csv(p, index=False)),
        write_atomic(out / "metrics.csv", lambda p: metrics.to_csv(p, index=False)),
        *(write_atomic(out / name, lambda p, data=data: p.write_bytes(data))
          for name, data in plots.items()),
        write_text_atomic(out / "run.json",
                          json.dumps(compare_info(comparison, workers, scheduler), indent=2)),
        write_text_atomic(out / "report.html", report_html(comparison, plots)),
    ]


def compare_info(comparison: Comparison, workers: int, scheduler: str | None = None) -> dict:
    """What run.json holds: the arms, the shared seed, and what each arm cost."""
    total_contacts = sum(arm.contacts_simulated for arm in comparison.arms)
    return {
        "version": __version__,
        "command": "compare",
        "seed": comparison.seed,
        "replications": comparison.replications,
        "precision": precision_info(comparison.precision),
        "workers": workers,
        "scheduler": scheduler,
        "baseline": comparison.arms[0].label,
        "arms": [{
            "label": arm.label,
            "scenario": arm.scenario.name,
            "policy": arm.scenario.policy.name,
            "file": arm.source,
            "scenario_hash": arm.scenario_hash,
            "contacts_simulated": arm.contacts_simulated,
        } for arm in comparison.arms],
        "timings": {
            "total_seconds": round(comparison.seconds, 3),
            "arm_seconds": {arm.label: round(arm.seconds, 3) for arm in comparison.arms},
            "replication_seconds": {arm.label: [round(s, 3) for s in arm.replication_seconds]
                                    for arm in comparison.arms},
            "contacts_per_second": round(total_contacts / max(comparison.seconds, 1e-9)),
        },
        "python": platform.python_version(),
    }


# ---------------------------------------------------------------- which metrics matter

def main_rows(comparison: Comparison) -> list[Row]:
    """The rows a planner looks at first, in display order: per channel the response time,
    service level and abandonment; across channels; then the staff. Rows that no arm has,
    or that are 0 in every arm, are left out."""
    table = comparison.table
    means = table.groupby(["channel", "metric"], sort=False)["mean"]
    has = {key: bool((values.abs() > 0).any()) for key, values in means}
    channels = list(dict.fromkeys(c for c in table.channel
                                  if c != "all" and not c.startswith("pool:")))
    rows: list[Row] = []
    for ch in channels:
        if (ch, "first_response_mean") in has:
            rows.append(Row(ch, "first_response_mean", "first reply", TIME, -1))
        else:
            rows.append(Row(ch, "wait_mean", "wait", TIME, -1))
        rows.append(Row(ch, "service_level", "service level", SHARE, +1))
        rows.append(Row(ch, "abandon_rate", "abandoned", SHARE, -1))
    if len(channels) > 1:
        rows.append(Row("all", "service_level", "service level", SHARE, +1))
        rows.append(Row("all", "abandon_rate", "abandoned", SHARE, -1))
    rows += [Row("all", "escalation_rate", "led to a follow-up", SHARE, -1),
             Row("all", "unanswered_impressions", "impressions unanswered", COUNT, -1),
             Row("pool:all", "agents", "agents on shift", COUNT, 0),
             Row("pool:all", "occupancy", "occupancy", SHARE, 0),
             Row("pool:all", "cost", "cost", COUNT, -1)]
    return [r for r in rows if has.get((r.channel, r.metric), False)]


def scale(row: Row, values: pd.Series) -> tuple[str, float]:
    """The row's unit label and the factor its values are multiplied by for display."""
    if row.kind == SHARE:
        return "%", 100.0
    if row.kind == TIME:
        unit, seconds = time_unit(float(values.abs().max()))
        return unit, 1 / seconds
    return "", 1.0


# ---------------------------------------------------------------- the table's cells

@dataclass(frozen=True)
class Cell:
    """A cell of the comparison table as text: the value and its 95% CI half-width ("" if
    none). A difference also has `verdict`: None if not significant, else +1 better, -1
    worse, 0 neither (the row has no better direction)."""

    value: str
    half: str = ""
    verdict: int | None = None


@dataclass(frozen=True)
class Line:
    """A row of the comparison table: where, what (with its unit), and the cells: the first
    arm's mean, then each other arm's mean and its difference to the first."""

    where: str
    label: str
    cells: list[Cell]


NOT_AVAILABLE = "n/a"


def table_lines(comparison: Comparison, rows: list[Row], others: list[str]) -> list[Line]:
    """The lines of the table of `rows` for the first arm and `others`."""
    index = comparison.table.set_index(["channel", "metric", "arm"]).sort_index()
    lines = []
    for row in rows:
        found = index.loc[(row.channel, row.metric)]
        unit, factor = scale(row, found["mean"])
        cells = [mean_cell(found, comparison.labels[0], factor)]
        for arm in others:
            cells += [mean_cell(found, arm, factor), diff_cell(found, arm, factor, row.better)]
        lines.append(Line(where(row.channel), f"{row.label} ({unit})" if unit else row.label,
                          cells))
    return lines


def where(channel: str) -> str:
    """A channel or pool as a person reads it."""
    if channel == "pool:all":
        return "all pools"
    return channel.removeprefix("pool:")


def mean_cell(found: pd.DataFrame, arm: str, factor: float) -> Cell:
    if arm not in found.index or not math.isfinite(found.loc[arm, "mean"]):
        return Cell("-")
    r = found.loc[arm]
    half = ""
    if math.isfinite(r["ci_high"]) and r["ci_high"] != r["ci_low"]:
        half = number((r["ci_high"] - r["ci_low"]) / 2 * factor, 2)
    return Cell(number(r["mean"] * factor), half)


def diff_cell(found: pd.DataFrame, arm: str, factor: float, better: int) -> Cell:
    if arm not in found.index or not math.isfinite(found.loc[arm, "diff"]):
        return Cell(NOT_AVAILABLE)
    r = found.loc[arm]
    diff = r["diff"] * factor
    verdict = None
    if r["significant"]:
        good = better * diff
        verdict = 1 if good > 0 else -1 if good < 0 else 0
    half = ""
    if math.isfinite(r["diff_high"]) and r["diff_high"] != r["diff_low"]:
        half = number((r["diff_high"] - r["diff_low"]) / 2 * factor, 2)
    return Cell(signed(diff), half, verdict)


def legend(baseline: str) -> str:
    return (f"Each cell: the mean, and below it ± the 95% CI half-width. Δ = arm minus "
            f"{baseline}, replication by replication (same customers); * = significant: the "
            "CI of Δ excludes 0, a real difference, not noise (green better, red worse). "
            "Shares are in %, their Δ in percentage points.")


# ---------------------------------------------------------------- console

def console_tables(comparison: Comparison, width: int = 100) -> list[Table | Text]:
    """The main metrics, one column per arm (mean ± CI half-width) and, after the first arm, a
    Δ column; split into several tables (each with the first arm) to fit `width`; then the
    legend."""
    others = comparison.labels[1:]
    rows = main_rows(comparison)
    console = Console(width=10_000)
    chunk = len(others)
    while True:
        tables = [_console_table(comparison, rows, others[i:i + chunk])
                  for i in range(0, len(others), chunk)]
        widest = max(console.measure(t).maximum for t in tables)
        if widest <= width or chunk == 1:
            return [*tables, Text(legend(comparison.labels[0]), style="dim")]
        chunk -= 1


def _console_table(comparison: Comparison, rows: list[Row], others: list[str]) -> Table:
    first = comparison.labels[0]
    title = (f"{' vs '.join([first, *others])}: {comparison.replications} replications "
             f"each, seed {comparison.seed}")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  collapse_padding=True)
    body = [(line.where, line.label,
             [_diff_text(cell) if k % 2 == 0 and k > 0 else _mean_text(cell)
              for k, cell in enumerate(line.cells)])
            for line in table_lines(comparison, rows, others)]
    table.add_column("channel", no_wrap=True)
    table.add_column("metric", no_wrap=True)
    table.add_column(first, justify="right", no_wrap=True)
    for k, arm in enumerate(others):
        table.add_column(arm, justify="right", no_wrap=True)
        # right-aligned by hand: rich's right justification strips the room left for " *"
        column = [cells[2 + 2 * k] for _, _, cells in body]
        header = _align_right([Text("Δ"), *column])[0]
        table.add_column(header, justify="left", no_wrap=True)
    previous = None
    for channel, label, cells in body:
        if previous is not None and channel != previous:
            table.rows[-1].end_section = True
        table.add_row(channel if channel != previous else "", label, *cells)
        previous = channel
    return table


def _align_right(cells: list[Text]) -> list[Text]:
    """Pad every line of `cells` on the left to the widest line, in place."""
    width = max(line.cell_len for cell in cells for line in cell.split("\n"))
    for cell in cells:
        lines = cell.split("\n")
        for line in lines:
            line.pad_left(width - line.cell_len)
        aligned = Text("\n").join(lines)
        cell.plain, cell.spans = aligned.plain, aligned.spans
    return cells


def _mean_text(cell: Cell) -> Text:
    text = Text(cell.value)
    if cell.half:
        text.append(f"\n±{cell.half}", style="dim")
    return text


def _diff_text(cell: Cell) -> Text:
    if cell.value == NOT_AVAILABLE:
        return Text(f"{NOT_AVAILABLE}{PAD}", style="dim")
    if cell.verdict is None:
        text = Text(cell.value + PAD)
    else:
        style = {1: "bold green", -1: "bold red"}.get(cell.verdict, "bold")
        text = Text(cell.value + " *", style=style)
    if cell.half:
        text.append(f"\n±{cell.half}{PAD}", style="dim")
    return text
