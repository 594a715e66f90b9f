"""The plots of a comparison, the arms side by side: a bar per arm with its 95% CI and a * over
a significant difference from the first arm. compare.png has the main metrics,
compare_waits.png the waits per channel, compare_public.png (with a public channel) the
public view. Each is a matplotlib Figure (no pyplot): the report renders it to PNG, a
notebook shows it (`Comparison.plot(kind)`)."""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from sim.metrics.display import duration, number
from sim.report.compare_rows import Row, main_rows, row_scale
from sim.report.figures import panels, pick, png, style
from sim.runner.compare import Comparison

if TYPE_CHECKING:
    from matplotlib.figure import Figure

WAITS = ("wait_p50", "wait_mean", "wait_p90")
PUBLIC = ("public_complaints", "unanswered_impressions", "reply_impressions")


@dataclass(frozen=True)
class Panel:
    """One panel: a group of bars (one per arm) for each row, `ticks` naming the groups, and
    optionally a dashed line at `mark` (in the rows' own unit, seconds for a time)."""

    title: str
    rows: list[Row]
    ticks: list[str]
    mark: float | None = None


def render_plots(comparison: Comparison) -> dict[str, bytes]:
    """File name -> PNG bytes, in display order; compare_public.png only with a public
    channel."""
    names = {"main": "compare.png", "waits": "compare_waits.png",
             "public": "compare_public.png"}
    return {names[kind]: png(PLOTS[kind](comparison)) for kind in kinds(comparison)}


def kinds(comparison: Comparison) -> list[str]:
    """The plots this comparison has, in display order."""
    return [kind for kind in PLOTS if kind != "public" or _public_panels(comparison)]


def figure(comparison: Comparison, kind: str = "main") -> Figure:
    """The Figure of one plot of `comparison`; ValueError naming the plots it has."""
    return pick(PLOTS, comparison, kind, kinds(comparison), "no arm has a public channel")


# ---------------------------------------------------------------- the plots

def plot_main(comparison: Comparison) -> Figure:
    """compare.png: a panel per main metric (the console table's rows): a time panel per
    channel (each its own scale), then one panel per metric with a bar group per channel."""
    grouped: dict[tuple[str, str], list[Row]] = {}
    for row in sorted(main_rows(comparison), key=lambda r: r.kind != "time"):  # times first
        key = (row.channel, row.metric) if row.kind == "time" else ("", row.metric)
        grouped.setdefault(key, []).append(row)
    found = [Panel(_panel_title(rows), rows,
                   [r.channel.removeprefix("pool:") for r in rows] if len(rows) > 1 else [""])
             for rows in grouped.values()]
    return _bar_figure(comparison, found, None, "no metric differs from 0")


def plot_waits(comparison: Comparison) -> Figure:
    """compare_waits.png: per channel, the median, mean and 90th percentile wait of answered
    contacts in each arm, with the channel's target time (first arm) dashed."""
    have = _nonzero(comparison)
    channels = dict.fromkeys(c for c in comparison.table.channel
                             if c != "all" and not c.startswith("pool:"))
    targets = comparison.arms[0].scenario.channels
    found = []
    for channel in channels:
        rows = [Row(channel, metric) for metric in WAITS if (channel, metric) in have]
        if rows:
            target = targets[channel].target if channel in targets else None
            found.append(Panel(f"{channel}: wait", rows,
                               [textwrap.fill(r.label, 12) for r in rows],
                               target.within if target is not None else None))
    return _bar_figure(comparison, found, "Waits of answered contacts, per channel",
                       "no channel has a wait", "dashed: the target time")


def plot_public(comparison: Comparison) -> Figure:
    """compare_public.png: public complaints, impressions while unanswered and impressions of
    the brand's replies, a bar group per public channel."""
    return _bar_figure(comparison, _public_panels(comparison), "The public view",
                       "no public channel")


PLOTS = {"main": plot_main, "waits": plot_waits, "public": plot_public}


# ---------------------------------------------------------------- helpers

def _public_panels(comparison: Comparison) -> list[Panel]:
    public = list(dict.fromkeys(name for arm in comparison.arms
                                for name, c in arm.scenario.channels.items()
                                if c.kind == "public"))
    have = _nonzero(comparison)
    found = []
    for metric in PUBLIC:
        rows = [Row(ch, metric) for ch in public if (ch, metric) in have]
        if rows:
            found.append(Panel(rows[0].label, rows, [r.channel for r in rows] if len(rows) > 1
                               else [""]))
    return found


def _nonzero(comparison: Comparison) -> set[tuple[str, str]]:
    """(channel, metric) pairs that some arm has with a mean other than 0."""
    t = comparison.table
    return set(zip(t.channel[t["mean"].abs() > 0], t.metric[t["mean"].abs() > 0],
                   strict=True))


def _panel_title(rows: list[Row]) -> str:
    label, channel = rows[0].label, rows[0].channel
    if len(rows) > 1:
        return label
    if channel == "pool:all":
        return f"{label}, all pools"
    if channel.startswith("pool:"):
        return f"{label}, {channel.removeprefix('pool:')}"
    return label if channel == "all" else f"{channel}: {label}"


def _bar_figure(comparison: Comparison, found: list[Panel], title: str | None, empty: str,
                note: str = "") -> Figure:
    """A grid of bar panels, a shared legend of the arms and a footnote."""
    from matplotlib.patches import Patch

    labels = comparison.labels
    fig, axes = panels(max(1, len(found)), 3 if len(found) <= 9 else 4, width=3.8, height=2.9,
                       extra=0.8, dpi=110)
    colours = [f"C{k % 10}" for k in range(len(labels))]
    table = comparison.table.set_index(["channel", "metric", "arm"]).sort_index()
    for ax, panel in zip(axes, found, strict=False):
        unit, factor = row_scale(panel.rows[0], pd.concat(
            [table.loc[(r.channel, r.metric), "mean"] for r in panel.rows]))
        _bars(ax, table, panel, labels, colours, factor)
        ax.set_title(f"{panel.title} ({unit})" if unit else panel.title, fontsize=10)
    if not found:
        axes[0].text(0.5, 0.5, empty, ha="center", va="center")
        axes[0].set_axis_off()
    handles = [Patch(color=c, label=label) for c, label in zip(colours, labels, strict=True)]
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(labels), 6),
               frameon=False, fontsize=10, title=title, title_fontsize=11)
    fig.supxlabel(f"bars: mean of {comparison.replications} replications (the same seeds in "
                  f"every arm); lines: 95% CI; * differs from {labels[0]} (paired 95% CI of "
                  f"the difference excludes 0){'; ' + note if note else ''}", fontsize=8,
                  color="0.3")
    fig.get_layout_engine().set(h_pad=0.12)
    return fig


def _bars(ax, table: pd.DataFrame, panel: Panel, labels: list[str], colours: list[str],
          factor: float) -> None:
    from matplotlib.ticker import StrMethodFormatter

    rows = panel.rows
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
    if panel.mark is not None and panel.mark * factor <= 3 * top:
        ax.axhline(panel.mark * factor, color="0.3", ls="--", lw=1)
        top = max(top, panel.mark * factor)
    elif panel.mark is not None:  # far above the bars: named, not drawn
        ax.text(0.02, 0.97, f"target {duration(panel.mark)}", transform=ax.transAxes,
                ha="left", va="top", fontsize=7, color="0.3")
    ax.set_xticks(range(len(rows)), panel.ticks)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    if top >= 1000:
        ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    style(ax, grid="y")
