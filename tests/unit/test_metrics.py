"""Metrics layer: hand-built records with answers worked out on paper, plus one real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine.records import ABANDONED, ANSWERED, IN_SERVICE, WAITING, Records
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import (
    busy_blocks,
    contacts_table,
    interval_edges,
    interval_metrics,
    overlap_seconds,
    replication_metrics,
    summarize,
)
from sim.scenario.schema import Scenario

NAN = math.nan
EXP = {"dist": "exponential", "mean": "3min"}


def scenario(**overrides) -> Scenario:
    base = {
        "name": "hand", "horizon": 3600, "warmup": 600, "interval": 1500,
        "demand": {"per_hour": 10},
        "choice": {"default": {"phone": 0.5, "chat": 0.3, "email": 0.2}},
        "channels": {
            "phone": {"kind": "realtime", "handle_time": EXP, "target": {"within": "20s"}},
            "chat": {"kind": "realtime", "handle_time": EXP, "concurrency": 2},
            "email": {"kind": "deferred", "handle_time": EXP, "target": {"within": "1h"}},
        },
        "pools": {
            "phone": {"skills": ["phone"], "agents": 2, "cost_per_hour": 30},
            "desk": {"skills": ["chat", "email"], "agents": 2, "cost_per_hour": 20},
        },
    }
    return Scenario.model_validate(base | overrides)


# contact: (arrival, channel, answered, ended, pool, agent, status)
CONTACTS = [
    (-100, 0, -50, 100, 0, 0, ANSWERED),  # c0 warm-up: no contact metric, busy after 0 counts
    (10, 0, 10, 200, 0, 1, ANSWERED),  # c1 phone, answered at once
    (20, 0, 100, 400, 0, 0, ANSWERED),  # c2 phone, waited 80 s (target 20 s missed)
    (30, 0, NAN, 90, -1, -1, ABANDONED),  # c3 phone, abandoned
    (3500, 0, NAN, NAN, -1, -1, WAITING),  # c4 phone, still waiting at the horizon
    (1000, 1, 1000, 1600, 1, 0, ANSWERED),  # c5 chat
    (1100, 1, 1200, 1400, 1, 0, ANSWERED),  # c6 chat, a second session of the same agent
    (3000, 1, 3000, NAN, 1, 0, IN_SERVICE),  # c7 chat, in service at the horizon
    (500, 2, 2000, 2300, 1, 1, ANSWERED),  # c8 email, first response after 1800 s
    (3599, 2, NAN, NAN, -1, -1, WAITING),  # c9 email, unanswered
]


def records(rows=CONTACTS, horizon: float = 3600.0) -> Records:
    cols = list(zip(*rows, strict=True))
    return Records(
        channels=("phone", "chat", "email"),
        pools=("phone", "desk"),
        arrival=np.array(cols[0], dtype=float),
        channel=np.array(cols[1], dtype=np.int8),
        answered=np.array(cols[2], dtype=float),
        ended=np.array(cols[3], dtype=float),
        pool=np.array(cols[4], dtype=np.int16),
        agent=np.array(cols[5], dtype=np.int32),
        status=np.array(cols[6], dtype=np.uint8),
        horizon=horizon,
        warmup=600.0,
    )


def as_dict(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(c, m): v for c, m, v in table[["channel", "metric", "value"]].itertuples(index=False)}


# ---- contacts -------------------------------------------------------------------------------

def test_contacts_table_leaves_out_warmup_and_names_codes():
    table = contacts_table(records(), replication=3)
    assert list(table["contact"]) == list(range(1, 10))
    assert (table["replication"] == 3).all()
    assert table["channel"].dtype == "category"
    assert list(table["channel"].cat.categories) == ["phone", "chat", "email"]
    assert list(table["status"][:4]) == ["answered", "answered", "abandoned", "waiting"]
    assert table["wait"].iloc[1] == 80.0
    assert np.isnan(table["wait"].iloc[2])
    assert table["pool"].isna().tolist() == [False, False, True, True, False, False, False,
                                             False, True]
    assert table["pool"].iloc[4] == "desk"
    assert table["agent"].dtype == np.int32 and table["contact"].dtype == np.int32


# ---- time integrals --------------------------------------------------------------------------

def brute_overlap(starts, ends, edges) -> np.ndarray:
    out = np.zeros(len(edges) - 1)
    for s, e in zip(starts, ends, strict=True):
        for k in range(len(edges) - 1):
            out[k] += max(0.0, min(e, edges[k + 1]) - max(s, edges[k]))
    return out


times = st.floats(-50, 150, allow_nan=False).map(lambda x: round(x, 3))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(times, times), max_size=20),
       st.lists(times, min_size=2, max_size=8, unique=True))
def test_overlap_seconds_matches_a_loop(intervals, edges):
    edges = np.sort(edges)
    starts = np.array([a for a, _ in intervals])
    ends = np.array([b for _, b in intervals])
    got = overlap_seconds(starts, ends, edges)
    assert got == pytest.approx(brute_overlap(starts, ends, edges), abs=1e-6)


def test_overlap_seconds_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        overlap_seconds(np.array([0.0]), np.array([NAN]), np.array([0.0, 1.0]))


def test_chat_agent_with_overlapping_sessions_is_busy_once():
    blocks = busy_blocks(records())
    desk0 = blocks[(blocks["pool"] == 1) & (blocks["agent"] == 0)]
    assert desk0[["start", "end"]].values.tolist() == [[1000, 1600], [3000, 3600]]
    phone0 = blocks[(blocks["pool"] == 0) & (blocks["agent"] == 0)]
    assert phone0[["start", "end"]].values.tolist() == [[-50, 400]]  # touching sessions merge


def test_busy_blocks_reset_per_agent():
    # agent 0 busy until 100 must not swallow agent 1's separate sessions
    rows = [(0, 0, 0, 100, 0, 0, ANSWERED), (0, 0, 0, 10, 0, 1, ANSWERED),
            (20, 0, 20, 30, 0, 1, ANSWERED)]
    blocks = busy_blocks(records(rows))
    assert blocks[["agent", "start", "end"]].values.tolist() == [[0, 0, 100], [1, 0, 10],
                                                                 [1, 20, 30]]


# ---- replication metrics ---------------------------------------------------------------------

def test_replication_metrics_known_answers():
    got = as_dict(replication_metrics(records(), scenario()))
    expected = {
        ("phone", "offered"): 4, ("phone", "answered"): 2, ("phone", "abandoned"): 1,
        ("phone", "abandon_rate"): 0.25, ("phone", "delayed_share"): 0.75,
        ("phone", "wait_mean"): 40, ("phone", "wait_p50"): 40, ("phone", "wait_p90"): 72,
        ("phone", "service_level"): 0.25,
        ("chat", "offered"): 3, ("chat", "answered"): 3, ("chat", "delayed_share"): 1 / 3,
        ("chat", "wait_mean"): 100 / 3,
        ("email", "offered"): 2, ("email", "answered"): 1, ("email", "wait_mean"): 1500,
        ("email", "service_level"): 0.5, ("email", "first_response_mean"): 1800,
        ("all", "offered"): 9, ("all", "answered"): 6, ("all", "abandoned"): 1,
        ("all", "service_level"): 2 / 6,  # phone and email contacts only
        ("all", "first_response_mean"): 1800,
        ("pool:phone", "occupancy"): 590 / 7200, ("pool:phone", "agents"): 2,
        ("pool:phone", "cost"): 60,
        ("pool:desk", "occupancy"): 1500 / 7200, ("pool:desk", "cost"): 40,
        ("pool:all", "occupancy"): 2090 / 14400, ("pool:all", "agents"): 4,
        ("pool:all", "cost"): 100,
    }
    for key, value in expected.items():
        assert got[key] == pytest.approx(value), key
    assert ("chat", "service_level") not in got  # no target
    assert ("phone", "first_response_mean") not in got  # realtime channel
    assert ("chat", "first_response_mean") not in got


def test_metrics_without_data_are_nan():
    rows = [(10, 0, NAN, 50, -1, -1, ABANDONED)]
    got = as_dict(replication_metrics(records(rows), scenario()))
    assert got[("phone", "abandon_rate")] == 1.0
    assert math.isnan(got[("phone", "wait_mean")])
    assert math.isnan(got[("phone", "wait_p90")])
    assert math.isnan(got[("email", "service_level")])
    assert math.isnan(got[("chat", "abandon_rate")])
    assert got[("pool:phone", "occupancy")] == 0.0
    zero = scenario(pools={"phone": {"skills": ["phone"], "agents": 0},
                           "desk": {"skills": ["chat", "email"], "agents": 0}})
    assert math.isnan(as_dict(replication_metrics(records(rows), zero))[("pool:all", "occupancy")])


def test_agents_and_cost_follow_shifts():
    sc = scenario(pools={
        "phone": {"skills": ["phone"], "shifts": [{"start": 0, "length": "30min", "count": 3}],
                  "cost_per_hour": 10},
        "desk": {"skills": ["chat", "email"], "agents": 1},
    })
    got = as_dict(replication_metrics(records(), sc))
    assert got[("pool:phone", "agents")] == pytest.approx(1.5)
    assert got[("pool:phone", "cost")] == pytest.approx(15)
    assert got[("pool:phone", "occupancy")] == pytest.approx(590 / 5400)


# ---- interval metrics ------------------------------------------------------------------------

def test_interval_edges_last_bin_short():
    assert interval_edges(1500, 3600).tolist() == [0, 1500, 3000, 3600]
    assert interval_edges(1800, 3600).tolist() == [0, 1800, 3600]


def test_interval_metrics_known_answers():
    table = interval_metrics(records(), scenario())
    assert list(table.columns) == ["interval_start", "channel", "metric", "value"]

    def values(channel, metric):
        rows = table[(table["channel"] == channel) & (table["metric"] == metric)]
        return rows.sort_values("interval_start")["value"].tolist()

    assert values("phone", "offered") == [3, 0, 1]
    assert values("chat", "offered") == [2, 0, 1]
    assert values("all", "offered") == [6, 0, 3]
    assert values("phone", "answered") == [2, 0, 0]
    assert values("phone", "abandoned") == [1, 0, 0]
    assert values("all", "service_level") == pytest.approx([2 / 4, NAN, 0], nan_ok=True)
    assert values("phone", "wait_mean") == pytest.approx([40, NAN, NAN], nan_ok=True)
    assert values("pool:phone", "agents") == [2, 2, 2]
    assert values("pool:desk", "occupancy") == pytest.approx([500 / 3000, 400 / 3000, 600 / 1200])
    assert values("pool:phone", "occupancy") == pytest.approx([590 / 3000, 0, 0])
    assert values("chat", "service_level") == []
    assert table["interval_start"].is_monotonic_increasing


# ---- summary ---------------------------------------------------------------------------------

def test_summarize_t_interval_ignores_nan_replications():
    per_rep = pd.DataFrame({
        "replication": [0, 1, 2, 3, 0, 1],
        "channel": ["phone"] * 4 + ["chat"] * 2,
        "metric": ["wait_mean"] * 6,
        "value": [10.0, 12.0, 17.0, NAN, 5.0, NAN],
    })
    out = summarize(per_rep, ["channel", "metric"]).set_index("channel")
    x = np.array([10.0, 12.0, 17.0])
    half = stats.t.ppf(0.975, 2) * x.std(ddof=1) / math.sqrt(3)
    assert out.loc["phone", "mean"] == pytest.approx(13.0)
    assert out.loc["phone", "ci_low"] == pytest.approx(13.0 - half)
    assert out.loc["phone", "ci_high"] == pytest.approx(13.0 + half)
    assert out.loc["phone", "replications"] == 3
    assert out.loc["chat", "mean"] == 5.0 and out.loc["chat", "replications"] == 1
    assert math.isnan(out.loc["chat", "ci_low"]) and math.isnan(out.loc["chat", "ci_high"])


def test_summarize_refuses_rows_it_would_pool():
    per_rep = pd.DataFrame({"replication": [0, 0], "metric": ["a", "a"],
                            "channel": ["phone", "chat"], "value": [1.0, 2.0]})
    with pytest.raises(ValueError, match="several rows"):
        summarize(per_rep, ["metric"])


# ---- a real run ------------------------------------------------------------------------------

def test_real_run_conserves_contacts():
    sc = Scenario.model_validate({
        "name": "phone2", "horizon": "4h", "warmup": "30min", "interval": "1h",
        "demand": {"per_hour": 40}, "choice": {"default": {"phone": 1.0}},
        "channels": {"phone": {"kind": "realtime", "handle_time": EXP,
                               "patience": {"dist": "exponential", "mean": "2min"},
                               "target": {"within": "20s"}}},
        "pools": {"phone": {"skills": ["phone"], "agents": 2, "cost_per_hour": 30}},
    })
    recs = [simulate(sc, replication_seed(7, r)) for r in range(3)]
    per_rep = []
    for r, rec in enumerate(recs):
        got = as_dict(replication_metrics(rec, sc))
        contacts = contacts_table(rec, r)
        waiting = (contacts["status"] == "waiting").sum()
        assert got[("phone", "offered")] == len(contacts) > 0
        assert got[("phone", "offered")] == (got[("phone", "answered")]
                                              + got[("phone", "abandoned")] + waiting)
        assert got[("all", "offered")] == got[("phone", "offered")]
        assert 0 < got[("pool:phone", "occupancy")] <= 1
        assert got[("pool:phone", "agents")] == 2
        assert got[("pool:phone", "cost")] == pytest.approx(2 * 4 * 30)
        intervals = interval_metrics(rec, sc)
        offered = intervals[(intervals["channel"] == "phone")
                            & (intervals["metric"] == "offered")]["value"]
        assert len(offered) == 4 and offered.sum() == got[("phone", "offered")]
        table = replication_metrics(rec, sc)
        table["replication"] = r
        per_rep.append(table)
    summary = summarize(pd.concat(per_rep), ["channel", "metric"])
    assert (summary["replications"] <= 3).all()
    row = summary[(summary["channel"] == "phone") & (summary["metric"] == "offered")].iloc[0]
    assert row["ci_low"] <= row["mean"] <= row["ci_high"] and row["replications"] == 3


def test_summarize_without_keys_is_one_group():
    out = summarize(pd.DataFrame({"replication": [0, 1], "value": [1.0, 3.0]}), [])
    assert out["mean"].tolist() == [2.0] and out["replications"].tolist() == [2]
