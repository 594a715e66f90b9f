"""The catalogue of metrics against the functions that emit them, the rows they emit and the
glossary page: adding a metric touches the catalogue, its function and a test, and none of
the three can drift from the others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.fit.measures import MEASURES
from sim.metrics import interval_metrics, replication_metrics
from sim.metrics.catalogue import METRICS, Metric, has_row, label, metric
from sim.metrics.display import duration, half_width, scale, shown, time_unit
from sim.metrics.intervals import INTERVAL_METRICS, POOL_INTERVAL_METRICS
from sim.metrics.replication import CHANNEL_METRICS, POOL_METRICS
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "metrics.md"
EMITTED = {*CHANNEL_METRICS, *POOL_METRICS, *INTERVAL_METRICS, *POOL_INTERVAL_METRICS,
           *MEASURES}


def test_every_emitted_name_has_an_entry_and_every_entry_is_emitted():
    assert EMITTED - set(METRICS) == set(), "emitted, not in the catalogue"
    assert set(METRICS) - EMITTED == set(), "in the catalogue, emitted by no function"


def test_labels_are_one_per_metric_and_plain_words():
    labels = [m.label for m in METRICS.values()]
    assert len(set(labels)) == len(labels), "two metrics people could not tell apart"
    for m in METRICS.values():
        assert m.label == m.label.strip() and "_" not in m.label, m.name
        assert m.definition and not m.definition.endswith("."), m.name
        if m.kind == "share":
            assert m.unit == "fraction", m.name  # files keep fractions
        if m.kind == "time":
            assert m.unit == "s", m.name  # files keep seconds


def test_an_unknown_name_is_refused_with_the_known_ones():
    with pytest.raises(KeyError, match="wait_mean"):
        metric("wait_avg")
    assert label("first_response_mean") == "mean time to first reply"


@pytest.fixture(scope="module")
def rich():
    """4 h of the richest shipped scenario: every kind of channel, public ones, needs."""
    scenario = load_scenario(ROOT / "scenarios" / "twitter-2015.toml").model_copy(
        update={"horizon": 4 * 3600.0})
    return scenario, simulate(scenario, replication_seed(1, 0))


def _where(scenario, channel: str) -> str:
    if channel.startswith("pool:"):
        return "pool"
    return "all" if channel == "all" else scenario.channels[channel].kind


def test_the_rows_emitted_are_those_the_catalogue_says_apply(rich):
    """No `all` row of a wait (it would average phone's seconds with email's hours), no
    abandon rate of a channel where nobody abandons; and the rows that apply are there."""
    scenario, records = rich
    for table in (replication_metrics(records, scenario), interval_metrics(records, scenario)):
        pairs = set(zip(table.channel, table.metric, strict=True))
        for channel, name in pairs:
            assert has_row(name, _where(scenario, channel)), (channel, name)
    whole = set(zip(*(replication_metrics(records, scenario)[c] for c in ("channel", "metric")),
                    strict=True))
    assert {("all", "wait_mean"), ("all", "first_response_mean"),
            ("email", "abandon_rate")}.isdisjoint(whole)
    assert {("all", "service_level"), ("all", "offered"), ("all", "resolved_share"),
            ("email", "first_response_mean"), ("phone", "abandon_rate"),
            ("phone", "wait_mean")} <= whole


# ---------------------------------------------------------------- people's formats

def test_times_follow_one_rule_of_units_and_shares_are_percentages():
    assert [time_unit(s)[0] for s in (30, 119, 120, 3599, 3600, 86400)] == [
        "s", "s", "min", "min", "h", "h"]
    assert duration(8000) == shown("first_response_mean", 8000) == "2.22 h"
    assert shown("wait_mean", 45) == "45 s"
    assert shown("service_level", 0.145) == "14.5%"
    assert shown("offered", 12345.0) == "12,345"
    assert shown("wait_mean", float("nan")) == "-"
    assert scale("service_level", 0.8) == ("%", 100.0)
    assert scale("wait_mean", 8000) == ("h", 1 / 3600)
    assert half_width("service_level", 0.8, 0.012) == "±1.2 pt"
    assert half_width("wait_mean", 8000, 360) == "±0.1 h"


# ---------------------------------------------------------------- the glossary page

def tolerance_text(m: Metric) -> str:
    t = m.tolerance
    if t is None:
        return "not checked"
    parts = [f"{t.relative:.0%} of the baseline mean"] if t.relative else []
    if t.absolute:
        parts.append(f"at least {t.absolute:g}" if parts else f"{t.absolute:g}")
    return ", ".join(parts)


def glossary_row(m: Metric) -> str:
    """The row of `m` in docs/metrics.md, as the catalogue says it."""
    rows = ", ".join(w for w in ("realtime", "deferred", "public", "all", "pool")
                     if w in m.applies)
    return (f"| `{m.name}` | {m.label} | {m.kind} ({m.unit}) | {rows} | "
            f"{m.better or 'neither'} | {tolerance_text(m)} | {m.definition} |")


def test_the_glossary_page_has_every_metric_as_the_catalogue_says():
    page = GLOSSARY.read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if re.match(r"\| `\w+` \|", line)]
    assert rows == [glossary_row(m) for m in METRICS.values()]


def test_the_design_glossary_points_to_the_page():
    design = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    section = design.split("## Metric glossary", 1)[1].split("\n## ", 1)[0]
    assert "docs/metrics.md" in section or "(metrics.md)" in section
    assert "| `wait_mean`" not in section  # one glossary, not two
