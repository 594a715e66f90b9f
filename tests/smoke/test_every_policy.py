"""Every registered policy runs on every shipped scenario, and keeps every need accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.policies.base import _REGISTRY
from sim.scenario.load import load_scenario, parse_scenario
from tests.support import assert_conserved

SCENARIOS = sorted((Path(__file__).parents[2] / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("policy", sorted(_REGISTRY))
def test_policy_runs_on_shipped_scenario(policy, path):
    base = load_scenario(path)
    scenario = parse_scenario({**base.model_dump(mode="json"), "policy": {"name": policy}})
    records = simulate(scenario, replication_seed(3, 0))
    assert len(records) > 0
    assert_conserved(records)
