"""Intervals whose contacts the horizon leaves waiting, with their target after it, are drawn
as a bound (hatched, dashed grey, no band), not as failures; a long horizon leaves them out of
its average day."""

from __future__ import annotations

import tomllib

import matplotlib
import numpy as np
import pytest

import sim
from sim.model.units import HOUR
from sim.report import plots
from sim.scenario.load import parse_scenario
from tests.support import BASE, edit

matplotlib.use("Agg")

# email closes at 03:00 and its mail then waits (deferred work queues) until the horizon
EMAIL = ('handle_time = { dist = "gamma", mean = "5min", cv = 0.5 }\n',
         'handle_time = { dist = "gamma", mean = "5min", cv = 0.5 }\n'
         'target = { within = "1h", share = 0.8 }\nhours = { open = "0h", close = "3h" }\n')


def closing(horizon: str, public: bool = False):
    """The small scenario with email closing at 03:00 (a public channel if `public`)."""
    text = edit('horizon = "2h"', f'horizon = "{horizon}"', edit(*EMAIL, BASE))
    text = edit('kind = "deferred"', 'kind = "public"', text) if public else text
    return sim.run(parse_scenario(tomllib.loads(text)), replications=2, seed=5)


@pytest.fixture(scope="module")
def four_hours():
    return closing("4h")


def test_the_rule_marks_the_intervals_with_work_left_and_a_target_after_the_horizon(four_hours):
    cut = plots.cut_by_horizon(four_hours, "email", HOUR)
    # 03:00 on: mail waits for the opening; before 02:30 every deadline is within the horizon,
    # and 02:30-03:00's ends at the horizon, so what waits then has already missed it
    assert list(cut.index[cut]) == [3 * HOUR, 3.5 * HOUR]
    assert list(plots.cut_by_horizon(four_hours, "email").index[cut]) == [3 * HOUR, 3.5 * HOUR]


def test_the_service_level_plot_draws_them_as_a_bound(four_hours):
    fig = plots.plot_service_level(four_hours)
    ax = next(a for a in fig.axes if a.get_title().startswith("email"))
    mean = next(line for line in ax.get_lines() if line.get_linewidth() == 1.5)
    x, y = (np.asarray(v, float) for v in mean.get_data())
    assert np.isnan(y[x > 3]).all() and not np.isnan(y[x < 3]).any()
    (bound,) = [line for line in ax.get_lines() if line.get_linestyle() == "--"
                and line.get_color() == "0.5"]
    assert np.isfinite(np.asarray(bound.get_ydata(), float)).sum() == 3  # 02:30 joins it
    (span,) = [p for p in ax.patches if p.get_hatch()]
    assert span.get_x() == pytest.approx(3) and span.get_width() == pytest.approx(1)
    assert [t.get_text() for t in ax.texts] == [plots.CUT_LABEL]
    phone = next(a for a in fig.axes if a.get_title().startswith("phone"))
    if not plots.cut_by_horizon(four_hours, "phone", 20).any():
        assert not phone.texts and not any(p.get_hatch() for p in phone.patches)


def test_the_public_plot_hatches_the_impressions_still_growing_at_the_horizon():
    result = closing("4h", public=True)
    cut = plots.cut_by_horizon(result, "email")  # no deadline: any complaint left waiting
    assert {3 * HOUR, 3.5 * HOUR} <= set(cut.index[cut])
    ax = plots.plot_public(result).axes[1]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == cut.sum() and len(ax.patches) == len(cut)
    assert plots.CUT_LABEL in [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_long_horizon_leaves_them_out_of_its_average_day():
    result = closing("3d")
    cut = plots.cut_by_horizon(result, "email", HOUR)
    # the mail of the last day's last hour: its target ends after the horizon
    assert list(cut.index[cut]) == [71 * HOUR, 71.5 * HOUR]
    days = plots._series(result, "email", "service_level", cut).attrs["days"]
    assert np.isnan(days[2, 46:]).all() and not np.isnan(days[:2, 46:]).any()
    assert not np.isnan(days[2, 6:46]).any()  # missed before the horizon: failures, drawn
