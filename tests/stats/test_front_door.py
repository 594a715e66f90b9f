"""front-door against fifo under common random numbers: paired differences with their CI."""

from __future__ import annotations

import numpy as np

from sim.engine.records import ANSWERED, REDIRECT
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.scenario.load import ScenarioError, parse_scenario
from tests.stats.factory import paired_difference

REPLICATIONS = 15
EXP = {"dist": "exponential", "mean": 240}


def _desk(policy: dict) -> dict:
    return {
        "name": "desk", "horizon": "8h", "warmup": "30min", "demand": {"per_hour": 100},
        "policy": policy,
        "needs": {"reasons": {"quick_question": 0.5, "sensitive_account": 0.5},
                  "twitter_users": 0.5},
        "choice": {"default": {"phone": 0.6, "twitter": 0.4}},
        "channels": {"phone": {"kind": "realtime", "handle_time": EXP,
                               "target": {"within": "20s"}},
                     "twitter": {"kind": "public", "handle_time": EXP,
                                 "target": {"within": "1h"}},
                     "dm": {"kind": "deferred", "handle_time": EXP, "twitter_only": True}},
        "pools": {"team": {"skills": ["phone", "twitter", "dm"], "agents": 8}},
    }


def _paired(metric: str, channel: str, policy: dict) -> tuple[float, float]:
    """Mean and 99% half-width of (policy - fifo) per replication."""
    return paired_difference(parse_scenario(_desk({"name": "fifo"})),
                             parse_scenario(_desk(policy)), channel, metric, REPLICATIONS)


def test_front_door_answers_the_public_faster_and_cuts_unanswered_impressions():
    policy = {"name": "front-door", "to": {"dm": 1.0}}
    mean, half = _paired("first_response_mean", "twitter", policy)
    assert mean + half < 0, f"first response {mean:+.1f} ± {half:.1f} s"
    mean, half = _paired("unanswered_impressions", "all", policy)
    assert mean + half < 0, f"unanswered impressions {mean:+.1f} ± {half:.1f}"


def test_front_door_moves_sensitive_cases_to_dm_and_answers_questions_in_public():
    """By default every sensitive case moves on after the public reply, no quick question
    does, and the public reply takes `reply_time`."""
    sc = parse_scenario(_desk({"name": "front-door", "to": {"dm": 1.0}, "reply_time": 30}))
    r = simulate(sc, replication_seed(5, 0))
    reason = np.array(r.needs.reasons)[r.needs.reason[r.need]]
    moved = r.cause == REDIRECT
    assert moved.sum() > 20
    assert set(np.array(r.channels)[r.channel[moved]]) == {"dm"}
    assert set(np.array(r.channels)[r.channel[r.parent[moved]]]) == {"twitter"}
    assert set(reason[moved]) == {"sensitive_account"}
    public = (r.channel == r.channels.index("twitter")) & ~np.isnan(r.replied)
    assert np.allclose(r.replied[public] - r.answered[public], 30)
    sensitive_replied = public & (reason == "sensitive_account") & (r.status == ANSWERED)
    assert np.isin(np.flatnonzero(sensitive_replied), r.parent[moved]).all()


def test_front_door_refuses_a_redirect_to_an_unknown_channel():
    try:
        parse_scenario(_desk({"name": "front-door", "to": {"fax": 1.0}}))
    except ScenarioError as err:
        assert "policy.to.fax: names no channel" in str(err)
    else:
        raise AssertionError("an unknown channel in `to` was accepted")
