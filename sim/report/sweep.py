"""The outputs of a sweep: sweep.parquet, sweep.csv and sweep.png, each written atomically.
The chart is drawn with matplotlib's Figure on the Agg canvas, no pyplot, as compare.png."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.files.atomic import write_atomic
from sim.metrics.display import time_unit
from sim.runner.sweep import SweepResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SHARE_METRICS = {"service_level", "abandon_rate", "delayed_share", "occupancy",
                 "escalation_rate", "resolved_share", "self_service_share"}


def default_plot(table: pd.DataFrame) -> tuple[str, str]:
    """`all:service_level` if the sweep has it, else `all:wait_mean`."""
    have = set(zip(table.channel, table.metric, strict=True))
    if ("all", "service_level") in have:
        return "all", "service_level"
    return "all", "wait_mean"


def parse_plot(text: str) -> tuple[str, str]:
    """CHANNEL:METRIC -> (channel, metric); ValueError if it is not of that form."""
    channel, sep, metric = text.rpartition(":")
    if not sep or not channel or not metric:
        raise ValueError(f"--plot {text!r}: expected CHANNEL:METRIC, e.g. all:service_level "
                         "or phone:wait_mean")
    return channel, metric


def write_sweep(result: SweepResult, out: Path,
                plot: tuple[str, str] | None = None) -> tuple[list[Path], str | None]:
    """Write sweep.parquet, sweep.csv and (if the plotted metric is in the table) sweep.png.
    Returns the paths written, and why the chart was left out (None if drawn)."""
    table = result.table
    paths = [write_atomic(out / "sweep.parquet", lambda p: table.to_parquet(p, index=False)),
             write_atomic(out / "sweep.csv", lambda p: table.to_csv(p, index=False))]
    channel, metric = plot or default_plot(table)
    rows = table[(table.channel == channel) & (table.metric == metric)]
    if rows.empty:
        known = sorted(set(table.metric))
        return paths, (f"--plot {channel}:{metric}: not in the sweep's results, so no "
                       f"sweep.png (metrics: {', '.join(known)})")
    paths.append(write_atomic(out / "sweep.png",
                              lambda p: plot_sweep(result, channel, metric, p)))
    return paths, None


def plot_sweep(result: SweepResult, channel: str, metric: str, path: Path) -> None:
    """sweep.png: `sweep_figure`, as a PNG file."""
    sweep_figure(result, channel, metric).savefig(path, format="png")


def sweep_figure(result: SweepResult, channel: str, metric: str) -> Figure:
    """The metric against the first swept key, one line per combination of the other keys,
    with 95% CI bars; ValueError if the sweep has no such channel and metric."""
    from matplotlib.figure import Figure

    keys = result.keys
    x_key, others = keys[0], keys[1:]
    rows = result.table[(result.table.channel == channel) & (result.table.metric == metric)]
    if rows.empty:
        raise ValueError(f"{channel}:{metric}: not in the sweep's results (channels: "
                         f"{', '.join(dict.fromkeys(result.table.channel))}; metrics: "
                         f"{', '.join(sorted(set(result.table.metric)))})")
    factor, unit = _scale(metric, rows["mean"])
    xs = list(dict.fromkeys(rows[x_key]))
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs)
    position = {x: (x if numeric else k) for k, x in enumerate(xs)}

    fig = Figure(figsize=(6.4, 4.2), dpi=110, layout="constrained")
    ax = fig.subplots()
    groups = list(rows.groupby(others, sort=False)) if others else [((), rows)]
    for k, (values, group) in enumerate(groups):
        values = values if isinstance(values, tuple) else (values,)
        name = ", ".join(f"{key}={v}" for key, v in zip(others, values, strict=True)) or None
        x = [position[v] for v in group[x_key]]
        mean = group["mean"].to_numpy() * factor
        low = group["ci_low"].to_numpy() * factor
        high = group["ci_high"].to_numpy() * factor
        err = [[max(m - lo, 0) if math.isfinite(lo) else 0 for m, lo in zip(mean, low,
                                                                           strict=True)],
               [max(hi - m, 0) if math.isfinite(hi) else 0 for m, hi in zip(mean, high,
                                                                           strict=True)]]
        ax.errorbar(x, mean, yerr=err, color=f"C{k % 10}", marker="o", markersize=4,
                    capsize=3, linewidth=1.4, elinewidth=1, label=name)
    if not numeric:
        ax.set_xticks(range(len(xs)), [str(x) for x in xs])
    elif all(isinstance(x, int) for x in xs):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(x_key)
    ax.set_ylabel(f"{metric} ({unit})" if unit else metric)
    where = "all channels" if channel == "all" else channel
    ax.set_title(f"{metric}, {where}", fontsize=11)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    if others:
        ax.legend(fontsize=8, frameon=False)
    fig.supxlabel(f"points: mean of {result.replications} replications (the same seed "
                  f"{result.seed} at every point); bars: 95% CI", fontsize=8, color="0.3")
    return fig


def _scale(metric: str, means: pd.Series) -> tuple[float, str]:
    if metric in SHARE_METRICS or metric.endswith(("_rate", "_share")):
        return 100.0, "%"
    if metric.endswith(("_mean", "_time")) or "wait" in metric:
        unit, seconds = time_unit(float(means.abs().max()))
        return 1 / seconds, unit
    return 1.0, ""

