"""Which way is better, per metric: the catalogue's directions (which `sim check` and the
comparison's colours take) against a statement of their own, written here from what each
metric means, and the verdicts that follow from it.

A flipped direction passes a regression as an improvement; a metric without a stated way
cannot be judged. Every metric of the catalogue is listed below, as better lower, better
higher, or neither (a volume or a staffing level, not a quality of service).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.check.baseline import Baseline
from sim.check.directions import RULES, checked
from sim.check.verdict import compare, decide
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.metrics import replication_metrics
from sim.metrics.catalogue import METRICS
from sim.metrics.replication import CHANNEL_METRICS, POOL_METRICS
from sim.scenario.load import load_scenario

RICHEST = Path(__file__).resolve().parents[2] / "scenarios" / "twitter-2015.toml"

BETTER_LOWER = {
    "wait_mean", "wait_p50", "wait_p90",  # waits
    "first_response_mean", "resolution_time_mean",  # times to an answer, to a resolution
    "delayed_share",  # not taken on arrival
    "abandon_rate", "escalation_rate",  # hung up; not resolved where first served
    "public_complaints", "unanswered_impressions",  # seen in public while unanswered
    "public_outstanding",
    "transfers_per_need", "contacts_per_need",  # effort a need costs its customer
    "cost",
}
BETTER_HIGHER = {
    "service_level", "resolved_share",
    "self_service_share",  # resolved before any contact
}
NEITHER = {
    "offered", "answered", "abandoned", "met_closed", "offered_per_day",  # volumes: demand
    "reply_impressions",  # how far a public reply travels, whatever the service
    "occupancy", "agents", "on_duty",  # staffing: a plan's input, good at no one level
}
EXPECTED = {**dict.fromkeys(BETTER_LOWER, "lower"), **dict.fromkeys(BETTER_HIGHER, "higher")}


def test_the_statement_here_covers_every_metric_once():
    assert not (BETTER_LOWER & BETTER_HIGHER or NEITHER & set(EXPECTED))
    assert set(METRICS) == set(EXPECTED) | NEITHER, "a metric without a stated way"


def test_the_catalogue_says_the_way_stated_here():
    assert {name: m.better for name, m in METRICS.items()} == {
        **dict.fromkeys(NEITHER), **EXPECTED}


def test_a_replication_reports_no_metric_beyond_those_listed():
    """The coverage above is checked against the metric tables' names; a row made outside
    them would slip past, so one replication (4 h of the richest shipped scenario: every
    kind of channel, public ones, needs) must report none."""
    scenario = load_scenario(RICHEST).model_copy(update={"horizon": 4 * 3600.0})
    table = replication_metrics(simulate(scenario, replication_seed(1, 0)), scenario)
    assert set(table.metric) <= set(CHANNEL_METRICS) | set(POOL_METRICS)


def test_every_checked_metric_has_a_way_and_it_is_the_right_one():
    assert set(RULES) <= set(EXPECTED)
    assert {m: rule.direction for m, rule in RULES.items()} == {m: EXPECTED[m] for m in RULES}


def test_every_metric_with_a_way_and_a_tolerance_is_checked_with_them():
    """The staffing-like `cost` and the per-interval `public_outstanding` have a way but no
    tolerance: not checked. The others the catalogue gives both are (wait_p50, the need
    metrics and self_service_share among them)."""
    tolerated = {name for name, m in METRICS.items() if m.tolerance is not None}
    assert set(RULES) == tolerated & set(EXPECTED)
    assert set(EXPECTED) - set(RULES) == {"cost", "public_outstanding"}
    assert {"wait_p50", "transfers_per_need", "contacts_per_need",
            "self_service_share"} <= set(RULES)
    for name, rule in RULES.items():
        assert rule.tolerance == METRICS[name].tolerance


def test_check_judges_channel_rows_of_its_metrics_only():
    for metric in set(EXPECTED) | NEITHER:
        assert checked("phone", metric) == checked("all", metric) == (metric in RULES)
        assert not checked("pool:team", metric)


def judged(change: str) -> dict[str, str]:
    """The verdict on each checked metric when all of them move `change` ("worse" or
    "better") by ten tolerances at once. Synthetic values, not a simulation's: only the
    differences matter to the verdicts."""
    base = 0.5 + 0.01 * np.arange(10)
    noise = np.linspace(-0.5, 0.5, 10)  # the differences' spread, so the t-test has one
    values, new = {}, {}
    for metric, rule in RULES.items():
        tolerance = rule.tolerance.amount(float(base.mean()))
        worse = 1.0 if EXPECTED[metric] == "lower" else -1.0
        sign = worse if change == "worse" else -worse
        values["phone", metric] = base
        new["phone", metric] = base + tolerance * (10 * sign + noise)
    baseline = Baseline(Path("s.toml"), "s", "fifo", "0" * 64, 1, len(base), values)
    return {c.metric: c.verdict for c in decide(compare(baseline, new))}


@pytest.mark.parametrize(("change", "verdict"), [("worse", "regression"), ("better", "better")])
def test_a_change_the_worse_way_fails_and_the_better_way_passes(change, verdict):
    assert judged(change) == dict.fromkeys(RULES, verdict)
