"""Extreme but valid scenarios run through `sim run` and give the documented results
(docs/design.md, "Extreme inputs"): zero agents in an interval, a channel nobody chooses,
a one-minute and a week-long horizon, and a phone queue loaded above 1, with and without
patience. Each also keeps every need's accounting (tests/support.py assert_conserved).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.scenario.load import load_scenario
from sim.theory.erlang import erlang_a
from tests.reliability.helpers import assert_run_outputs, run_main
from tests.stats.factory import tolerance
from tests.support import assert_conserved, edit, write

SEED = 4
HOUR = 3600.0

TWO_CHANNELS = """\
name = "extreme"
horizon = "2h"
interval = "30min"

[demand]
per_hour = 30

[choice.default]
phone = 0.8
email = 0.2

[channels.phone]
kind = "realtime"
handle_time = { dist = "exponential", mean = "4min" }
target = { within = "20s", share = 0.8 }

[channels.email]
kind = "deferred"
handle_time = { dist = "exponential", mean = "6min" }
target = { within = "4h", share = 0.8 }

[pools.team]
skills = ["phone", "email"]
agents = 3
"""


class Run:
    """A scenario run through the CLI, and its output tables."""

    def __init__(self, folder: Path, text: str, replications: int) -> None:
        path = write(folder, text)
        out = folder / "out"
        code, _, err = run_main("run", path, "-n", replications, "--seed", SEED, "-q",
                                "--out", out)
        assert code == 0, err
        assert_run_outputs(out)
        self.replications = replications
        self.metrics = pd.read_csv(out / "metrics.csv")
        self.intervals = pd.read_csv(out / "intervals.csv")
        self.contacts = pd.read_parquet(out / "contacts.parquet")
        assert_conserved(simulate(load_scenario(path), replication_seed(SEED, 0)))

    def metric(self, channel: str, name: str) -> pd.Series:
        row = self.metrics[(self.metrics.channel == channel) & (self.metrics.metric == name)]
        assert len(row) == 1, (channel, name)
        return row.iloc[0]

    def per_interval(self, channel: str, name: str) -> pd.Series:
        rows = self.intervals[(self.intervals.channel == channel)
                              & (self.intervals.metric == name)]
        return rows.set_index("interval_start")["mean"]


def assert_no_infinity(table: pd.DataFrame) -> None:
    """Finite numbers, or NaN where there is nothing to measure; never inf."""
    values = table[["mean", "ci_low", "ci_high"]].to_numpy()
    assert not np.isinf(values).any()


def assert_nan_iff_undefined(table: pd.DataFrame) -> None:
    """A mean is NaN exactly when no replication defines the metric."""
    assert table["mean"].isna().eq(table.replications == 0).all()


# ---------------------------------------------------------------- zero agents in an interval

def test_zero_agents_in_an_interval_serve_nobody_and_waits_carry_over(tmp_path):
    run = Run(tmp_path, edit("agents = 3", "agents = [3, 0, 3, 3]", TWO_CHANNELS), 3)
    empty = (1800.0, 3600.0)  # the second half-hour has nobody on shift
    assert run.per_interval("pool:team", "agents")[empty[0]] == 0
    assert math.isnan(run.per_interval("pool:team", "occupancy")[empty[0]])  # no staffed time

    c = run.contacts
    answered = c.answered.dropna()
    assert len(answered) > 0
    assert not answered.between(*empty, inclusive="left").any(), "served with nobody on shift"
    arrived_then = c[c.arrival.between(*empty, inclusive="left") & c.answered.notna()]
    assert len(arrived_then) > 0
    assert (arrived_then.answered >= empty[1]).all()  # they waited for the next shift
    assert (arrived_then.wait >= empty[1] - arrived_then.arrival - 1e-9).all()
    assert run.per_interval("phone", "service_level")[empty[0]] == 0
    assert_no_infinity(run.metrics)


# ---------------------------------------------------------------- a channel with no demand

def test_a_channel_nobody_chooses_counts_zero_and_its_ratios_are_undefined(tmp_path):
    text = edit("phone = 0.8\nemail = 0.2", "phone = 1.0\nemail = 0.0", TWO_CHANNELS)
    run = Run(tmp_path, text, 3)
    for count in ("offered", "answered", "abandoned"):
        row = run.metric("email", count)
        assert row["mean"] == 0 and row.replications == 3
    for ratio in ("wait_mean", "service_level", "first_response_mean", "delayed_share"):
        row = run.metric("email", ratio)
        assert math.isnan(row["mean"]) and row.replications == 0
    assert "email" not in set(run.contacts.channel)
    assert run.metric("phone", "offered")["mean"] > 0
    assert run.metric("all", "offered")["mean"] == run.metric("phone", "offered")["mean"]
    assert_nan_iff_undefined(run.metrics)
    assert_no_infinity(run.metrics)


# ---------------------------------------------------------------- horizons

def test_a_one_minute_horizon_gives_one_short_interval_and_no_infinity(tmp_path):
    run = Run(tmp_path, edit('horizon = "2h"', 'horizon = "1min"', TWO_CHANNELS), 8)
    assert set(run.intervals.interval_start) == {0.0}
    assert run.metric("pool:team", "agents")["mean"] == 3
    offered = run.metric("all", "offered")
    assert 0 <= offered["mean"] <= 5  # half a need a minute
    assert run.contacts.arrival.between(0, 60).all()
    # a replication without a contact leaves the ratios undefined, not 0 and not an error
    assert (run.metrics.replications <= run.replications).all()
    assert_nan_iff_undefined(run.metrics)
    assert_no_infinity(run.metrics)


WEEK = """\
name = "week"
horizon = "7d"
interval = "1h"

[demand]
daily = 200
profile = [1, 1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 8, 8, 8, 6, 4, 3, 2, 2, 1, 1, 1, 1]

[choice.default]
phone = 0.7
email = 0.3

[channels.phone]
kind = "realtime"
handle_time = { dist = "exponential", mean = "5min" }
patience = { dist = "exponential", mean = "2min" }
target = { within = "20s", share = 0.8 }

[channels.email]
kind = "deferred"
handle_time = { dist = "exponential", mean = "8min" }
target = { within = "24h", share = 0.8 }

[pools.team]
skills = ["phone", "email"]
shifts = [{ start = "8h", length = "8h", count = 2 }, { start = "12h", length = "8h", count = 2 }]
"""


def test_a_week_long_horizon_repeats_the_day_and_keeps_night_mail_for_the_morning(tmp_path):
    replications = 3
    run = Run(tmp_path, WEEK, replications)
    starts = sorted(set(run.intervals.interval_start))
    assert starts == [k * HOUR for k in range(7 * 24)]
    agents = run.per_interval("pool:team", "agents").to_numpy().reshape(7, 24)
    assert (agents == agents[0]).all()  # shifts repeat every day
    assert list(agents[0, 7:21]) == [0, 2, 2, 2, 2, 4, 4, 4, 4, 2, 2, 2, 2, 0]

    # about 200 needs a day: Poisson, so within 4 standard errors of the mean of replications
    offered = run.metric("all", "offered")["mean"]
    assert abs(offered - 1400) <= 4 * math.sqrt(1400 / replications)

    # email that arrives at night, with nobody on shift, is answered from 8:00
    c = run.contacts
    hour_of_day = (c.arrival % (24 * HOUR)) / HOUR
    night_mail = c[(c.channel == "email") & (hour_of_day < 7) & c.answered.notna()]
    assert len(night_mail) > 0
    assert ((night_mail.answered % (24 * HOUR)) >= 8 * HOUR).all()
    assert_no_infinity(run.metrics)


# ---------------------------------------------------------------- load above 1

OVERLOADED = """\
name = "overloaded"
horizon = "8h"
interval = "1h"

[demand]
per_hour = 120

[choice.default]
phone = 1.0

[channels.phone]
kind = "realtime"
handle_time = { dist = "exponential", mean = "6min" }
target = { within = "20s", share = 0.8 }

[pools.phone]
skills = ["phone"]
agents = 8
"""
ARRIVALS, SERVICE_RATE = 120.0, 8 * 10.0  # per hour: rho = 1.5


def test_load_above_one_without_patience_grows_the_queue(tmp_path):
    replications = 5
    run = Run(tmp_path, OVERLOADED, replications)
    # each hour's callers wait longer (among the hours whose callers were all answered: the
    # later ones are cut off by the horizon, and the mean counts answered callers only)
    done = run.per_interval("phone", "answered") == run.per_interval("phone", "offered")
    wait = run.per_interval("phone", "wait_mean")[done]
    assert len(wait) >= 4
    assert wait.is_monotonic_increasing
    level = run.per_interval("phone", "service_level")
    assert (level.iloc[1:] < 0.05).all()
    assert run.metric("phone", "abandoned")["mean"] == 0
    # the queue grows at arrivals minus capacity: about 40 an hour, 320 after 8 hours
    waiting = (run.contacts.status == "waiting").sum() / replications
    fluid = (ARRIVALS - SERVICE_RATE) * 8
    assert 0.75 * fluid <= waiting <= 1.25 * fluid
    # answered callers are those who arrived early: the mean wait counts only them
    assert run.metric("phone", "wait_mean")["mean"] < wait.iloc[-1]
    assert math.isnan(run.per_interval("phone", "wait_mean").iloc[-1])  # nobody answered yet
    assert_no_infinity(run.metrics)


def test_load_above_one_with_patience_settles_where_erlang_a_says(tmp_path):
    replications = 10
    patience = 120.0
    text = edit('target = { within = "20s", share = 0.8 }',
                'target = { within = "20s", share = 0.8 }\n'
                'patience = { dist = "exponential", mean = "2min" }', OVERLOADED)
    run = Run(tmp_path, edit('interval = "1h"', 'interval = "1h"\nwarmup = "30min"', text),
              replications)
    theory = erlang_a(8, ARRIVALS / HOUR, 360.0, patience)
    assert theory.p_abandon == pytest.approx(1 - SERVICE_RATE / ARRIVALS, abs=0.05)  # fluid
    by_replication = run.contacts.groupby("replication")
    for metric, per_contact, expected in (
            ("abandon_rate", lambda c: c.status == "abandoned", theory.p_abandon),
            ("delayed_share", lambda c: ~(c.answered == c.arrival), theory.p_wait)):
        values = by_replication.apply(lambda c, f=per_contact: f(c).mean()).to_numpy()
        assert np.isclose(values.mean(), run.metric("phone", metric)["mean"])
        assert abs(values.mean() - expected) <= tolerance(values), metric
    # patience keeps the queue short: nothing like the 320 callers left without it
    waiting = (run.contacts.status == "waiting").sum() / replications
    assert waiting <= 0.1 * (ARRIVALS - SERVICE_RATE) * 8
    assert_no_infinity(run.metrics)
