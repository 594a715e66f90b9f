"""Demand per channel and closed channels: first contacts arrive at their own channel, and a
customer who meets a closed channel switches, comes back at the opening or gives up, as the
scenario says; the metrics count them apart from what agents were offered."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from sim.engine.records import AFTER_CLOSED, ANSWERED, CLOSED, FIRST, GAVE_UP
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics.replication import replication_metrics
from sim.model.arrivals import rate_steps
from sim.model.units import DAY, HOUR
from sim.scenario.demand import Volume
from sim.scenario.load import ScenarioError, parse_scenario
from sim.scenario.schema import Scenario
from sim.staffing.load import first_contacts
from tests.support import assert_conserved

OPEN, CLOSE = 9 * HOUR, 17 * HOUR

SCENARIO = f"""
name = "doors"
horizon = "2d"
warmup = "1h"
[demand.channels.phone]
per_hour = 40
[demand.channels.email]
daily = 480
profile = [{", ".join(["1.0"] * 48)}]
[channels.phone]
kind = "realtime"
handle_time = {{ dist = "exponential", mean = "2min" }}
patience = {{ dist = "exponential", mean = "5min" }}
hours = {{ open = "9h", close = "17h" }}
[channels.email]
kind = "deferred"
handle_time = {{ dist = "exponential", mean = "3min" }}
[channels.chat]
kind = "realtime"
handle_time = {{ dist = "exponential", mean = "3min" }}
hours = {{ open = "8h", close = "20h" }}
[pools.desk]
skills = ["phone", "email", "chat"]
agents = 6
"""


def scenario(text: str = SCENARIO, **changes) -> Scenario:
    data = tomllib.loads(text)
    for path, value in changes.items():
        *parents, key = path.split("__")
        table = data
        for p in parents:
            table = table.setdefault(p, {})
        table[key] = value
    return parse_scenario(data)


def run(sc: Scenario, replication: int = 0):
    r = simulate(sc, replication_seed(11, replication))
    assert_conserved(r)
    return r


def tod(t: np.ndarray) -> np.ndarray:
    return np.mod(t, DAY)


def test_first_contacts_arrive_at_their_own_channel_at_its_rate():
    sc = scenario()
    counts = {"phone": 0, "email": 0, "chat": 0}
    reps = 10
    for k in range(reps):
        r = run(sc, k)
        first = (r.cause == FIRST) & (r.arrival >= 0)
        for code, name in enumerate(r.channels):
            counts[name] += int(np.sum(first & (r.channel == code)))
    assert counts["chat"] == 0  # no demand of its own
    for name, mean in (("phone", 40 * 48), ("email", 480 * 2)):
        expected = mean * reps
        assert abs(counts[name] - expected) < 4 * np.sqrt(expected), name


def test_a_closed_realtime_channel_turns_callers_to_an_open_channel_of_the_mix():
    r = run(scenario())
    phone, email, chat = (r.channels.index(n) for n in ("phone", "email", "chat"))
    closed = r.status == CLOSED
    assert closed.any()
    inside = (tod(r.arrival) >= OPEN) & (tod(r.arrival) < CLOSE)
    assert np.all(r.channel[closed] == phone) and not np.any(inside[closed])
    answered_phone = (r.channel == phone) & ~np.isnan(r.answered)
    assert np.all((tod(r.answered[answered_phone]) >= OPEN) & (tod(r.answered[answered_phone])
                                                             < CLOSE))
    follow = np.flatnonzero(np.isin(r.parent, np.flatnonzero(closed)))
    assert len(follow) == closed.sum()  # every closed door leads to one contact elsewhere
    assert np.all(r.cause[follow] == AFTER_CLOSED)
    assert np.all(r.arrival[follow] == r.arrival[r.parent[follow]])
    # the demand mix has no chat (and phone is the closed one): every switch goes to email,
    # and chat, open 8h-9h, gets none
    assert np.all(r.channel[follow] == email) and not np.any(r.channel == chat)


def test_with_a_choice_table_the_switch_follows_its_open_channels():
    sc = scenario(choice={"default": {"phone": 0.5, "email": 0.25, "chat": 0.25}})
    r = run(sc)
    phone, chat = r.channels.index("phone"), r.channels.index("chat")
    follow = np.flatnonzero(r.cause == AFTER_CLOSED)
    t = tod(r.arrival[follow])
    to_chat = r.channel[follow] == chat
    # chat is open 8h-9h and 17h-20h only among the closed-phone hours
    assert np.all((t[to_chat] >= 8 * HOUR) & (t[to_chat] < 20 * HOUR))
    between = ((t >= 8 * HOUR) & (t < OPEN)) | ((t >= CLOSE) & (t < 20 * HOUR))
    share = to_chat[between].mean()
    n = between.sum()
    assert abs(share - 0.5) < 4 * np.sqrt(0.25 / n)  # email and chat in their proportions
    assert not np.any(r.channel[follow] == phone)


def test_return_comes_back_at_the_opening_after_the_delay():
    sc = scenario(channels__phone__when_closed="return",
                  channels__phone__return_delay={"dist": "deterministic", "value": 600.0})
    r = run(sc)
    closed = np.flatnonzero(r.status == CLOSED)
    follow = np.flatnonzero(np.isin(r.parent, closed))
    parent = r.parent[follow]
    assert np.all(r.channel[follow] == r.channel[parent])
    opening = sc.channels["phone"].hours.next_open
    expected = np.array([opening(t) for t in r.arrival[parent]]) + 600.0
    np.testing.assert_allclose(r.arrival[follow], expected)
    assert len(follow) == len(closed)  # the last evening's come back after the horizon


def test_give_up_leaves_the_need_without_a_contact():
    r = run(scenario(channels__phone__when_closed="give_up"))
    closed = np.flatnonzero(r.status == CLOSED)
    assert len(closed) and not np.isin(r.parent, closed).any()
    assert np.all(r.needs.outcome[r.need[closed]] == GAVE_UP)


def test_queue_keeps_the_old_behaviour_callers_wait_for_the_opening():
    r = run(scenario(channels__phone__when_closed="queue"))
    assert not np.any(r.status == CLOSED)


def test_metrics_count_closed_doors_apart_from_offered():
    sc = scenario()
    r = run(sc)
    m = replication_metrics(r, sc).set_index(["channel", "metric"])["value"]
    measured = (r.arrival >= 0) & (r.arrival < r.horizon)
    phone = r.channels.index("phone")
    closed = measured & (r.status == CLOSED)
    assert m["phone", "met_closed"] == closed.sum()
    assert m["phone", "offered"] == np.sum(measured & (r.channel == phone)) - closed.sum()
    assert m["phone", "abandoned"] <= 0.2 * m["phone", "offered"]  # not every night call
    assert ("email", "met_closed") not in m.index  # open around the clock
    assert m["all", "met_closed"] == closed.sum()


def test_the_issue_case_no_longer_abandons_every_call_outside_hours():
    """`daily = 2000` with phone open 9h-17h used to report phone abandonment of 67%."""
    sc = scenario(demand={"daily": 2000.0}, choice={"default": {"phone": 0.7, "email": 0.3}},
                  pools={"desk": {"skills": ["phone", "email", "chat"], "agents": 12}})
    r = run(sc)
    m = replication_metrics(r, sc).set_index(["channel", "metric"])["value"]
    assert m["phone", "abandon_rate"] < 0.1
    assert m["phone", "met_closed"] > 0.5 * 2000 * 0.7  # 16 of 24 hours closed
    served = r.status == ANSWERED
    assert served.sum() > 0.9 * len(r.needs.arrival) * (sc.horizon / (sc.horizon + sc.warmup))


def test_twitter_only_demand_comes_from_twitter_users():
    sc = scenario(needs={"twitter_users": 0.2})
    data = tomllib.loads(SCENARIO)
    data["needs"] = {"twitter_users": 0.2}
    data["demand"]["channels"]["twitter"] = {"per_hour": 30.0}
    data["channels"]["twitter"] = {"kind": "public",
                                   "handle_time": {"dist": "exponential", "mean": 60.0}}
    data["pools"]["desk"]["skills"].append("twitter")
    sc = parse_scenario(data)
    r = run(sc)
    on_twitter = r.need[(r.cause == FIRST) & (r.channel == r.channels.index("twitter"))]
    assert len(on_twitter) and r.needs.twitter[on_twitter].all()
    others = r.need[(r.cause == FIRST) & (r.channel != r.channels.index("twitter"))]
    share = r.needs.twitter[others].mean()
    assert abs(share - 0.2) < 4 * np.sqrt(0.16 / len(others))


def test_weekday_factors_scale_each_day_and_the_warmup_is_the_week_before():
    v = Volume(daily=700.0, weekdays=[1.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.25])
    edges, rates = rate_steps(v, 1800.0, -DAY, 3 * DAY)
    per_day = [np.sum((rates * np.diff(edges))[(edges[:-1] >= d * DAY)
                                                & (edges[:-1] < (d + 1) * DAY)])
               for d in range(-1, 3)]
    assert per_day == pytest.approx([175.0, 700.0, 1400.0, 700.0])
    assert v.mean_rate == pytest.approx(700.0 * 6.75 / 7 / DAY)


def test_expected_first_contacts_follow_each_channels_volume():
    sc = scenario(needs={"self_service": 0.25})
    edges = np.arange(0, DAY + 1, 1800.0)
    load = first_contacts(sc, edges)
    np.testing.assert_allclose(load["phone"], 40 * 0.5 * 0.75)
    np.testing.assert_allclose(load["email"], 10 * 0.75)
    assert not load["chat"].any()


@pytest.mark.parametrize(("change", "message"), [
    ({"demand__daily": 100.0}, "demand.daily: with demand.channels each channel has its own"),
    ({"demand__channels__sms": {"per_hour": 1.0}}, "demand.channels.sms: 'sms' names no channel"),
    ({"demand__channels__phone": {"per_hour": 1.0, "weekdays": [1.0, 1.0]}},
     "demand.channels.phone.weekdays"),
    ({"demand__channels__email__profile": [1.0] * 24}, "demand.channels.email.profile: 24"),
    ({"channels__phone__return_delay": {"dist": "deterministic", "value": 60.0}},
     "return_delay: goes with when_closed"),
])
def test_mixed_or_wrong_demand_is_refused_with_its_key_path(change, message):
    with pytest.raises(ScenarioError, match=message.replace(".", r"\.")):
        scenario(**change)


def test_choice_is_needed_without_demand_per_channel():
    with pytest.raises(ScenarioError, match="choice: the tables of first choices are needed"):
        scenario(demand={"per_hour": 10.0})
