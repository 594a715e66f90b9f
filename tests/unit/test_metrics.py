"""Metrics layer: hand-built records with answers worked out on paper, plus one real run."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.engine.records import (
    ABANDONED,
    ANSWERED,
    COMPLAINT,
    DEFLECTED,
    ESCALATED,
    FIRST,
    GAVE_UP,
    IN_SERVICE,
    OPEN,
    REDIRECT,
    RESOLVED,
    WAITING,
    Needs,
    Records,
)
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import (
    busy_blocks,
    contacts_table,
    interval_edges,
    interval_metrics,
    needs_table,
    overlap_seconds,
    replication_metrics,
    summarize,
)
from sim.scenario.load import parse_scenario
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


def records(rows=CONTACTS, horizon: float = 3600.0, *, channels=("phone", "chat", "email"),
            pools=("phone", "desk"), exchanges=(), retweets=(), needs=None,
            **columns) -> Records:
    """Records from contact rows, with defaults for everything else.

    By default each contact is a first contact of its own need (arrival =
    the contact's, reason 0, no followers, outcome OPEN) and `replied` is
    `ended` for answered contacts. `columns` overrides per-contact columns
    (need, parent, cause, replied); `needs` overrides fields of `Needs`;
    `exchanges` are (contact, pool, agent, start, end) rows of later
    exchanges; `retweets` are (need, age, followers) rows.
    """
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 7
    arrival = np.array(cols[0], dtype=float)
    ended = np.array(cols[3], dtype=float)
    status = np.array(cols[6], dtype=np.uint8)
    contact = {"need": np.arange(n), "parent": np.full(n, -1), "cause": np.full(n, FIRST),
               "replied": np.where(status == ANSWERED, ended, NAN)}
    contact.update(columns)
    need = np.asarray(contact["need"], dtype=np.int32)
    needs = dict(needs or {})
    n_needs = len(needs["arrival"]) if "arrival" in needs else int(need.max(initial=-1)) + 1
    first_arrival = np.full(n_needs, np.inf)
    np.minimum.at(first_arrival, need, arrival)
    need_columns = {
        "reasons": ("general",), "regions": ("all",), "arrival": first_arrival,
        "reason": np.zeros(n_needs), "region": np.zeros(n_needs),
        "twitter": np.zeros(n_needs), "followers": np.zeros(n_needs),
        "outcome": np.full(n_needs, OPEN), "resolved": np.full(n_needs, NAN),
        "contacts": np.bincount(need, minlength=n_needs), "channel_changes": np.zeros(n_needs),
    } | needs
    dtypes = {"arrival": float, "reason": np.int8, "region": np.int8, "twitter": bool,
              "followers": float, "outcome": np.uint8, "resolved": float,
              "contacts": np.int16, "channel_changes": np.int16}
    ex = list(zip(*exchanges, strict=True)) if exchanges else [()] * 5
    rt = list(zip(*retweets, strict=True)) if retweets else [()] * 3
    return Records(
        channels=tuple(channels),
        pools=tuple(pools),
        arrival=arrival,
        channel=np.array(cols[1], dtype=np.int8),
        need=need,
        parent=np.asarray(contact["parent"], dtype=np.int32),
        cause=np.asarray(contact["cause"], dtype=np.uint8),
        answered=np.array(cols[2], dtype=float),
        replied=np.asarray(contact["replied"], dtype=float),
        ended=ended,
        pool=np.array(cols[4], dtype=np.int16),
        agent=np.array(cols[5], dtype=np.int32),
        status=status,
        exchange_contact=np.array(ex[0], dtype=np.int32),
        exchange_pool=np.array(ex[1], dtype=np.int16),
        exchange_agent=np.array(ex[2], dtype=np.int32),
        exchange_start=np.array(ex[3], dtype=float),
        exchange_end=np.array(ex[4], dtype=float),
        broadcast_contact=np.empty(0, dtype=np.int32),
        broadcast_time=np.empty(0),
        needs=Needs(**{k: np.asarray(v, dtype=dtypes[k]) if k in dtypes else v
                       for k, v in need_columns.items()}),
        retweet_need=np.array(rt[0], dtype=np.intp),
        retweet_age=np.array(rt[1], dtype=float),
        retweet_followers=np.array(rt[2], dtype=float),
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
    assert table["need"].tolist() == list(range(1, 10)) and (table["parent"] == -1).all()
    assert list(table["cause"].cat.categories) == ["first", "retry", "public_complaint",
                                                   "redirect", "escalated", "after_closed"]
    assert (table["cause"] == "first").all()
    assert table["replied"].iloc[7] == 2300.0 and np.isnan(table["replied"].iloc[6])


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
    assert ("email", "abandon_rate") not in got  # an email never abandons
    for m in ("wait_mean", "wait_p50", "wait_p90", "first_response_mean", "delayed_share",
              "abandon_rate"):  # across channels they would mix phone's seconds, email's hours
        assert ("all", m) not in got, m


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
    assert values("all", "wait_mean") == []  # no wait across channels, as in metrics.csv
    assert values("pool:phone", "agents") == [2, 2, 2]
    assert values("pool:desk", "occupancy") == pytest.approx([500 / 3000, 400 / 3000, 600 / 1200])
    assert values("pool:phone", "occupancy") == pytest.approx([590 / 3000, 0, 0])
    assert values("chat", "service_level") == []
    assert table["interval_start"].is_monotonic_increasing


def interval_values(table: pd.DataFrame, channel: str, metric: str) -> list[float]:
    rows = table[(table["channel"] == channel) & (table["metric"] == metric)]
    return rows.sort_values("interval_start")["value"].tolist()


# ---- multi-message cases: first reply and busy time ------------------------------------------

# email cases of several exchanges (desk pool): the first exchange runs [answered, replied)
MULTI = [
    (0, 2, 100, 1500, 1, 0, ANSWERED),  # m0: replied at 400, second exchange [1000, 1500)
    (200, 2, 3000, NAN, 1, 0, IN_SERVICE),  # m1: first exchange in progress at the horizon
    (300, 2, 600, NAN, 1, 0, IN_SERVICE),  # m2: replied at 900, third exchange open at horizon
]
MULTI_REPLIED = [400, NAN, 900]
MULTI_EXCHANGES = [(0, 1, 1, 1000, 1500), (2, 1, 1, 2000, 2100), (2, 1, 1, 3300, NAN)]


def multi_records() -> Records:
    return records(MULTI, replied=MULTI_REPLIED, exchanges=MULTI_EXCHANGES)


def test_first_response_is_the_first_reply_not_the_end_of_the_case():
    got = as_dict(replication_metrics(multi_records(), scenario()))
    assert got[("email", "first_response_mean")] == pytest.approx((400 + 600) / 2)
    assert got[("email", "service_level")] == pytest.approx(2 / 3)  # m1 not replied yet
    assert got[("email", "answered")] == 3  # taken by an agent, whatever the status


def test_busy_time_counts_each_exchange_not_the_gaps():
    blocks = busy_blocks(multi_records())
    agent0 = blocks[(blocks["pool"] == 1) & (blocks["agent"] == 0)]
    agent1 = blocks[(blocks["pool"] == 1) & (blocks["agent"] == 1)]
    assert agent0[["start", "end"]].values.tolist() == [[100, 400], [600, 900], [3000, 3600]]
    assert agent1[["start", "end"]].values.tolist() == [[1000, 1500], [2000, 2100],
                                                        [3300, 3600]]
    got = as_dict(replication_metrics(multi_records(), scenario()))
    assert got[("pool:desk", "occupancy")] == pytest.approx(2100 / 7200)
    table = interval_metrics(multi_records(), scenario())
    assert interval_values(table, "pool:desk", "occupancy") == pytest.approx(
        [1100 / 3000, 100 / 3000, 900 / 1200])


# ---- escalation and needs --------------------------------------------------------------------

def test_escalation_rate_is_the_share_of_contacts_followed_by_another():
    rows = [
        (0, 0, 0, 100, 0, 0, ANSWERED),  # e0 phone, escalated to e2
        (10, 0, 10, 50, 0, 1, ANSWERED),  # e1 phone, resolved
        (100, 1, 100, 200, 1, 0, ANSWERED),  # e2 chat (follows e0), redirected to e3
        (300, 2, NAN, NAN, -1, -1, WAITING),  # e3 email (follows e2)
        (-50, 0, -50, -10, 0, 0, ANSWERED),  # e4 warm-up phone, followed by e5: not counted
        (20, 1, 20, 30, 1, 0, ANSWERED),  # e5 chat (follows e4)
    ]
    rec = records(rows, need=[0, 1, 0, 0, 2, 2], parent=[-1, -1, 0, 2, -1, 4],
                  cause=[FIRST, FIRST, ESCALATED, REDIRECT, FIRST, ESCALATED])
    got = as_dict(replication_metrics(rec, scenario()))
    assert got[("phone", "escalation_rate")] == pytest.approx(1 / 2)
    assert got[("chat", "escalation_rate")] == pytest.approx(1 / 2)
    assert got[("email", "escalation_rate")] == 0
    assert got[("all", "escalation_rate")] == pytest.approx(2 / 5)
    table = contacts_table(rec, 0)
    assert table["parent"].tolist() == [-1, -1, 0, 2, 4]
    assert table["cause"].tolist() == ["first", "first", "escalated", "redirect", "escalated"]


# need: (arrival, outcome, resolved, contacts, channel_changes)
NEEDS = [
    (-100, RESOLVED, 50, 1, 0),  # n0 warm-up: left out
    (0, RESOLVED, 500, 1, 0),  # n1
    (100, RESOLVED, 1100, 3, 2),  # n2
    (200, GAVE_UP, NAN, 2, 1),  # n3
    (300, DEFLECTED, NAN, 0, 0),  # n4 self-service: no contact
    (400, OPEN, NAN, 1, 0),  # n5 still in the system
    (3600, OPEN, NAN, 0, 0),  # n6 after the horizon: left out
]


def needs_records() -> Records:
    cols = list(zip(*NEEDS, strict=True))
    fields = ("arrival", "outcome", "resolved", "contacts", "channel_changes")
    needs = dict(zip(fields, cols, strict=True)) | {
        "reasons": ("complaint", "quick_question"), "regions": ("US", "EU"),
        "reason": [0, 0, 1, 0, 1, 1, 0], "region": [0, 1, 0, 0, 1, 0, 0],
        "twitter": [0, 1, 0, 0, 0, 1, 0], "followers": [0, 80, 0, 0, 0, 40, 0]}
    rows = [(-100, 0, -100, 50, 0, 0, ANSWERED), (0, 0, 0, 500, 0, 0, ANSWERED),
            (100, 0, 100, 200, 0, 1, ANSWERED), (200, 0, NAN, 230, -1, -1, ABANDONED),
            (400, 0, NAN, NAN, -1, -1, WAITING)]
    return records(rows, need=[0, 1, 2, 3, 5], needs=needs)


def test_need_metrics_known_answers():
    got = as_dict(replication_metrics(needs_records(), scenario()))
    # measured needs n1..n5; n4 deflected; n1, n2, n3, n5 made contacts
    assert got[("all", "transfers_per_need")] == pytest.approx((0 + 2 + 1 + 0) / 4)
    assert got[("all", "contacts_per_need")] == pytest.approx((1 + 3 + 2 + 1) / 4)
    assert got[("all", "resolution_time_mean")] == pytest.approx((500 + 1000) / 2)
    assert got[("all", "resolved_share")] == pytest.approx(2 / 4)
    assert got[("all", "self_service_share")] == pytest.approx(1 / 5)
    for name in ("phone", "chat", "email"):
        assert (name, "transfers_per_need") not in got
        assert (name, "self_service_share") not in got


def test_need_metrics_without_needs_are_nan():
    got = as_dict(replication_metrics(records([]), scenario()))
    assert got[("all", "offered")] == 0
    for m in ("transfers_per_need", "contacts_per_need", "resolution_time_mean",
              "resolved_share", "self_service_share"):
        assert math.isnan(got[("all", m)]), m


def test_needs_table_one_row_per_measured_need():
    table = needs_table(needs_records(), replication=2)
    assert list(table.columns) == ["replication", "need", "arrival", "reason", "region",
                                   "twitter", "followers", "outcome", "resolved",
                                   "resolution_time", "contacts", "channel_changes"]
    assert table["need"].tolist() == [1, 2, 3, 4, 5]
    assert (table["replication"] == 2).all()
    assert table["outcome"].tolist() == ["resolved", "resolved", "gave_up", "self_service",
                                         "in_system"]
    assert list(table["outcome"].cat.categories) == ["in_system", "resolved", "gave_up",
                                                     "self_service"]
    assert table["reason"].tolist() == ["complaint", "quick_question", "complaint",
                                        "quick_question", "quick_question"]
    assert table["region"].tolist() == ["EU", "US", "US", "EU", "US"]
    assert table["twitter"].tolist() == [True, False, False, False, True]
    assert table["followers"].tolist() == [80, 0, 0, 0, 40]
    assert table["resolution_time"].tolist()[:2] == [500, 1000]
    assert table["resolution_time"].isna().tolist() == [False, False, True, True, True]
    assert table["contacts"].tolist() == [1, 3, 2, 0, 1]
    assert table["channel_changes"].tolist() == [0, 2, 1, 0, 0]


# ---- public channels ---------------------------------------------------------------------------

def public_scenario() -> Scenario:
    return parse_scenario({
        "name": "public", "horizon": 3600, "warmup": 600, "interval": 1800,
        "demand": {"per_hour": 10},
        "needs": {"reasons": {"complaint": 0.5, "quick_question": 0.5}, "twitter_users": 1.0},
        "choice": {"default": {"phone": 0.5, "twitter": 0.5}},
        "channels": {
            "phone": {"kind": "realtime", "handle_time": EXP},
            "twitter": {"kind": "public", "handle_time": EXP, "target": {"within": "1h"}},
        },
        "pools": {"phone": {"skills": ["phone"], "agents": 1},
                  "social": {"skills": ["twitter"], "agents": 2}},
        "visibility": {"impressions_per_follower": 0.05, "half_life": "1h"},
    })


PUBLIC = [  # channels phone (0) and twitter (1); pools phone (0) and social (1)
    (-500, 1, 200, 300, 1, 0, ANSWERED),  # p0 warm-up complaint, replied at 300
    (-400, 1, -300, -100, 1, 0, ANSWERED),  # p1 warm-up complaint, replied before t=0
    (0, 1, 600, 1800, 1, 0, ANSWERED),  # p2 complaint, 1000 followers, replied after 1800 s
    (100, 0, NAN, 160, -1, -1, ABANDONED),  # p3 phone, quick question, 200 followers...
    (400, 1, NAN, NAN, -1, -1, WAITING),  # p4 ... complains in public: no reply by the horizon
    (1000, 1, 1000, 1100, 1, 1, ANSWERED),  # p5 quick question, 300 followers, 100 s
    (2000, 1, 2000, 2050, 1, 1, ANSWERED),  # p6 the same need again (redirected), 50 s
]
PUBLIC_NEEDS = {"reasons": ("complaint", "quick_question"), "reason": [0, 0, 0, 1, 1],
                "twitter": [1, 1, 1, 1, 1], "followers": [10, 10, 1000, 200, 300]}
RETWEETS = [
    (2, 900.0, 400.0),  # before p2's reply: counts for p2
    (2, 2000.0, 5000.0),  # after p2's reply: never counts
    (3, 100.0, 100.0),  # need 3's public contact is p4 (its phone contact p3 has no tweet)
    (4, 50.0, 1000.0),  # need 4: its first public contact p5 only (p6 was replied at 50 s)
    (1, 10.0, 1e6),  # a warm-up contact's: not measured
]


def public_records() -> Records:
    return records(PUBLIC, channels=("phone", "twitter"), pools=("phone", "social"),
                   need=[0, 1, 2, 3, 3, 4, 4], parent=[-1, -1, -1, -1, 3, -1, 5],
                   cause=[FIRST, FIRST, FIRST, FIRST, COMPLAINT, FIRST, REDIRECT],
                   needs=PUBLIC_NEEDS, retweets=RETWEETS)


def seen(age: float) -> float:
    """Share of a tweet's impressions before `age`, half-life 1 h."""
    return 1 - 0.5 ** (age / 3600)


P = 0.05
P2 = (P * (1000 * seen(1800) + 400 * seen(900)), P * (1000 * (1 - seen(1800))
                                                     + 400 * (1 - seen(900))))
P4 = (P * (200 * seen(3200) + 100 * seen(3100)), 0.0)  # censored at the horizon
P5 = (P * (300 * seen(100) + 1000 * seen(50)), P * (300 * (1 - seen(100))
                                                   + 1000 * (1 - seen(50))))
P6 = (P * 300 * seen(50), P * 300 * (1 - seen(50)))


def test_public_metrics_known_answers():
    got = as_dict(replication_metrics(public_records(), public_scenario()))
    for channel in ("twitter", "all"):
        assert got[(channel, "public_complaints")] == 2  # p2 by reason, p4 by cause
        assert got[(channel, "unanswered_impressions")] == pytest.approx(
            P2[0] + P4[0] + P5[0] + P6[0])
        assert got[(channel, "reply_impressions")] == pytest.approx(P2[1] + P5[1] + P6[1])
    assert got[("twitter", "first_response_mean")] == pytest.approx((1800 + 100 + 50) / 3)
    assert got[("twitter", "service_level")] == pytest.approx(3 / 4)
    assert got[("twitter", "escalation_rate")] == pytest.approx(1 / 4)
    assert got[("phone", "escalation_rate")] == 1
    for m in ("public_complaints", "unanswered_impressions", "reply_impressions"):
        assert ("phone", m) not in got
    assert ("all", "public_complaints") not in as_dict(
        replication_metrics(records(), scenario()))  # no public channel: no public rows


def test_public_interval_metrics_known_answers():
    table = interval_metrics(public_records(), public_scenario())
    # outstanding complaints: p0 [0, 300), p2 [0, 1800), p4 [400, 3600); p1 replied before 0
    for channel in ("twitter", "all"):
        assert interval_values(table, channel, "public_outstanding") == pytest.approx(
            [(300 + 1800 + 1400) / 1800, 1800 / 1800])
        assert interval_values(table, channel, "unanswered_impressions") == pytest.approx(
            [P2[0] + P4[0] + P5[0], P6[0]])
    assert interval_values(table, "phone", "public_outstanding") == []
    assert interval_values(table, "phone", "unanswered_impressions") == []


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


def test_real_run_with_a_public_channel():
    """Phone and a public Twitter channel of multi-message cases; callers who abandon or are
    not helped complain in public. Contacts are conserved and the new metrics are finite."""
    sc = parse_scenario({
        "name": "public-run", "horizon": "6h", "warmup": "30min", "interval": "1h",
        "demand": {"per_hour": 60},
        "needs": {"reasons": {"complaint": 0.4, "quick_question": 0.6}, "twitter_users": 1.0,
                  "self_service": 0.1},
        "choice": {"default": {"phone": 0.7, "twitter": 0.3}},
        "journeys": {"on_unresolved": {"retry": 0.3, "public": 0.3}},
        "channels": {
            "phone": {"kind": "realtime", "handle_time": EXP, "fcr": 0.7,
                      "patience": {"dist": "exponential", "mean": "1min"},
                      "target": {"within": "20s"}, "on_abandon": {"public": 0.5}},
            "twitter": {"kind": "public", "handle_time": EXP, "target": {"within": "30min"},
                        "messages": {"dist": "deterministic", "value": 2},
                        "reply_gap": {"dist": "exponential", "mean": "5min"}},
        },
        "pools": {"phone": {"skills": ["phone"], "agents": 2},
                  "social": {"skills": ["twitter"], "agents": 4}},
    })
    for r in range(2):
        rec = simulate(sc, replication_seed(11, r))
        assert len(rec.exchange_start) > 0 and (rec.cause == COMPLAINT).any()
        got = as_dict(replication_metrics(rec, sc))
        contacts = contacts_table(rec, r)
        never_taken = (contacts["status"] == "waiting") & contacts["answered"].isna()
        for channel in ("phone", "twitter"):
            mine = contacts["channel"] == channel
            assert got[(channel, "offered")] == mine.sum() > 0
            assert got[(channel, "offered")] == (got[(channel, "answered")]
                                                  + got[(channel, "abandoned")]
                                                  + (never_taken & mine).sum())
        new = ["escalation_rate", "public_complaints", "unanswered_impressions",
               "reply_impressions", "transfers_per_need", "contacts_per_need",
               "resolution_time_mean", "resolved_share", "self_service_share"]
        for m in new:
            assert math.isfinite(got[("all", m)]), m
        assert got[("twitter", "public_complaints")] > 0
        assert got[("twitter", "unanswered_impressions")] > 0
        assert got[("all", "contacts_per_need")] >= 1
        assert 0 < got[("pool:social", "occupancy")] <= 1 + 1e-9
        needs = needs_table(rec, r)
        contacted = needs["outcome"] != "self_service"
        assert got[("all", "contacts_per_need")] == pytest.approx(
            needs["contacts"][contacted].mean())
        assert got[("all", "self_service_share")] == pytest.approx((~contacted).mean())
        intervals = interval_metrics(rec, sc)
        outstanding = interval_values(intervals, "twitter", "public_outstanding")
        assert len(outstanding) == 6 and all(v >= 0 for v in outstanding)
        assert interval_values(intervals, "all", "public_outstanding") == outstanding
        assert sum(interval_values(intervals, "twitter", "unanswered_impressions")) == (
            pytest.approx(got[("twitter", "unanswered_impressions")]))


def test_run_carries_needs_and_writes_needs_parquet(tmp_path):
    from sim.report.outputs import write_run
    from sim.report.records import RecordFiles
    from sim.runner.run import run

    sc = scenario(horizon=1800, warmup=0, needs={"self_service": 0.2})
    result = run(sc, replications=2, seed=1)
    assert sorted(result.needs["replication"].unique()) == [0, 1]
    assert (result.needs["outcome"] == "self_service").any()
    with RecordFiles(tmp_path, "needs") as sink:
        streamed = run(sc, replications=2, seed=1, records=sink)
        paths = write_run(streamed, tmp_path, workers=1, records="needs",
                          record_paths=sink.paths)
    assert tmp_path / "needs.parquet" in paths
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "needs.parquet"), result.needs)


def test_summarize_without_keys_is_one_group():
    out = summarize(pd.DataFrame({"replication": [0, 1], "value": [1.0, 3.0]}), [])
    assert out["mean"].tolist() == [2.0] and out["replications"].tolist() == [2]
