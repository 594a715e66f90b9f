"""The outputs of a comparison: compare.csv, metrics.csv (every arm), compare.png and run.json,
each written atomically; and the console table of the main metrics."""

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
from sim.report.atomic import write_atomic, write_text_atomic
from sim.report.outputs import METRIC_COLUMNS
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

def write_compare(comparison: Comparison, out: Path, workers: int) -> list[Path]:
    """Write every output of `comparison` into `out`; returns the paths written."""
    table = comparison.table[COMPARE_COLUMNS]
    metrics = comparison.metrics[METRIC_COLUMNS]
    return [
        write_atomic(out / "compare.csv", lambda p: table.to_csv(p, index=False)),
        write_atomic(out / "metrics.csv", lambda p: metrics.to_csv(p, index=False)),
        write_atomic(out / "compare.png", lambda p: plot_compare(comparison, p)),
        write_text_atomic(out / "run.json",
                          json.dumps(compare_info(comparison, workers), indent=2)),
    ]


def compare_info(comparison: Comparison, workers: int) -> dict:
    """What run.json holds: the arms, the shared seed, and what each arm cost."""
    total_contacts = sum(arm.contacts_simulated for arm in comparison.arms)
    return {
        "version": __version__,
        "command": "compare",
        "seed": comparison.seed,
        "replications": comparison.replications,
        "workers": workers,
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


def time_unit(seconds: float) -> tuple[str, float]:
    """A unit for a time of this size, and how many seconds it holds."""
    if not seconds < 120:  # also NaN
        return ("h", 3600.0) if seconds >= 7200 else ("min", 60.0)
    return "s", 1.0


def _scale(row: Row, values: pd.Series) -> tuple[str, float]:
    """The row's unit label and the factor its values are multiplied by for display."""
    if row.kind == SHARE:
        return "%", 100.0
    if row.kind == TIME:
        unit, seconds = time_unit(float(values.abs().max()))
        return unit, 1 / seconds
    return "", 1.0


# ---------------------------------------------------------------- console

def legend(baseline: str) -> str:
    return (f"Each cell: the mean, and below it ± the 95% CI half-width. Δ = arm minus "
            f"{baseline}, replication by replication (same customers); * = significant: the "
            "CI of Δ excludes 0, a real difference, not noise (green better, red worse). "
            "Shares are in %, their Δ in percentage points.")


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
    index = comparison.table.set_index(["channel", "metric", "arm"]).sort_index()
    body = []
    for row in rows:
        found = index.loc[(row.channel, row.metric)]
        unit, factor = _scale(row, found["mean"])
        cells = [_mean_cell(found, first, factor)]
        for arm in others:
            cells += [_mean_cell(found, arm, factor), _diff_cell(found, arm, factor, row.better)]
        channel = row.channel.removeprefix("pool:").replace("all", "all pools") \
            if row.channel.startswith("pool:") else row.channel
        body.append((channel, f"{row.label} ({unit})" if unit else row.label, cells))
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


def _mean_cell(found: pd.DataFrame, arm: str, factor: float) -> Text:
    if arm not in found.index or not math.isfinite(found.loc[arm, "mean"]):
        return Text("-")
    r = found.loc[arm]
    text = Text(number(r["mean"] * factor))
    if math.isfinite(r["ci_high"]) and r["ci_high"] != r["ci_low"]:
        text.append(f"\n±{number((r['ci_high'] - r['ci_low']) / 2 * factor, 2)}", style="dim")
    return text


def _diff_cell(found: pd.DataFrame, arm: str, factor: float, better: int) -> Text:
    if arm not in found.index or not math.isfinite(found.loc[arm, "diff"]):
        return Text(f"n/a{PAD}", style="dim")
    r = found.loc[arm]
    diff = r["diff"] * factor
    text = Text(signed(diff))
    if r["significant"]:
        good = better * diff
        style = "bold green" if good > 0 else "bold red" if good < 0 else "bold"
        text = Text(signed(diff) + " *", style=style)
    else:
        text.append(PAD)
    if math.isfinite(r["diff_high"]) and r["diff_high"] != r["diff_low"]:
        text.append(f"\n±{number((r['diff_high'] - r['diff_low']) / 2 * factor, 2)}{PAD}",
                    style="dim")
    return text


def number(x: float, digits: int = 3) -> str:
    if x != x:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 10**digits else f"{x:.{digits}g}"


def signed(x: float) -> str:
    if x == 0:
        return "0"
    return ("+" if x > 0 else "-") + number(abs(x))


# ---------------------------------------------------------------- chart

def plot_compare(comparison: Comparison, path: Path) -> None:
    """compare.png: one small panel per main metric, a bar per arm with its 95% CI; a * over
    a bar marks a significant difference from the first arm."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    panels = _panels(comparison)
    labels = comparison.labels
    ncols = min(3 if len(panels) <= 9 else 4, max(1, len(panels)))
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig = Figure(figsize=(3.8 * ncols, 2.9 * nrows + 0.8), dpi=110, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    colours = [f"C{k % 10}" for k in range(len(labels))]
    table = comparison.table.set_index(["channel", "metric", "arm"]).sort_index()
    for ax, (title, rows) in zip(axes, panels, strict=False):
        unit, factor = _scale(rows[0], pd.concat([table.loc[(r.channel, r.metric), "mean"]
                                                  for r in rows]))
        _bars(ax, table, rows, labels, colours, factor)
        ax.set_title(f"{title} ({unit})" if unit else title, fontsize=10)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if not panels:
        axes[0].set_visible(True)
        axes[0].text(0.5, 0.5, "no metric differs from 0", ha="center", va="center")
        axes[0].set_axis_off()
    handles = [Patch(color=c, label=label) for c, label in zip(colours, labels, strict=True)]
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(labels), 6),
               frameon=False, fontsize=10)
    fig.supxlabel(f"bars: mean of {comparison.replications} replications (the same seeds in "
                  f"every arm); lines: 95% CI; * differs from {labels[0]} (paired 95% CI of "
                  "the difference excludes 0)", fontsize=8, color="0.3")
    fig.get_layout_engine().set(h_pad=0.12)
    fig.savefig(path, format="png")


def _panels(comparison: Comparison) -> list[tuple[str, list[Row]]]:
    """Panels in order: a time panel per channel (each its own scale), then one panel per
    metric with a bar group per channel (shares share a scale)."""
    panels: dict[tuple[str, str], list[Row]] = {}
    rows = main_rows(comparison)
    for row in sorted(rows, key=lambda r: r.kind != TIME):  # stable: times first
        key = (row.channel, row.metric) if row.kind == TIME else ("", row.metric)
        panels.setdefault(key, []).append(row)
    return [(_panel_title(rows), rows) for rows in panels.values()]


def _panel_title(rows: list[Row]) -> str:
    label, channel = rows[0].label, rows[0].channel
    if len(rows) > 1:
        return label
    if channel == "pool:all":
        return f"{label}, all pools"
    if channel.startswith("pool:"):
        return f"{label}, {channel.removeprefix('pool:')}"
    return label if channel == "all" else f"{channel}: {label}"


def _bars(ax, table: pd.DataFrame, rows: list[Row], labels: list[str], colours: list[str],
          factor: float) -> None:
    from matplotlib.ticker import StrMethodFormatter

    n = len(labels)
    width = (0.8 if len(rows) > 1 else 0.6) / n
    many = len(rows) * n > 8
    top = 0.0
    for k, (arm, colour) in enumerate(zip(labels, colours, strict=True)):
        for g, row in enumerate(rows):
            key = (row.channel, row.metric, arm)
            if key not in table.index:
                continue
            r = table.loc[key]
            mean = r["mean"] * factor
            if not math.isfinite(mean):
                continue
            x = g + (k - (n - 1) / 2) * width
            low, high = r["ci_low"] * factor, r["ci_high"] * factor
            err = None
            if math.isfinite(low) and math.isfinite(high):
                err = [[max(mean - low, 0)], [max(high - mean, 0)]]
            ax.bar(x, mean, width * 0.92, color=colour, yerr=err, capsize=3,
                   error_kw={"elinewidth": 1, "ecolor": "0.2"})
            tip = high if math.isfinite(high) else mean
            top = max(top, tip, mean)
            mark = "*" if r["significant"] else ""
            text = mark if many else f"{number(mean)}{mark}"
            if text:
                ax.annotate(text, (x, max(tip, mean)), xytext=(0, 2),
                            textcoords="offset points", ha="center", va="bottom",
                            fontsize=7 if not many else 10)
    names = [r.channel.removeprefix("pool:") for r in rows]
    ax.set_xticks(range(len(rows)), names if len(rows) > 1 else [""] * len(rows))
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    if top >= 1000:
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    ax.tick_params(labelsize=8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
