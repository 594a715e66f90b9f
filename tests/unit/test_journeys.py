"""Journeys across channels: every path a need can take, and conservation over all of them."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.records import (
    ABANDONED,
    ANSWERED,
    COMPLAINT,
    DEFLECTED,
    ESCALATED,
    FIRST,
    GAVE_UP,
    OPEN,
    REDIRECT,
    RESOLVED,
    RETRY,
)
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.scenario.load import parse_scenario
from tests.support import assert_conserved

EXP = {"dist": "exponential", "mean": 120}


def scenario(channels: dict, pools: dict, choice: dict, **extra):
    data = {"name": "journeys", "horizon": "12h", "warmup": "30min",
            "demand": {"per_hour": 120}, "choice": {"default": choice},
            "channels": channels, "pools": pools}
    data.update(extra)
    return parse_scenario(data)


def run(sc, seed: int = 1):
    return simulate(sc, replication_seed(seed, 0))


PHONE = {"kind": "realtime", "handle_time": EXP, "patience": {"dist": "exponential", "mean": 30}}
EMAIL = {"kind": "deferred", "handle_time": EXP}
TWITTER = {"kind": "public", "handle_time": EXP}


def test_abandoned_callers_retry_on_a_channel_they_have_not_tried():
    """Retries go to channels of the need's own table not yet tried (a zero share is never
    chosen): here only email is left."""
    sc = scenario({"phone": {**PHONE, "on_abandon": {"retry": 1.0}}, "email": EMAIL},
                  {"phone": {"skills": ["phone"], "agents": 2},
                   "mail": {"skills": ["email"], "agents": 4}},
                  {"phone": 0.9, "email": 0.1})
    r = run(sc)
    assert_conserved(r)
    abandoned = np.flatnonzero((r.status == ABANDONED) & (r.cause == FIRST)
                               & (r.channel == 0))
    retries = np.flatnonzero(r.cause == RETRY)
    assert len(abandoned) > 20
    # every abandoned first call made exactly one retry, by email (the one channel left)
    assert sorted(r.parent[retries].tolist()) == sorted(abandoned.tolist())
    assert set(r.channel[retries].tolist()) == {1}
    assert np.allclose(r.arrival[retries], r.ended[r.parent[retries]])  # no retry delay


def test_abandoned_twitter_users_complain_in_public_and_others_give_up():
    sc = scenario({"phone": {**PHONE, "on_abandon": {"public": 1.0}}, "twitter": TWITTER},
                  {"phone": {"skills": ["phone"], "agents": 2},
                   "social": {"skills": ["twitter"], "agents": 2}},
                  {"phone": 1.0, "twitter": 0.0},
                  needs={"twitter_users": 0.5})
    r = run(sc)
    assert_conserved(r)
    complaints = np.flatnonzero(r.cause == COMPLAINT)
    parents = r.parent[complaints]
    assert len(complaints) > 10
    assert np.all(r.channel[complaints] == 1)
    assert np.all(r.needs.twitter[r.need[complaints]])
    abandoned = np.flatnonzero((r.status == ABANDONED) & (r.cause == FIRST))
    silent = np.setdiff1d(abandoned, parents)
    assert len(silent) > 10 and not r.needs.twitter[r.need[silent]].any()
    assert np.all(r.needs.outcome[r.need[silent]] == GAVE_UP)


def test_a_public_reply_redirects_to_dm_and_answers_the_thread():
    dm = {"kind": "deferred", "handle_time": EXP, "twitter_only": True}
    redirect = {"share": 1.0, "to": {"dm": 1.0}, "delay": {"dist": "deterministic", "value": 60}}
    sc = scenario({"twitter": {**TWITTER, "redirect": redirect}, "dm": dm},
                  {"social": {"skills": ["twitter", "dm"], "agents": 6}},
                  {"twitter": 1.0, "dm": 0.0})
    r = run(sc)
    assert_conserved(r)
    first = np.flatnonzero((r.cause == FIRST) & (r.status == ANSWERED))
    moved = np.flatnonzero(r.cause == REDIRECT)
    assert len(first) > 100
    assert sorted(r.parent[moved].tolist()) == sorted(first.tolist())
    assert np.all(r.channel[moved] == 1)
    assert np.allclose(r.arrival[moved], r.replied[r.parent[moved]] + 60)
    assert np.array_equal(r.replied[first], r.ended[first])  # the thread ends with the reply


def test_unresolved_calls_escalate_to_tier_two():
    sc = scenario({"phone": {"kind": "realtime", "handle_time": EXP, "fcr": 0.0,
                             "escalate_to": "tier2"},
                   "tier2": {"kind": "realtime", "handle_time": EXP}},
                  {"phone": {"skills": ["phone"], "agents": 6},
                   "tier2": {"skills": ["tier2"], "agents": 6}},
                  {"phone": 1.0, "tier2": 0.0})
    r = run(sc)
    assert_conserved(r)
    escalated = np.flatnonzero(r.cause == ESCALATED)
    done_first = np.flatnonzero((r.cause == FIRST) & (r.status == ANSWERED))
    assert sorted(r.parent[escalated].tolist()) == sorted(done_first.tolist())
    assert np.all(r.channel[escalated] == 1)
    assert np.allclose(r.arrival[escalated], r.ended[r.parent[escalated]])  # a transfer
    # tier 2 resolves (fcr 1): a need is resolved exactly when its tier-2 contact ends
    tier2_done = escalated[r.status[escalated] == ANSWERED]
    assert np.allclose(r.needs.resolved[r.need[tier2_done]], r.ended[tier2_done])


@pytest.mark.parametrize("fcr", [0.0, 0.4, 1.0])
def test_first_contact_resolution_share(fcr):
    sc = scenario({"email": {**EMAIL, "fcr": fcr}},
                  {"mail": {"skills": ["email"], "agents": 8}}, {"email": 1.0},
                  horizon="3d")
    r = run(sc)
    assert_conserved(r)
    done = r.status == ANSWERED
    resolved = r.needs.outcome[r.need[done]] == RESOLVED
    n, share = done.sum(), resolved.mean()
    assert abs(share - fcr) <= 4 * np.sqrt(fcr * (1 - fcr) / n) + 1e-12


def test_late_public_contacts_stay_in_queue_while_the_customer_retries():
    sc = scenario({"twitter": {**TWITTER, "patience": {"dist": "deterministic", "value": 600},
                               "on_late": {"retry": 1.0}},
                   "email": EMAIL},
                  {"social": {"skills": ["twitter"], "agents": 1},
                   "mail": {"skills": ["email"], "agents": 8}},
                  {"twitter": 0.9, "email": 0.1}, demand={"per_hour": 40})
    r = run(sc)
    assert_conserved(r)
    retries = np.flatnonzero(r.cause == RETRY)
    parents = r.parent[retries]
    assert len(retries) > 20 and np.all(r.channel[retries] == 1)
    assert np.allclose(r.arrival[retries], r.arrival[parents] + 600)
    # the late tweet was still unanswered when the customer moved, and may be answered later
    assert np.all(np.isnan(r.answered[parents]) | (r.answered[parents] >= r.arrival[retries]))
    assert (r.status[parents] == ANSWERED).any()


def test_a_case_of_several_messages_takes_several_exchanges():
    messages = {"dist": "deterministic", "value": 3}
    gap = {"dist": "deterministic", "value": 300}
    handle = {"dist": "deterministic", "value": 60}
    sc = scenario({"twitter": {**TWITTER, "handle_time": handle, "messages": messages,
                               "reply_gap": gap}},
                  {"social": {"skills": ["twitter"], "agents": 4}}, {"twitter": 1.0})
    r = run(sc)
    assert_conserved(r)
    done = np.flatnonzero(r.status == ANSWERED)
    rows = np.bincount(r.exchange_contact, minlength=len(r.arrival))
    assert np.all(rows[done] == 2)
    assert np.all(r.ended[done] - r.replied[done] >= 2 * (300 + 60) - 1e-9)
    assert np.allclose(r.replied[done] - r.answered[done], 60)
    finished = ~np.isnan(r.exchange_end)
    assert np.allclose(r.exchange_end[finished] - r.exchange_start[finished], 60)


def test_a_need_stops_after_max_contacts():
    ping = {"kind": "realtime", "handle_time": EXP, "fcr": 0.0}
    sc = scenario({"a": ping, "b": ping, "c": ping},
                  {"everyone": {"skills": ["a", "b", "c"], "agents": 10}},
                  {"a": 0.4, "b": 0.3, "c": 0.3},
                  journeys={"on_unresolved": {"retry": 1.0}, "max_contacts": 2})
    r = run(sc)
    assert_conserved(r)
    assert r.needs.contacts.max() == 2
    done = r.needs.outcome != OPEN
    assert np.all(r.needs.outcome[done] == GAVE_UP)  # nothing ever resolves
    assert np.all(r.needs.channel_changes[r.needs.contacts == 2] == 1)


def test_self_service_and_choice_shares_reproduce_the_tables():
    """First-channel shares per reason match the table, and the Twitter-only share goes to
    Twitter users only; self-service deflects its share (binomial tolerances, 4 sigma)."""
    tables = {"default": {"phone": 0.5, "email": 0.3, "twitter": 0.2},
              "complaint": {"phone": 0.3, "email": 0.3, "twitter": 0.4}}
    sc = parse_scenario({
        "name": "choice", "horizon": "2d", "demand": {"per_hour": 400},
        "needs": {"reasons": {"question": 0.7, "complaint": 0.3},
                  "regions": {"US": 0.6, "EU": 0.4},
                  "twitter_users": {"US": 0.5, "EU": 0.45},
                  "self_service": {"US": 0.2, "EU": 0.1}},
        "choice": tables,
        "channels": {"phone": EMAIL, "email": EMAIL, "twitter": TWITTER},
        "pools": {"everyone": {"skills": ["phone", "email", "twitter"], "agents": 0}},
    })
    r = run(sc)
    needs = r.needs
    for k, region in enumerate(needs.regions):
        mine = needs.region == k
        share = (needs.outcome[mine] == DEFLECTED).mean()
        want = sc.needs.self_service[region]
        assert abs(share - want) <= 4 * np.sqrt(want * (1 - want) / mine.sum())
    first = r.cause == FIRST
    for k, reason in enumerate(needs.reasons):
        mine = first & (needs.reason[r.need] == k)
        table = tables.get(reason, tables["default"])
        for c, name in enumerate(r.channels):
            share, want = (r.channel[mine] == c).mean(), table[name]
            assert abs(share - want) <= 4 * np.sqrt(want * (1 - want) / mine.sum()), name
    tweeting = first & (r.channel == 2)
    assert needs.twitter[r.need[tweeting]].all()


def test_an_outage_multiplies_its_reason_for_its_window():
    sc = parse_scenario({
        "name": "outage", "horizon": "24h", "demand": {"per_hour": 100},
        "needs": {"reasons": {"question": 0.9, "outage": 0.1}},
        "events": [{"kind": "outage", "start": "10h", "length": "2h", "multiplier": 11,
                    "reason": "outage"}],
        "choice": {"default": {"email": 1.0}},
        "channels": {"email": EMAIL}, "pools": {"mail": {"skills": ["email"], "agents": 0}},
    })
    counts = []
    for seed in range(20):
        needs = run(sc, seed).needs
        inside = (needs.arrival >= 10 * 3600) & (needs.arrival < 12 * 3600)
        counts.append(((needs.reason == 1) & inside).sum())
    expected = 100 * 0.1 * 11 * 2  # 220 outage needs in the window
    mean, se = np.mean(counts), np.sqrt(expected / len(counts))  # Poisson
    assert abs(mean - expected) <= 4 * se


def test_a_table_per_reason_and_region_applies_to_that_region_only():
    sc = parse_scenario({
        "name": "regions", "horizon": "2d", "demand": {"per_hour": 300},
        "needs": {"reasons": {"question": 1.0}, "regions": {"US": 0.5, "EU": 0.5}},
        "choice": {"default": {"phone": 0.8, "email": 0.2},
                   "question/EU": {"phone": 0.2, "email": 0.8}},
        "channels": {"phone": EMAIL, "email": EMAIL},
        "pools": {"everyone": {"skills": ["phone", "email"], "agents": 0}},
    })
    r = run(sc)
    region = r.needs.region[r.need]
    for k, phone_share in ((0, 0.8), (1, 0.2)):
        mine = region == k
        share = (r.channel[mine] == 0).mean()
        assert abs(share - phone_share) <= 4 * np.sqrt(phone_share * (1 - phone_share)
                                                       / mine.sum())
