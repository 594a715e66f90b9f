"""The plot helpers for notebooks: `RunResult.plot`, `Comparison.plot` and `SweepResult.plot`
return matplotlib Figures (Agg, no pyplot), the same Figures the reports render to PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.metrics.catalogue import label
from sim.report import compare_plots, plots
from sim.report.figures import png
from sim.runner.sweep import VALUE_COLUMNS, SweepResult
from sim.scenario.load import parse_scenario
from tests.support import edit

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[2]
TWITTER = [ROOT / "scenarios" / f"twitter-{year}.toml" for year in (2015, 2010)]
PNG = b"\x89PNG\r\n\x1a\n"


def mini(agents: int = 3):
    import tomllib

    return parse_scenario(tomllib.loads(edit("agents = 3", f"agents = {agents}")))


@pytest.fixture(scope="module")
def run_result():
    """The small two-channel scenario: no public channel."""
    return sim.run(mini(), replications=2, seed=5)


@pytest.fixture(scope="module")
def rendered(run_result) -> dict[str, bytes]:
    return plots.render_plots(run_result)


@pytest.fixture(scope="module")
def public_result():
    return sim.run(TWITTER[0], replications=1, seed=5)


@pytest.fixture(scope="module")
def comparison():
    """Two arms of the small scenario, 3 and 4 agents: no public channel."""
    return sim.compare([mini(3), mini(4)], ["three", "four"], replications=2, seed=5)


@pytest.fixture(scope="module")
def public_comparison():
    return sim.compare(TWITTER, replications=1, seed=5)


def titles(fig: Figure) -> list[str]:
    return [ax.get_title() for ax in fig.axes if ax.get_visible()]


def shown_ticklabels(ax) -> list:
    """The tick labels drawn: those of ticks within the axes' limits."""
    return [label
            for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim()))
            for loc, label in zip(axis.get_ticklocs(), axis.get_ticklabels(), strict=True)
            if min(low, high) <= loc <= max(low, high) and label.get_text()]


# ---------------------------------------------------------------- a run

@pytest.mark.parametrize("kind", ["waits", "service_level", "staffing"])
def test_run_plot_is_the_figure_the_report_renders(run_result, rendered, kind):
    fig = run_result.plot(kind)
    assert isinstance(fig, Figure)
    assert png(fig) == rendered[f"{kind}.png"]


def test_run_plot_defaults_to_waits_one_panel_per_channel(run_result):
    assert titles(run_result.plot()) == ["phone (realtime)", "email (deferred)"]


def test_public_plot_only_with_a_public_channel(run_result, public_result):
    assert plots.kinds(public_result) == ["waits", "service_level", "staffing", "public"]
    assert png(public_result.plot("public")).startswith(PNG)
    with pytest.raises(ValueError, match="no measured public channel"):
        run_result.plot("public")


def test_a_long_horizon_is_drawn_as_its_average_day_with_each_day_behind():
    """Three days: one curve over the 24 hours of the day, the mean of the days' interval
    means, and one faint line per day (one LineCollection); the axis is a day, not 72 hours
    of ticks."""
    import tomllib

    from matplotlib.collections import LineCollection

    data = tomllib.loads(edit('horizon = "2h"', 'horizon = "3d"'))
    result = sim.run(parse_scenario(data), replications=2, seed=5)
    fig = plots.plot_service_level(result)
    ax = next(a for a in fig.axes if a.get_visible())
    (mean,) = [line for line in ax.get_lines() if line.get_linewidth() == 1.5]
    (faint,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    x, y = mean.get_data()
    assert len(x) == 48 and min(x) > 0 and max(x) < 24 and ax.get_xlim() == (0, 24)
    i = result.intervals
    rows = i[(i.channel == "phone") & (i.metric == "service_level")].copy()
    rows["tod"] = rows.interval_start % 86400
    expected = rows.groupby("tod")["mean"].mean().to_numpy() * 100
    np.testing.assert_allclose(y, expected)
    days = rows.sort_values("interval_start")["mean"].to_numpy().reshape(3, 48) * 100
    assert list(faint.get_linewidths()) == [0.5]
    assert len(faint.get_segments()) == 3
    for segment, day in zip(faint.get_segments(), days, strict=True):
        np.testing.assert_allclose(segment[:, 0], x)
        np.testing.assert_allclose(segment[:, 1], day)
    assert len([t for t in ax.get_xticks() if 0 <= t <= 24]) == 9  # every 3 h


def test_a_horizon_that_ends_within_a_day_leaves_the_rest_of_its_last_day_empty():
    """2.5 days: the third day has values for its first 12 hours only; the later intervals
    of the day are averaged over the two days that have them."""
    import tomllib

    data = tomllib.loads(edit('horizon = "2h"', 'horizon = "60h"'))
    result = sim.run(parse_scenario(data), replications=2, seed=5)
    rows = plots._series(result, "phone", "service_level")
    days = rows.attrs["days"]
    assert days.shape == (3, 48) and len(rows) == 48
    assert np.isnan(days[2, 24:]).all() and not np.isnan(days[:2, 24:]).all()
    np.testing.assert_allclose(rows["mean"].to_numpy(), np.nanmean(days, axis=0))
    assert png(plots.plot_service_level(result)).startswith(PNG)


def test_the_run_plots_in_fixed_margins_keep_their_texts_inside_and_apart(public_result):
    """Constrained layout measures every text twice per render, so the plots of a run other
    than the waits place their panels in fixed margins; their texts must still fit in the
    figure, clear of every panel and of each other."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for kind in ("service_level", "staffing", "public"):
        fig = plots.figure(public_result, kind)
        assert fig.get_layout_engine() is None
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        texts = [t for t in (fig._suptitle, fig._supxlabel) if t is not None]
        for ax in fig.axes:
            texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *shown_ticklabels(ax)]
        texts = [t for t in texts if t.get_text()]
        boxes = [t.get_window_extent(canvas.get_renderer()) for t in texts]
        for k, (text, box) in enumerate(zip(texts, boxes, strict=True)):
            assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (kind, text.get_text())
            assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, (kind, text.get_text())
            assert not any(box.overlaps(ax.bbox) for ax in fig.axes), (kind, text.get_text())
            for other, second in zip(boxes[k + 1:], texts[k + 1:], strict=True):
                assert not box.overlaps(other), (kind, text.get_text(), second.get_text())


def test_unknown_plot_names_the_known_ones(run_result):
    with pytest.raises(ValueError, match="no plot 'wait'; plots: waits, service_level, staffing"):
        run_result.plot("wait")


# ---------------------------------------------------------------- a comparison

def test_comparison_plots_are_the_figures_the_report_renders(comparison):
    rendered = compare_plots.render_plots(comparison)
    assert list(rendered) == ["compare.png", "compare_waits.png"]
    assert png(comparison.plot()) == rendered["compare.png"]
    assert png(comparison.plot("waits")) == rendered["compare_waits.png"]


def test_comparison_waits_panel_per_channel_with_the_target(comparison):
    fig = comparison.plot("waits")
    panels = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    assert {title.split(":")[0] for title in panels} == {"phone", "email"}
    phone = next(ax for title, ax in panels.items() if title.startswith("phone"))
    # a bar per arm and wait statistic, and the phone target (20 s) dashed
    assert len(phone.patches) == 2 * len(phone.get_xticks())
    dashed = [line for line in phone.get_lines() if line.get_linestyle() == "--"]
    assert [line.get_ydata()[0] for line in dashed] == [20.0]


def test_comparison_bars_are_the_arms_means(comparison):
    fig = comparison.plot()
    ax = next(ax for ax in fig.axes if ax.get_title() == "phone: mean wait (s)")
    table = comparison.table.set_index(["channel", "metric", "arm"])
    means = [table.loc[("phone", "wait_mean", arm), "mean"] for arm in comparison.labels]
    assert [bar.get_height() for bar in ax.patches] == pytest.approx(means)


def test_comparison_public_plot_only_with_a_public_channel(comparison, public_comparison):
    assert compare_plots.kinds(public_comparison) == ["main", "waits", "public"]
    assert titles(public_comparison.plot("public")) == [
        label(m) for m in ("public_complaints", "unanswered_impressions", "reply_impressions")]
    with pytest.raises(ValueError, match="no arm has a public channel"):
        comparison.plot("public")


# ---------------------------------------------------------------- a sweep

def sweep_result() -> SweepResult:
    """A sweep of agents 3, 4, 5 by hand: service level 0.5, 0.7, 0.9 with CIs."""
    rows = [(agents, "all", metric, mean, mean - 0.05, mean + 0.05, 4)
            for agents, level in zip((3, 4, 5), (0.5, 0.7, 0.9), strict=True)
            for metric, mean in (("service_level", level), ("wait_mean", 60 / agents))]
    table = pd.DataFrame(rows, columns=["pools.team.agents", *VALUE_COLUMNS])
    return SweepResult(keys=["pools.team.agents"], table=table, seed=1, replications=4,
                       points=3, skipped=0, seconds=1.0)


def test_sweep_plot_draws_the_metric_against_the_swept_key():
    fig = sweep_result().plot()  # service_level by default, in %
    (ax,) = fig.axes
    line = ax.containers[0].lines[0]  # the errorbar's data line
    assert list(line.get_xdata()) == [3, 4, 5]
    assert list(line.get_ydata()) == pytest.approx([50, 70, 90])
    assert ax.get_xlabel() == "team agents"  # the key's last parts
    assert ax.get_ylabel() == f"{label('service_level')} (%)"


def test_sweep_plot_of_another_metric_and_of_a_missing_one():
    result = sweep_result()
    line = result.plot("all", "wait_mean").axes[0].containers[0].lines[0]
    assert list(line.get_ydata()) == pytest.approx(60 / np.array([3, 4, 5]))
    with pytest.raises(ValueError, match="all:abandon_rate: not in the sweep's results"):
        result.plot("all", "abandon_rate")
