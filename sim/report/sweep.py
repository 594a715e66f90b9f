"""The outputs of a sweep: sweep.parquet, sweep.csv, sweep.png and report.html, each written
atomically. The chart shows a metric by its catalogue label and unit against the first swept
key (named by its last parts, durations in one time unit, text values as categories), with
the target where the scenario sets one; drawn with matplotlib's Figure, no pyplot."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.files.atomic import write_atomic, write_text_atomic
from sim.files.tables import write_csv
from sim.metrics.catalogue import label
from sim.metrics.display import scale, shown, time_unit
from sim.model.units import parse_duration
from sim.report.figures import png
from sim.runner.sweep import Point, SweepResult
from sim.staffing.cells import goals_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DODGE = 0.08  # categories: each line's points moved this far apart, so their bars show


def default_plot(table: pd.DataFrame) -> tuple[str, str]:
    """`all:service_level` if the sweep has it, else the first channel's mean wait."""
    have = set(zip(table.channel, table.metric, strict=True))
    if ("all", "service_level") in have:
        return "all", "service_level"
    waits = [channel for channel, name in have if name == "wait_mean"]
    first = next((c for c in dict.fromkeys(table.channel) if c in waits), "all")
    return first, "wait_mean"


def parse_plot(text: str) -> tuple[str, str]:
    """CHANNEL:METRIC -> (channel, metric); ValueError if it is not of that form."""
    channel, sep, metric = text.rpartition(":")
    if not sep or not channel or not metric:
        raise ValueError(f"--plot {text!r}: expected CHANNEL:METRIC, e.g. all:service_level "
                         "or phone:wait_mean")
    return channel, metric


def write_sweep(result: SweepResult, out: Path, plot: tuple[str, str] | None = None,
                points: Sequence[Point] = ()) -> tuple[list[Path], str | None]:
    """Write sweep.parquet, sweep.csv, (if the plotted metric is in the table) sweep.png and
    report.html; `points` (the sweep's, in order) give the name and the targets. Returns the
    paths written, and why the chart was left out (None if drawn)."""
    from sim.report.sweep_html import sweep_html

    table = result.table
    paths = [write_atomic(out / "sweep.parquet", lambda p: table.to_parquet(p, index=False)),
             write_csv(out / "sweep.csv", table)]
    channel, metric = plot or default_plot(table)
    rows = table[(table.channel == channel) & (table.metric == metric)]
    chart, missing = None, None
    if rows.empty:
        known = sorted(set(table.metric))
        missing = (f"--plot {channel}:{metric}: not in the sweep's results, so no sweep.png "
                   f"(metrics: {', '.join(known)})")
    else:
        chart = png(sweep_figure(result, channel, metric, points))
        paths.append(write_atomic(out / "sweep.png", lambda p: p.write_bytes(chart)))
    page = sweep_html(result, channel, metric, points, chart, missing)
    paths.append(write_text_atomic(out / "report.html", page))
    return paths, missing


def plot_sweep(result: SweepResult, channel: str, metric: str, path: Path,
               points: Sequence[Point] = ()) -> None:
    """sweep.png: `sweep_figure`, as a PNG file."""
    path.write_bytes(png(sweep_figure(result, channel, metric, points)))


# ---------------------------------------------------------------- the swept keys

@dataclass(frozen=True)
class Axis:
    """How a swept key is shown: its name for people, each value's position, and tick labels
    when its values are categories."""

    label: str
    position: dict[object, float]
    categories: list[str] | None = None  # tick labels, in order; None: a numeric axis


def key_name(key: str) -> str:
    """A dotted key for people, by its last parts: the table's name is dropped from keys
    of three parts or more ("pools.phone.agents" -> "phone agents")."""
    parts = key.split(".")
    return " ".join(parts[1:] if len(parts) >= 3 else parts).replace("_", " ")


def axis(key: str, values: Sequence[object]) -> Axis:
    """Numbers as they are; durations given with a unit ("45s", "2min") in one time unit;
    any other values (policy or preset names, text) as categories in the order given."""
    values = list(dict.fromkeys(values))
    if all(isinstance(v, Real) and not isinstance(v, bool | np.bool_) for v in values):
        return Axis(key_name(key), {v: float(v) for v in values})
    seconds = _durations(values)
    if seconds is not None:
        unit, size = time_unit(max(seconds))
        return Axis(f"{key_name(key)} ({unit})",
                    {v: s / size for v, s in zip(values, seconds, strict=True)})
    return Axis(key_name(key), {v: float(k) for k, v in enumerate(values)},
                [str(v) for v in values])


def _durations(values: list[object]) -> list[float] | None:
    if not all(isinstance(v, str) for v in values):
        return None
    try:
        return [parse_duration(v) for v in values]
    except ValueError:
        return None


def point_name(keys: Sequence[str], values: Sequence[object]) -> str:
    """The other keys of a line for the legend: "choice preset = survey-2010"."""
    return ", ".join(f"{key_name(k)} = {v}" for k, v in zip(keys, values, strict=True))


# ---------------------------------------------------------------- targets

def target_of(point: Point, channel: str, metric: str) -> tuple[float, bool] | None:
    """(bound, at least) of the goal the point's scenario sets on `metric` of `channel`; for
    `all`'s service level, the target share every channel with a target shares (none if
    they differ)."""
    goals = goals_of(point.scenario)
    if channel == "all" and metric == "service_level":
        shares = {g.bound for g in goals if g.metric == "service_level"}
        return (shares.pop(), True) if len(shares) == 1 else None
    found = [(g.bound, g.at_least) for g in goals if g.key == channel and g.metric == metric]
    return found[0] if found else None


def targets(result: SweepResult, points: Sequence[Point], channel: str,
            metric: str) -> dict[tuple[str, ...], tuple[float, bool]]:
    """By point (its values as text, in the keys' order): the target of `metric` of
    `channel`, for the points that set one."""
    out = {}
    for point in points:
        found = target_of(point, channel, metric)
        if found is not None:
            out[tuple(str(point.values[k]) for k in result.keys)] = found
    return out


# ---------------------------------------------------------------- the chart

def sweep_figure(result: SweepResult, channel: str, metric: str,
                 points: Sequence[Point] = ()) -> Figure:
    """The metric against the first swept key, one line per combination of the other keys,
    with 95% CI bars and the target of `points`' scenarios (dashed) where they set one;
    ValueError if the sweep has no such channel and metric."""
    from matplotlib.figure import Figure

    keys = result.keys
    x_key, others = keys[0], keys[1:]
    rows = result.table[(result.table.channel == channel) & (result.table.metric == metric)]
    if rows.empty:
        raise ValueError(f"{channel}:{metric}: not in the sweep's results (channels: "
                         f"{', '.join(dict.fromkeys(result.table.channel))}; metrics: "
                         f"{', '.join(sorted(set(result.table.metric)))})")
    unit, factor = scale(metric, float(rows["mean"].abs().max()))
    x_axis = axis(x_key, list(rows[x_key]))
    goal = targets(result, points, channel, metric)

    fig = Figure(figsize=(6.4, 4.2), dpi=110, layout="constrained")
    ax = fig.subplots()
    distinct = set(goal.values())
    if len(distinct) == 1:  # the same target at every point that sets one
        bound, at_least = next(iter(distinct))
        ax.axhline(bound * factor, color="0.3", ls="--", lw=1,
                   label=f"target {'≥' if at_least else '≤'} {shown(metric, bound)}")
    groups = list(rows.groupby(others, sort=False)) if others else [((), rows)]
    for k, (values, group) in enumerate(groups):
        values = values if isinstance(values, tuple) else (values,)
        shift = (k - (len(groups) - 1) / 2) * DODGE if x_axis.categories else 0.0
        x = [x_axis.position[v] + shift for v in group[x_key]]
        mean = group["mean"].to_numpy() * factor
        err = [[_reach(m, c * factor) for m, c in zip(mean, group["ci_low"], strict=True)],
               [_reach(m, c * factor) for m, c in zip(mean, group["ci_high"], strict=True)]]
        ax.errorbar(x, mean, yerr=err, color=f"C{k % 10}", marker="o", markersize=4,
                    capsize=3, linewidth=1.4, elinewidth=1,
                    linestyle="none" if x_axis.categories else "-",
                    label=point_name(others, values) or None)
        if len(distinct) > 1:
            _target_line(ax, group, keys, goal, x, factor, f"C{k % 10}", k == 0)
    _x_ticks(ax, x_axis)
    ax.set_xlabel(x_axis.label)
    ax.set_ylabel(f"{label(metric)} ({unit})" if unit else label(metric))
    where = ("all channels" if channel == "all" else
             f"pool {channel.removeprefix('pool:')}" if channel.startswith("pool:") else channel)
    ax.set_title(f"{label(metric)}, {where}", fontsize=11)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    if others or goal:
        ax.legend(fontsize=8, frameon=False)
    fig.supxlabel(f"points: mean of {result.replications} replications (the same seed "
                  f"{result.seed} at every point); bars: 95% CI", fontsize=8, color="0.3")
    return fig


def _reach(mean: float, bound: float) -> float:
    """How far an error bar reaches from `mean` to `bound` (0 without a bound)."""
    return abs(bound - mean) if math.isfinite(bound) else 0.0


def _target_line(ax: Axes, group: pd.DataFrame, keys: list[str],
                 goal: dict[tuple[str, ...], tuple[float, bool]], x: list[float],
                 factor: float, colour: str, first: bool) -> None:
    """A target that differs between points (it is swept): a dashed line in the line's
    colour through each point's target."""
    found = [goal.get(tuple(str(v) for v in row)) for row in group[keys].itertuples(False)]
    y = [f[0] * factor if f else math.nan for f in found]
    ax.plot(x, y, color=colour, ls="--", lw=0.9, label="target" if first else None)


def _x_ticks(ax: Axes, x_axis: Axis) -> None:
    """Categories at their positions, by name; whole numbers on an axis of whole numbers."""
    if x_axis.categories is not None:
        ax.set_xticks(range(len(x_axis.categories)), x_axis.categories)
        ax.set_xlim(-0.5, len(x_axis.categories) - 0.5)
    elif all(float(v).is_integer() for v in x_axis.position):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
