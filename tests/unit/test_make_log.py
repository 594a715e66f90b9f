"""The example log's generator (examples/data/make_log.py) against its stated process.

The script is the independent reference the backtest compares `sim` with, so it is checked
here against the numbers in its docstring (written out again below, not read from the
script), on one week with a fixed seed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, poisson

from tests.support import MAKE_LOG, load_make_log

START = pd.Timestamp("2026-06-01")  # a Monday
DAYS = 7
SEED = 11
VOLUME = {"phone": 1200, "chat": 400, "email": 500}
WEEKDAY = (1.10, 1.05, 1.00, 1.00, 0.95, 0.55, 0.35)  # Mon..Sun
HANDLE = {"phone": (300.0, 0.9), "chat": (480.0, 0.7), "email": (420.0, 0.6)}  # mean, cv
HOURS = {"phone": (8, 20), "chat": (8, 22), "email": (0, 24)}  # arrivals
ALPHA = 1e-3  # per interval check: a seeded run is deterministic, this only sizes the bounds


@pytest.fixture(scope="module")
def log() -> tuple[pd.DataFrame, pd.DataFrame]:
    contacts, agents = load_make_log().make_log(SEED, DAYS)
    contacts = contacts.copy()
    contacts["abandoned"] = contacts["answered"].isna()
    contacts["wait"] = (
        contacts["answered"].fillna(contacts["ended"]) - contacts["arrival"]
    ).dt.total_seconds()
    contacts["handle"] = (contacts["ended"] - contacts["answered"]).dt.total_seconds()
    return contacts, agents


def _hour(times: pd.Series) -> pd.Series:
    return times.dt.hour + times.dt.minute / 60 + times.dt.second / 3600


def test_does_not_import_sim() -> None:
    text = MAKE_LOG.read_text(encoding="utf-8")
    assert "import sim" not in text
    assert "from sim" not in text


def test_times_are_ordered(log) -> None:
    contacts, _ = log
    assert list(contacts.columns[:4]) == ["arrival", "channel", "answered", "ended"]
    assert contacts["arrival"].is_monotonic_increasing
    assert contacts["arrival"].notna().all() and contacts["ended"].notna().all()
    assert contacts["arrival"].min() >= START
    assert contacts["arrival"].max() < START + pd.Timedelta(days=DAYS)
    answered = contacts[~contacts["abandoned"]]
    assert (answered["answered"] >= answered["arrival"]).all()
    assert (answered["ended"] >= answered["answered"]).all()
    assert (contacts["ended"] >= contacts["arrival"]).all()
    for column in ("arrival", "answered", "ended"):  # whole seconds
        assert (contacts[column].dropna().dt.microsecond == 0).all()


def test_arrivals_only_in_opening_hours(log) -> None:
    contacts, _ = log
    for channel, (open_, close) in HOURS.items():
        hour = _hour(contacts.loc[contacts["channel"] == channel, "arrival"])
        assert hour.min() >= open_ and hour.max() < close, channel
    # Email arrives around the clock: some at night.
    email = _hour(contacts.loc[contacts["channel"] == "email", "arrival"])
    assert (email < 6).sum() > 0


def test_daily_counts_within_poisson_interval(log) -> None:
    contacts, _ = log
    day = (contacts["arrival"] - START).dt.days
    for channel, volume in VOLUME.items():
        counts = day[contacts["channel"] == channel].value_counts()
        counts = counts.reindex(range(DAYS), fill_value=0)
        for d, count in counts.items():
            mean = volume * WEEKDAY[d % 7]
            low, high = poisson.ppf(ALPHA / 2, mean), poisson.isf(ALPHA / 2, mean)
            assert low <= count <= high, (channel, d, count, mean)
        week = volume * sum(WEEKDAY)
        assert poisson.ppf(ALPHA / 2, week) <= counts.sum() <= poisson.isf(ALPHA / 2, week)


def test_agents_table(log) -> None:
    _, agents = log
    assert list(agents.columns) == ["interval_start", "channel", "agents"]
    assert len(agents) == DAYS * 48 * 3
    table = agents.pivot(index="interval_start", columns="channel", values="agents")
    assert table.index[0] == START
    assert (np.diff(table.index.values) == np.timedelta64(30, "m")).all()
    hour = table.index.hour + table.index.minute / 60
    days = table.to_numpy().reshape(DAYS, 48, 3)
    assert (days == days[0]).all()  # the same staffing every day
    phone_open = (hour >= 8) & (hour < 20)
    assert (table.loc[phone_open, "phone"] >= 1).all()
    assert (table.loc[~phone_open, "phone"] == 0).all()
    chat_open = (hour >= 8) & (hour < 22)
    assert (table.loc[chat_open, "chat"] >= 1).all()
    assert (table.loc[~chat_open, "chat"] == 0).all()
    email_open = (hour >= 8) & (hour < 18)
    email_agents = math.ceil(1.3 * 1.02 * 500 * 420 / 36_000)  # 8
    assert (table.loc[email_open, "email"] == email_agents).all()
    assert (table.loc[~email_open, "email"] == 0).all()


def test_answered_only_while_agents_are_on(log) -> None:
    contacts, agents = log
    answered = contacts[~contacts["abandoned"]]
    staffed = answered[["channel"]].assign(interval_start=answered["answered"].dt.floor("30min"))
    merged = staffed.merge(agents, on=["interval_start", "channel"], how="left")
    # The last evening's emails are answered the morning after the log (not in agents).
    inside = merged["interval_start"] < START + pd.Timedelta(days=DAYS)
    assert (merged.loc[inside, "agents"] > 0).all()
    email = answered[answered["channel"] == "email"]
    hour = _hour(email["answered"])
    assert ((hour >= 8) & (hour < 18)).all()
    # Night emails wait for the morning: an email that arrives at 18:00-24:00 waits past midnight.
    evening = email[_hour(email["arrival"]) >= 18]
    assert (evening["answered"].dt.normalize() > evening["arrival"].dt.normalize()).all()


def test_abandoned_waits(log) -> None:
    contacts, _ = log
    assert not contacts.loc[contacts["channel"] == "email", "abandoned"].any()
    abandoned = contacts[contacts["abandoned"]]
    assert len(abandoned) > 0
    assert (abandoned["wait"] >= 0).all()
    # Times are floored to the second, so a hang-up within the arrival's second shows a wait
    # of 0 s: at most those whose patience was under 1 s (exponential, mean 240 s, for phone;
    # lognormal median 90 s, sigma 1, for chat, where it is ~3e-6).
    under_1s = {"phone": 1 - math.exp(-1 / 240), "chat": norm.cdf(-math.log(90))}
    for channel, p_under_1s in under_1s.items():
        n = int((contacts["channel"] == channel).sum())
        zeros = int((abandoned.loc[abandoned["channel"] == channel, "wait"] == 0).sum())
        assert zeros <= poisson.isf(ALPHA, n * p_under_1s), (channel, zeros)
        assert (abandoned.loc[abandoned["channel"] == channel, "wait"] > 0).mean() > 0.98


def test_abandonments_match_patience_hazard(log) -> None:
    """Each waiting contact hangs up at its patience's hazard rate while it waits, so the count
    of hang-ups minus the sum of cumulative hazards over the waits is a zero-mean martingale
    with variance about the expected count (Nelson-Aalen compensator)."""
    contacts, _ = log
    hazards = {
        "phone": lambda w: w / 240.0,
        "chat": lambda w: -norm.logsf((np.log(np.maximum(w, 1e-9)) - math.log(90)) / 1.0),
    }
    for channel, cumulative in hazards.items():
        rows = contacts[contacts["channel"] == channel]
        expected = float(cumulative(rows["wait"].to_numpy()).sum())
        observed = int(rows["abandoned"].sum())
        assert abs(observed - expected) <= 4 * math.sqrt(expected), (channel, observed, expected)


def test_handle_times_match_their_distributions(log) -> None:
    contacts, _ = log
    for channel, (mean, cv) in HANDLE.items():
        handle = contacts.loc[(contacts["channel"] == channel) & ~contacts["abandoned"], "handle"]
        assert (handle >= 0).all()
        se = mean * cv / math.sqrt(len(handle))
        assert abs(handle.mean() - mean) <= 4 * se, (channel, handle.mean())
        assert 0.7 * cv <= handle.std() / handle.mean() <= 1.3 * cv, channel


def test_busy_agents_at_most_agents(log) -> None:
    contacts, agents = log
    table = agents.pivot(index="interval_start", columns="channel", values="agents")
    day_of_interval = (table.index - START).days
    for channel in VOLUME:
        rows = contacts[(contacts["channel"] == channel) & ~contacts["abandoned"]]
        # Little's law over each day: mean busy agents = handle seconds / time <= agents
        # (agents finishing a contact after their shift add a little, well inside the margin).
        busy = rows.groupby((rows["answered"] - START).dt.days)["handle"].sum()
        staffed = (table[channel] * 1800).groupby(day_of_interval).sum()
        busy = busy.reindex(staffed.index, fill_value=0.0)
        assert (busy <= staffed).all(), channel
        assert (busy / staffed).max() > 0.5, channel  # and the agents are not idle
        # At every moment an agent takes a contact, the contacts in service (this one
        # included) are at most that interval's agents: an agent only starts when idle, and
        # idle agents exist only below the count. Ends at the same second count first.
        start = (rows["answered"] - START).dt.total_seconds().to_numpy()
        end = (rows["ended"] - START).dt.total_seconds().to_numpy()
        times = np.concatenate([start, end])
        step = np.concatenate([np.ones(start.size), -np.ones(end.size)])
        order = np.lexsort((step, times))
        in_service = np.cumsum(step[order])
        is_start = step[order] > 0
        at = times[order][is_start]
        interval = (at // 1800).astype(int)
        inside = interval < DAYS * 48
        limit = table[channel].to_numpy()[interval[inside]]
        assert (in_service[is_start][inside] <= limit).all(), channel


def test_same_seed_same_log(log) -> None:
    contacts, agents = load_make_log().make_log(SEED, DAYS)
    pd.testing.assert_frame_equal(contacts, log[0][contacts.columns])
    pd.testing.assert_frame_equal(agents, log[1])
    other, _ = load_make_log().make_log(SEED + 1, DAYS)
    assert len(other) != len(contacts) or not other.equals(contacts)
