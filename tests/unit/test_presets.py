"""Channel-choice presets: well-formed tables, and the survey facts they must respect.

The facts are ../shared/data/survey-facts.md; the derivation is docs/behaviour.md.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.model.presets import PRESETS, preset_tables, rounded
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
CHANNELS = {"phone", "email", "chat", "twitter"}
REASONS = {"quick_question", "complaint", "purchase_high_value", "sensitive_account",
           "outage", "compliment"}
ROUNDING = 0.002  # shares have 3 decimals: a ratio of two of them moves by about this much

TABLES = [(name, reason, table) for name, tables in PRESETS.items()
          for reason, table in tables.items()]
TABLE_IDS = [f"{name}:{reason}" for name, reason, _ in TABLES]


def phone_over_chat(table: dict[str, float]) -> float:
    return table["phone"] / (table["phone"] + table["chat"])


# ---------------------------------------------------------------- well-formed tables

def test_both_presets_exist():
    assert {"survey-2010", "survey-2015"} <= set(PRESETS)


@pytest.mark.parametrize(("name", "reason", "table"), TABLES, ids=TABLE_IDS)
def test_table_sums_to_one_in_thousandths(name, reason, table):
    assert math.isclose(sum(table.values()), 1.0, abs_tol=1e-9)
    for share in table.values():
        assert 0.0 <= share <= 1.0
        assert math.isclose(share * 1000, round(share * 1000), abs_tol=1e-6)


@pytest.mark.parametrize(("name", "reason", "table"), TABLES, ids=TABLE_IDS)
def test_table_names_only_the_four_channels(name, reason, table):
    assert set(table) <= CHANNELS


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_reason_has_a_table(name):
    assert set(PRESETS[name]) == REASONS | {"default"}


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(ValueError, match="survey-2010, survey-2015"):
        preset_tables("survey-1999")


def test_rounding_puts_the_remainder_on_the_largest_share():
    table = rounded({"phone": 2 / 3, "email": 1 / 6, "chat": 1 / 6})
    assert table == {"phone": 0.666, "email": 0.167, "chat": 0.167}


# ---------------------------------------------------------------- facts as hard constraints

@pytest.mark.parametrize("name", sorted(PRESETS))
@pytest.mark.parametrize("reason", ["purchase_high_value", "sensitive_account"])
def test_phone_over_chat_is_76_percent(name, reason):
    # facts: 76% prefer a phone call over chat for a purchase above $500 / sensitive data
    assert phone_over_chat(PRESETS[name][reason]) == pytest.approx(0.76, abs=ROUNDING)


def test_2010_twitter_under_one_percent_and_email_first():
    default = PRESETS["survey-2010"]["default"]
    assert default["twitter"] < 0.01  # facts: under 1% used Twitter for customer service
    assert max(default, key=default.get) == "email"  # facts: the most popular online channel


def test_2010_shares_follow_forrester_channel_use():
    # facts: email 61%, phone 50%, Twitter 1% of US online adults (chat: assumption, 20)
    default = PRESETS["survey-2010"]["default"]
    assert default["email"] / default["phone"] == pytest.approx(61 / 50, abs=ROUNDING * 2)
    assert default["twitter"] == pytest.approx(1 / (61 + 50 + 20 + 1), abs=0.0005)


def test_2010_twitter_stays_small_for_every_reason():
    assert max(t["twitter"] for t in PRESETS["survey-2010"].values()) <= 0.08


def test_2015_default_is_the_suggested_baseline():
    # facts: phone 70%, email 20%, chat 6%, social 4% with Twitter 80% of social
    default = PRESETS["survey-2015"]["default"]
    assert default["twitter"] == pytest.approx(0.04 * 0.80)
    others = 1.0 - default["twitter"]
    for channel, share in {"phone": 0.70, "email": 0.20, "chat": 0.06}.items():
        assert default[channel] / others == pytest.approx(share / 0.96, abs=ROUNDING)


def test_2015_twitter_at_most_the_share_who_sought_support_there():
    # facts: 47% sought support on social media, 27% of those on Twitter (Nielsen 2012)
    assert max(t["twitter"] for t in PRESETS["survey-2015"].values()) <= 0.47 * 0.27


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_public_reasons_go_to_twitter_more_than_private_ones(name):
    tables = PRESETS[name]
    for public in ("complaint", "outage", "compliment"):
        assert tables[public]["twitter"] > tables["default"]["twitter"]
    for private in ("purchase_high_value", "sensitive_account"):
        assert tables[private]["twitter"] < tables["default"]["twitter"]


# ---------------------------------------------------------------- shipped scenarios

@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_loads(path):
    scenario = load_scenario(path)
    preset = scenario.choice.get("preset")
    if isinstance(preset, str):
        # every table's Twitter share fits in the Twitter users of every region
        users = min(scenario.needs.by_region("twitter_users", r) for r in scenario.needs.regions)
        for table in scenario.choice_tables().values():
            assert table.get("twitter", 0.0) <= users


def test_new_scenarios_are_shipped():
    assert {"twitter-2010.toml", "twitter-2015.toml", "outage-day.toml"} <= {
        p.name for p in SCENARIOS}


def test_twitter_2010_is_about_forresters_one_percent_on_twitter():
    # Across the scenario's mix of reasons, Twitter is a first choice for about 1% of needs
    # (facts: Forrester 2010, Twitter 1%; under 1% of online consumers).
    scenario = load_scenario(ROOT / "scenarios" / "twitter-2010.toml")
    share = sum(w * v * scenario.table_for(r, g).get("twitter", 0.0)
                for r, w in scenario.needs.reasons.items()
                for g, v in scenario.needs.regions.items())
    assert 0.005 <= share <= 0.015
