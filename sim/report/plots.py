"""The plots of a run: waits, service level, staffing and (with a public channel) the public
view. Each is a function of a RunResult that returns a matplotlib Figure (no pyplot): the
report renders it to PNG, a notebook shows it (`RunResult.plot(kind)`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.metrics import catalogue
from sim.metrics.display import HOUR, duration, time_unit
from sim.metrics.summary import summarize_columns
from sim.metrics.waits import wait_quantile
from sim.model.units import DAY
from sim.report.figures import Margins, panels, pick, png, style
from sim.runner.run import RunResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

LONG = 2 * DAY
GRID = Margins()  # a grid of panels under a suptitle
STACKED = Margins(top=0.3)  # wide panels one above the other, no suptitle


def render_plots(result: RunResult) -> dict[str, bytes]:
    """File name (`<kind>.png`) -> PNG bytes, in display order; `public.png` only with a
    public channel."""
    return {f"{kind}.png": png(PLOTS[kind](result)) for kind in kinds(result)}


def kinds(result: RunResult) -> list[str]:
    """The plots this run has, in display order."""
    return [kind for kind in PLOTS if kind != "public" or has_public(result)]


def figure(result: RunResult, kind: str = "waits") -> Figure:
    """The Figure of one plot of `result`; ValueError naming the plots it has."""
    return pick(PLOTS, result, kind, kinds(result), "the scenario has no measured public channel")


def has_public(result: RunResult) -> bool:
    """The scenario has a public channel whose intervals were measured."""
    public = public_channels(result)
    return bool(public) and bool(result.intervals.channel.isin(public).any())


def public_channels(result: RunResult) -> list[str]:
    return [n for n, c in result.scenario.channels.items() if c.kind == "public"]


# ---------------------------------------------------------------- helpers

def clock(hours: float, _pos=None) -> str:
    minutes = round(hours * 60)
    return f"{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def time_of_day_axis(ax, horizon: float, label: bool = True) -> None:
    """x in hours from the start of the measured period, ticks as HH:MM."""
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    hours = horizon / HOUR
    step = 3 if hours > 12 else 1 if hours > 3 else 0.5 if hours > 1 else 0.25
    ax.set_xlim(0, hours)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(clock))
    if label:
        ax.set_xlabel("time of day (h)", fontsize=8)


def is_long(result: RunResult) -> bool:
    """A horizon of more than two days: its plots show the average day by time of day, and
    each day faintly behind it, rather than one mark per interval."""
    return result.scenario.horizon > LONG


def span(result: RunResult) -> float:
    """The x axis' length in seconds: the horizon, or a day for a long one."""
    return DAY if is_long(result) else result.scenario.horizon


def _series(result: RunResult, channel: str, metric: str,
            cut: pd.Series | None = None) -> pd.DataFrame:
    """One (channel, metric) of intervals.csv, by interval, with `x` the interval's midpoint in
    hours and `cut` whether the horizon cuts it short (from `cut`, by interval start, as
    `cut_by_horizon` gives it); for a long horizon, by interval of the day: the mean over the
    days with the 95% t-interval over them, the intervals cut short left out, and each day's
    means in `attrs["days"]` (days x intervals)."""
    i = result.intervals
    rows = i[(i.channel == channel) & (i.metric == metric)].sort_values("interval_start")
    width = result.scenario.interval
    start = rows.interval_start.to_numpy(float)
    short = np.zeros(len(rows), dtype=bool) if cut is None else \
        cut.reindex(start, fill_value=False).to_numpy(bool)
    if not is_long(result):
        ends = np.minimum(start + width, result.scenario.horizon)
        return rows.assign(x=(start + ends) / 2 / HOUR, cut=short)
    times_of_day, days = _by_day(start, np.where(short, np.nan, rows["mean"].to_numpy(float)))
    over_days = summarize_columns(days, metrics=[metric] * days.shape[1])  # days: the sample
    out = pd.DataFrame({"x": (times_of_day + width / 2) / HOUR,
                        **{k: over_days[k].to_numpy(float)
                           for k in ("mean", "ci_low", "ci_high")},
                        "cut": np.zeros(len(times_of_day), dtype=bool)})
    out.attrs["days"] = days
    return out


def cut_by_horizon(result: RunResult, channel: str, within: float = math.inf) -> pd.Series:
    """By interval start: whether the horizon cuts the interval's value short, so that it is
    only a bound: some contact of `channel` that arrived in it was still waiting for an agent
    at the horizon (in some replication: offered > answered + abandoned), and its `within`
    (a target time: its deadline; infinite: a value that grows until the answer, such as
    impressions) ends after the horizon."""
    i = result.intervals
    of_channel = i.channel.to_numpy() == channel
    metrics, start, mean = i.metric.to_numpy(), i.interval_start.to_numpy(float), \
        i["mean"].to_numpy(float)
    # every metric of a channel has a row at every interval, in the order of their starts
    offered, answered, abandoned = (mean[of_channel & (metrics == m)]
                                    for m in ("offered", "answered", "abandoned"))
    starts = start[of_channel & (metrics == "offered")]
    waiting = offered - answered - abandoned > 1e-9 * np.maximum(offered, 1.0)  # no rounding
    horizon = result.scenario.horizon
    end = np.minimum(starts + result.scenario.interval, horizon)
    return pd.Series(waiting & (end + within > horizon), index=starts)


def _by_day(start: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The intervals' times of day (sorted) and their values as a days x times-of-day matrix,
    NaN where a day lacks an interval (a horizon that ends within a day). In numpy: a pivot
    table over a month's intervals took a tenth of a plot's time."""
    day = (start // DAY).astype(int)
    times_of_day, column = np.unique(start % DAY, return_inverse=True)
    days = np.full((day.max(initial=-1) + 1, len(times_of_day)), np.nan)
    days[day, column] = values
    return times_of_day, days


def _line(ax: Axes, rows: pd.DataFrame, factor: float, colour: str, label: str | None = None,
          alpha: float = 0.2) -> None:
    """The mean and its band (within the metric's range: the tables' intervals are); the
    intervals the horizon cuts short (`rows.cut`) dashed grey, without a band."""
    mean = rows["mean"].to_numpy(float) * factor
    cut = rows["cut"].to_numpy(bool)
    if "days" in rows.attrs:  # a long horizon: each day, faintly
        _faint_days(ax, rows.x.to_numpy(float), rows.attrs["days"] * factor, colour)
    ax.plot(rows.x, np.where(cut, np.nan, mean), color=colour, lw=1.5, label=label)
    if cut.any():
        joined = cut | np.append(cut[1:], False)  # from the last whole interval on
        ax.plot(rows.x, np.where(joined, mean, np.nan), color="0.5", lw=1.2, ls="--")
    ci_low = np.where(cut, np.nan, rows.ci_low.to_numpy(float)) * factor
    ci_high = np.where(cut, np.nan, rows.ci_high.to_numpy(float)) * factor
    ax.fill_between(rows.x, ci_low, ci_high, color=colour, alpha=alpha, lw=0)


CUT_LABEL = "answered after the horizon"  # the hatched intervals: values still to grow


def _cut_spans(ax: Axes, rows: pd.DataFrame, result: RunResult) -> None:
    """Hatch the runs of intervals the horizon cuts short (`rows.cut`), each named by a text
    inside it (a legend would cover the lines of a panel this small)."""
    cut = rows["cut"].to_numpy(bool)
    if not cut.any():
        return
    edges = np.flatnonzero(np.diff(np.concatenate(([0], cut.astype(np.int8), [0]))))
    start = rows.interval_start.to_numpy(float)
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        end = min(start[stop - 1] + result.scenario.interval, result.scenario.horizon)
        ax.axvspan(start[first] / HOUR, end / HOUR, facecolor="none", edgecolor="0.75",
                   hatch="///", lw=0, zorder=0)
        ax.text(end / HOUR, 50, CUT_LABEL, rotation=90, ha="right", va="center", fontsize=7,
                color="0.35")


def _faint_days(ax: Axes, x: np.ndarray, days: np.ndarray, colour: str) -> None:
    """Each day's line (`days`: days x intervals) as one LineCollection, not a Line2D per day:
    one artist to build and draw for a month, and, unlike one line broken by NaNs, each day
    still drawn on its own, so that where days agree the faint lines add up darker. At the
    lines' zorder, over the band as the Line2Ds were."""
    from matplotlib.collections import LineCollection

    segments = np.stack(np.broadcast_arrays(x, days), axis=-1)  # days x intervals x (x, y)
    ax.add_collection(LineCollection(segments, colors=colour, linewidths=0.5, alpha=0.25,
                                     zorder=2))


def _colours(result: RunResult) -> dict[str, str]:
    return {name: f"C{k % 10}" for k, name in enumerate(result.scenario.channels)}


def _footnote(fig, result: RunResult, text: str) -> None:
    days = (f"the average day of {result.scenario.horizon / DAY:.3g} days (faint: each day, band: "
            "95% CI over the days, intervals the horizon cuts short left out); ") \
        if is_long(result) else ""
    fig.supxlabel(f"{days}{text}; {result.replications} replications, seed {result.seed}",
                  fontsize=8, color="0.3")


# ---------------------------------------------------------------- plots

def plot_waits(result: RunResult) -> Figure:
    """waits.png: per channel, the share of answered contacts (measured period) answered
    within a given wait (empirical CDF), with the channel's target marked."""
    channels = list(result.scenario.channels.items())
    fig, axes = panels(len(channels), 3, margins=GRID)
    colours = _colours(result)
    edges = result.waits.index.to_numpy(float)  # each bin's upper edge
    for ax, (name, channel) in zip(axes, channels, strict=False):
        counts = result.waits[name].to_numpy()
        target = channel.target
        ax.set_title(f"{name} ({channel.kind})", fontsize=10)
        style(ax)
        if counts.sum() == 0:
            ax.text(0.5, 0.5, "no answered contacts", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="0.4")
            ax.set_yticks([])
            ax.set_xticks([])
            continue
        reach = wait_quantile(counts, 0.99)
        if target is not None:
            reach = max(reach, target.within)
        unit, seconds = time_unit(reach)
        # the CDF through the bins' edges (2.3% apart): a long run's millions of waits are
        # counted where they are simulated, not kept
        shown = np.searchsorted(edges, max(reach, 1.0) * 1.05) + 1
        grid = np.concatenate(([0.0], edges[:shown]))
        share = np.concatenate(([0.0], np.cumsum(counts)[:shown])) / counts.sum() * 100
        ax.plot(grid / seconds, share, color=colours[name], lw=1.5)
        if target is not None:
            ax.axvline(target.within / seconds, color="0.3", ls="--", lw=1)
            ax.axhline(target.share * 100, color="0.3", ls=":", lw=1)
            left = target.within > 0.6 * max(reach, 1.0) * 1.05  # keep it inside the panel
            ax.annotate(f"target {target.share:.0%} within {duration(target.within)}",
                        (target.within / seconds, 3), xytext=(-3 if left else 3, 0),
                        textcoords="offset points", fontsize=7, color="0.3",
                        ha="right" if left else "left")
        ax.set_xlim(0, max(reach, 1.0) * 1.05 / seconds)  # all waits 0: still a visible axis
        ax.set_ylim(0, 101)
        ax.set_xlabel(f"wait ({unit})", fontsize=8)
        ax.set_ylabel("answered within (%)", fontsize=8)
    fig.suptitle("Waits of answered contacts: share answered within a wait", fontsize=11)
    _footnote(fig, result, "x axis up to the 99th percentile (or the target); dashed: the "
                           "target's time, dotted: its share")
    return fig


def plot_service_level(result: RunResult) -> Figure:
    """service_level.png: per channel with a target, the share answered within the target
    time, per interval (mean and 95% CI), against the target share."""
    measured = set(result.intervals.channel[result.intervals.metric == "service_level"])
    channels = [(n, c) for n, c in result.scenario.channels.items()
                if c.target is not None and n in measured]
    fig, axes = panels(max(1, len(channels)), 3, margins=GRID)
    colours = _colours(result)
    if not channels:
        axes[0].text(0.5, 0.5, "no channel has a service-level target", ha="center",
                     va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
    for ax, (name, channel) in zip(axes, channels, strict=False):
        style(ax)
        rows = _series(result, name, "service_level",
                       cut_by_horizon(result, name, channel.target.within))
        _line(ax, rows, 100, colours[name])
        _cut_spans(ax, rows, result)
        ax.axhline(channel.target.share * 100, color="0.3", ls="--", lw=1)
        ax.set_title(f"{name}: {channel.target.share:.0%} within "
                     f"{duration(channel.target.within)}", fontsize=10)
        ax.set_ylim(0, 102)
        ax.set_ylabel(f"{catalogue.label('service_level')} (%)", fontsize=8)
        time_of_day_axis(ax, span(result))
    fig.suptitle("Service level per interval (contacts counted in the interval they arrive)",
                 fontsize=11)
    _footnote(fig, result, "line: mean, band: 95% CI, dashed: target share; gaps: no contact; "
                           "hatched: still waiting at the horizon, the target after it")
    return fig


def plot_staffing(result: RunResult) -> Figure:
    """staffing.png: mean agents on shift and occupancy per interval, one line per pool."""
    fig, axes = panels(2, 1, width=9.0, height=3.0, margins=STACKED)
    agents_ax, occupancy_ax = axes
    top = 100.0  # occupancy can pass 100% (concurrent chats, work finished after a shift)
    for k, name in enumerate(result.scenario.pools):
        colour = f"C{k % 10}"
        agents = _series(result, f"pool:{name}", "agents")
        occupancy = _series(result, f"pool:{name}", "occupancy")
        # several pools share an axis: light bands, so the means stay readable
        _line(agents_ax, agents, 1, colour, label=name, alpha=0.1)
        _line(occupancy_ax, occupancy, 100, colour, label=name, alpha=0.08)
        top = max(top, float(occupancy["mean"].fillna(0).max()) * 100 if len(occupancy) else 0)
    agents_ax.set_title("Agents on shift (mean per interval)", fontsize=10)
    agents_ax.set_ylabel(catalogue.label("agents"), fontsize=8)
    agents_ax.set_ylim(bottom=0)
    occupancy_ax.set_title("Occupancy: share of staffed time spent serving", fontsize=10)
    occupancy_ax.set_ylabel(f"{catalogue.label('occupancy')} (%)", fontsize=8)
    occupancy_ax.set_ylim(0, top * 1.02)
    for ax in axes:
        style(ax)
        time_of_day_axis(ax, span(result))
    agents_ax.legend(fontsize=8, frameon=False, ncols=min(6, len(result.scenario.pools)),
                     loc="upper left", title="pool", title_fontsize=8)
    _footnote(fig, result, "line: mean, band: 95% CI")
    return fig


def plot_public(result: RunResult) -> Figure:
    """public.png: public complaints not yet replied to (time average per interval) and the
    impressions of unanswered public complaints, per interval of arrival."""
    fig, axes = panels(2, 1, width=9.0, height=3.0, margins=STACKED)
    outstanding_ax, impressions_ax = axes
    colours = _colours(result)
    labelled = False  # the bars the horizon cuts short, once in the legend
    for name in public_channels(result):
        _line(outstanding_ax, _series(result, name, "public_outstanding"), 1, colours[name],
              label=name)
        rows = _series(result, name, "unanswered_impressions", cut_by_horizon(result, name))
        x, mean = rows.x.to_numpy(float), rows["mean"].to_numpy(float)
        err = np.nan_to_num(np.vstack((np.clip(mean - rows.ci_low.to_numpy(float), 0, None),
                                       np.clip(rows.ci_high.to_numpy(float) - mean, 0, None))))
        width = result.scenario.interval / HOUR * 0.85
        whole = ~rows["cut"].to_numpy(bool)
        impressions_ax.bar(x[whole], mean[whole], width=width, color=colours[name],
                           yerr=err[:, whole], label=name,
                           error_kw={"elinewidth": 0.8, "ecolor": "0.3"})
        if not whole.all():  # still growing at the horizon: a lower bound, no whisker
            impressions_ax.bar(x[~whole], mean[~whole], width=width, color="none",
                               edgecolor=colours[name], hatch="///", lw=0.6,
                               label=None if labelled else CUT_LABEL)
            labelled = True
    outstanding_ax.set_title("Public complaints outstanding (not yet replied to)", fontsize=10)
    outstanding_ax.set_ylabel(catalogue.label("public_outstanding"), fontsize=8)
    outstanding_ax.set_ylim(bottom=0)
    impressions_ax.set_title("Impressions while unanswered, by interval of the public contact",
                             fontsize=10)
    impressions_ax.set_ylabel(catalogue.label("unanswered_impressions"), fontsize=8)
    impressions_ax.set_ylim(bottom=0)
    from matplotlib.ticker import StrMethodFormatter
    impressions_ax.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    for ax in axes:
        style(ax)
        time_of_day_axis(ax, span(result))
        ax.legend(fontsize=8, frameon=False, loc="upper left")
    _footnote(fig, result, "line/bars: mean, band/whiskers: 95% CI; hatched: still unanswered "
                           "at the horizon")
    return fig


PLOTS = {"waits": plot_waits, "service_level": plot_service_level, "staffing": plot_staffing,
         "public": plot_public}
