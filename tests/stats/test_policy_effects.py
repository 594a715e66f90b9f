"""callback, proactive-listening and outage-broadcast against fifo under common random
numbers: each shows its defining effect as a paired difference with a 99% CI."""

from __future__ import annotations

from sim.scenario.load import parse_scenario
from tests.stats.factory import paired_difference, phone_scenario

EXP = {"dist": "exponential", "mean": 240}


def _with_policy(scenario, policy: dict):
    return parse_scenario({**scenario.model_dump(mode="json"), "policy": policy})


def test_callback_lowers_phone_abandonment():
    base = phone_scenario(10, 170, 240.0, patience=60.0, horizon=6 * 3600.0)  # rho 1.13
    other = _with_policy(base, {"name": "callback", "threshold": 30, "accept": 0.8})
    mean, half = paired_difference(base, other, "phone", "abandon_rate")
    assert mean + half < 0, f"abandon rate {mean:+.4f} ± {half:.4f}"


def _mentions(policy: dict, events: list | None = None) -> dict:
    return {
        "name": "mentions", "horizon": "12h", "warmup": "30min", "demand": {"per_hour": 40},
        "policy": policy,
        "needs": {"reasons": {"complaint": 0.7, "outage": 0.3}, "twitter_users": 1.0},
        "events": events or [],
        "choice": {"default": {"twitter": 1.0}},
        "channels": {"twitter": {"kind": "public", "handle_time": EXP, "untagged": 0.4}},
        "pools": {"social": {"skills": ["twitter"], "agents": 4}},
    }


def test_listening_finds_untagged_mentions_and_cuts_unanswered_impressions():
    base = parse_scenario(_mentions({"name": "fifo"}))
    other = parse_scenario(_mentions({"name": "proactive-listening", "delay": 600}))
    mean, half = paired_difference(base, other, "twitter", "answered")
    assert mean - half > 0, f"answered {mean:+.1f} ± {half:.1f}"
    mean, half = paired_difference(base, other, "all", "unanswered_impressions")
    assert mean + half < 0, f"unanswered impressions {mean:+.1f} ± {half:.1f}"


def test_outage_broadcast_deflects_outage_needs_and_answers_the_public_sooner():
    outage = [{"kind": "outage", "start": "3h", "length": "3h", "multiplier": 8,
               "reason": "outage"}]
    base = parse_scenario(_mentions({"name": "fifo"}, outage))
    other = parse_scenario(_mentions({"name": "outage-broadcast", "delay": 600,
                                      "deflect": 0.4}, outage))
    mean, half = paired_difference(base, other, "all", "self_service_share")
    assert mean - half > 0, f"self-service share {mean:+.4f} ± {half:.4f}"
    mean, half = paired_difference(base, other, "all", "unanswered_impressions")
    assert mean + half < 0, f"unanswered impressions {mean:+.1f} ± {half:.1f}"
