"""priority, sla-weighted and blended-reserve against fifo under common random numbers (each
effect a paired difference per replication with its 99% t-interval), their option checks,
and a replication of every shipped multi-channel scenario under each."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.policies import base
from sim.runner.run import run
from sim.scenario.load import ScenarioError, parse_scenario
from sim.scenario.schema import PolicySpec
from tests.stats.factory import tolerance
from tests.support import assert_conserved

REPLICATIONS = 20
SEED = 7
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def exp(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


def _desk(policy: dict, pools: dict, per_hour: float, choice: dict,
          patience: float | None = None) -> dict:
    """Six hours of the channels in `choice` among phone (20 s target), email (4 h) and
    public mentions (1 h)."""
    phone = {"kind": "realtime", "handle_time": exp(240), "target": {"within": "20s"}}
    if patience is not None:
        phone["patience"] = exp(patience)
    channels = {
        "phone": phone,
        "email": {"kind": "deferred", "handle_time": exp(360), "target": {"within": "4h"}},
        "twitter": {"kind": "public", "handle_time": exp(240), "target": {"within": "1h"}},
    }
    return {
        "name": "desk", "horizon": "6h", "warmup": "1h", "demand": {"per_hour": per_hour},
        "policy": policy, "needs": {"twitter_users": 0.5}, "choice": {"default": choice},
        "channels": {name: spec for name, spec in channels.items() if name in choice},
        "pools": pools,
    }


TEAM = {"team": {"skills": ["phone", "email", "twitter"], "agents": 8}}
BUSY_DESK = {"pools": TEAM, "per_hour": 95, "choice": {"phone": 0.5, "email": 0.15,
                                                         "twitter": 0.35}}
# blending: six phone and three email agents, as two teams or as one team of nine
BLEND_MIX = {"per_hour": 100, "choice": {"phone": 0.6, "email": 0.4}, "patience": 300}
BLENDED = {"team": {"skills": ["phone", "email"], "agents": 9}}
DEDICATED = {"phone": {"skills": ["phone"], "agents": 6},
             "mail": {"skills": ["email"], "agents": 3}}


@cache
def _per_replication(desk: str) -> pd.DataFrame:
    """(replication) x (channel, metric) for one arm; `desk` is the JSON of `_desk`'s
    arguments, so arms shared between tests run once."""
    table = run(parse_scenario(_desk(**json.loads(desk))), replications=REPLICATIONS,
                seed=SEED).per_replication
    return table.pivot_table(index="replication", columns=["channel", "metric"],
                             values="value").sort_index()


def _arm(policy: dict | str, **desk) -> pd.DataFrame:
    policy = {"name": policy} if isinstance(policy, str) else policy
    return _per_replication(json.dumps({"policy": policy, **desk}, sort_keys=True))


def _paired(d: pd.Series | np.ndarray) -> tuple[float, float, str]:
    """Mean and 99% half-width of per-replication differences, and both as text."""
    d = np.asarray(d, dtype=float)
    mean, half = float(d.mean()), tolerance(d, 0.99)
    return mean, half, f"{mean:+.4g} ± {half:.3g}"


def test_priority_public_first_answers_the_public_sooner_and_makes_callers_wait():
    fifo = _arm("fifo", **BUSY_DESK)
    first = _arm({"name": "priority", "order": ["twitter"]}, **BUSY_DESK)
    mean, half, text = _paired(first["twitter", "first_response_mean"]
                               - fifo["twitter", "first_response_mean"])
    assert mean + half < 0, f"twitter first response {text} s"
    mean, half, text = _paired(first["phone", "wait_mean"] - fifo["phone", "wait_mean"])
    assert mean - half > 0, f"phone wait {text} s"


def _service_levels(table: pd.DataFrame) -> pd.DataFrame:
    return table.xs("service_level", axis=1, level="metric")[["phone", "email", "twitter"]]


def test_priority_with_no_order_is_fifo():
    records = [simulate(parse_scenario(_desk_with({"name": name})), replication_seed(SEED, 0))
               for name in ("fifo", "priority")]
    assert np.array_equal(records[0].answered, records[1].answered, equal_nan=True)
    assert np.array_equal(records[0].agent, records[1].agent)


def test_sla_weighted_brings_the_channels_service_levels_together():
    """fifo serves by age, so phone (20 s) misses its target while email (4 h) and mentions
    (1 h) are far inside theirs; weighting the wait by the target narrows the gap."""
    fifo = _service_levels(_arm("fifo", **BUSY_DESK))
    weighted = _service_levels(_arm("sla-weighted", **BUSY_DESK))
    spread = lambda sl: sl.max(axis=1) - sl.min(axis=1)  # noqa: E731
    mean, half, text = _paired(spread(weighted) - spread(fifo))
    assert mean + half < 0, f"service-level spread {text}"
    mean, half, text = _paired(weighted.min(axis=1) - fifo.min(axis=1))
    assert mean - half > 0, f"worst channel's service level {text}"


def test_blended_reserve_protects_the_phone_and_still_clears_email():
    """One team of nine under blended-reserve keeps the phone service level of a six-agent
    phone team (within 0.05) and answers more email than a three-agent email team beside
    it, where fifo on the same nine lets the email backlog take the phone's agents."""
    reserve = _arm({"name": "blended-reserve", "reserve": 2}, pools=BLENDED, **BLEND_MIX)
    fifo = _arm("fifo", pools=BLENDED, **BLEND_MIX)
    dedicated = _arm("fifo", pools=DEDICATED, **BLEND_MIX)
    sl = "phone", "service_level"
    mean, half, text = _paired(reserve[sl] - dedicated[sl])
    assert mean - half > -0.05, f"phone service level vs dedicated {text}"
    mean, half, text = _paired(reserve[sl] - fifo[sl])
    assert mean - half > 0, f"phone service level vs fifo {text}"
    assert (reserve["email", "answered"] > 0).all()
    mean, half, text = _paired(reserve["email", "answered"] - dedicated["email", "answered"])
    assert mean - half > 0, f"email answered vs dedicated {text}"


def test_blended_reserve_zero_reserve_blends_more_email_than_the_default():
    small = _arm({"name": "blended-reserve", "reserve": 0}, pools=BLENDED, **BLEND_MIX)
    default = _arm({"name": "blended-reserve"}, pools=BLENDED, **BLEND_MIX)
    mean, half, text = _paired(small["email", "first_response_mean"]
                               - default["email", "first_response_mean"])
    assert mean + half < 0, f"email first response {text} s"


# ---- options ------------------------------------------------------------------------------

def _desk_with(policy: dict) -> dict:
    return _desk(policy, **BUSY_DESK)


@pytest.mark.parametrize(("name", "known"), [("priority", "order"),
                                             ("sla-weighted", "default_target"),
                                             ("blended-reserve", "threshold, reserve")])
def test_an_unknown_option_is_refused_with_its_key_path_and_the_known_ones(name, known):
    policy = {"name": name, "order": ["phone"]} if name == "priority" else {"name": name}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_desk_with({**policy, "reserv": 2}))
    assert "policy.reserv: unknown option" in str(err.value)
    assert f"(options of {name!r}: {known})" in str(err.value)


@pytest.mark.parametrize(("policy", "message"), [
    ({"name": "priority", "order": ["twitter", "fax"]},
     "policy.order: 'fax' names no channel (channels: phone, email, twitter)"),
    ({"name": "priority", "order": ["twitter", "twitter"]}, "policy.order: 'twitter' is listed"),
    ({"name": "priority", "order": "twitter"}, "policy.order: should be a valid list"),
    ({"name": "blended-reserve", "reserve": -1}, "policy.reserve:"),
    ({"name": "blended-reserve", "threshold": 0}, "policy.threshold:"),
    ({"name": "sla-weighted", "default_target": "0s"}, "policy.default_target:"),
])
def test_bad_option_values_are_refused_with_their_key_path(policy, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_scenario(_desk_with(policy))


def test_priority_refuses_an_unknown_channel_even_past_the_scenario_check():
    sc = parse_scenario(_desk_with({"name": "sla-weighted", "default_target": "2h"}))
    bypassed = sc.model_copy(update={"policy": PolicySpec(name="priority", order=["fax"])})
    with pytest.raises(ValueError, match=re.escape("policy.order: 'fax' names no channel")):
        simulate(bypassed, replication_seed(1, 0))


# ---- the example in docs/policies.md --------------------------------------------------------

def test_the_example_policy_in_the_docs_registers_validates_and_runs(tmp_path, monkeypatch):
    text = (SCENARIOS.parent / "docs" / "policies.md").read_text(encoding="utf-8")
    code = text.split("<!-- example -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len(code.splitlines()) < 40
    path = tmp_path / "longest_queue.py"
    path.write_text(code, encoding="utf-8")
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))  # registered for this test
    spec = importlib.util.spec_from_file_location("longest_queue", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "longest_queue", module)
    spec.loader.exec_module(module)
    sc = parse_scenario(_desk_with({"name": "longest-queue", "weight": {"twitter": 0.5}}))
    assert_conserved(simulate(sc, replication_seed(SEED, 0)))
    with pytest.raises(ScenarioError, match=re.escape("policy.weight.fax: names no channel")):
        parse_scenario(_desk_with({"name": "longest-queue", "weight": {"fax": 1.0}}))


# ---- every shipped multi-channel scenario runs under each policy ---------------------------

def _shipped() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(SCENARIOS.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if len(data["channels"]) > 1:
            found.append((path.stem, data))
    return found


@pytest.mark.parametrize("policy", ["priority", "sla-weighted", "blended-reserve"])
@pytest.mark.parametrize(("name", "data"), _shipped(), ids=[n for n, _ in _shipped()])
def test_each_policy_runs_every_shipped_scenario_and_conserves_needs(name, data, policy):
    spec = {"name": policy}
    if policy == "priority":  # public first, then phone
        spec["order"] = [c for c, ch in data["channels"].items() if ch["kind"] == "public"]
        spec["order"] += ["phone"] if "phone" in data["channels"] else []
    sc = parse_scenario({**data, "policy": spec}, source=name)
    r = simulate(sc, replication_seed(SEED, 0))
    assert_conserved(r)
    assert (~np.isnan(r.answered)).sum() > 0.5 * len(r.arrival)
