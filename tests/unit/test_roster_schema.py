"""The `roster` table of a pool: what it accepts, and each refusal's key path and reason as
the loader will print them (`error_lines`), also nested as `pools.NAME.roster`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from sim.model.units import HOUR, MINUTE, parse_duration
from sim.scenario.base import Strict
from sim.scenario.load import error_lines
from sim.scenario.roster import MAX_TEMPLATES, Roster, compound_duration

BREAKS = [{"length": "15min", "earliest": "1h30min", "latest": "3h"},
          {"length": "30min", "earliest": "3h30min", "latest": "5h30min"},
          {"length": "15min", "earliest": "6h", "latest": "7h30min"}]
VALID = {"starts": {"from": "6h", "to": "14h", "every": "30min"}, "lengths": ["8h", "9h"],
         "breaks": BREAKS}


class _Pool(Strict):
    roster: Roster | None = None


class _Scenario(Strict):
    pools: dict[str, _Pool]


def refusals(data: dict) -> list[str]:
    with pytest.raises(ValidationError) as info:
        Roster.model_validate(data)
    return error_lines(info.value)


def with_(**keys) -> dict:
    return {**VALID, **keys}


def test_valid_roster_gives_the_solver_seconds():
    roster = Roster.model_validate(VALID)
    assert roster.start_times() == [6 * HOUR + k * 30 * MINUTE for k in range(17)]
    assert roster.shift_lengths() == [8 * HOUR, 9 * HOUR]
    assert [b.latest for b in roster.breaks] == [3 * HOUR, 5.5 * HOUR, 7.5 * HOUR]
    assert roster.max_agents is None
    listed = Roster.model_validate({"starts": ["22h", 0, "7h30min"], "lengths": [3600]})
    assert listed.start_times() == [22 * HOUR, 0.0, 7.5 * HOUR]
    assert listed.breaks == []


def test_start_table_stops_at_or_before_to():
    roster = Roster.model_validate(with_(starts={"from": "6h", "to": "7h", "every": "25min"}))
    assert roster.start_times() == [6 * HOUR, 6 * HOUR + 25 * MINUTE, 6 * HOUR + 50 * MINUTE]
    one = Roster.model_validate(with_(starts={"from": "6h", "to": "6h", "every": "1h"}))
    assert one.start_times() == [6 * HOUR]


# (keys replaced in VALID, key path, words of the reason)
BROKEN = [
    ({"breaks": [{"length": "1h", "earliest": "1h", "latest": "1h30min"}]}, "breaks.0",
     "a break that does not fit in its window"),
    ({"breaks": [BREAKS[0], {"length": "30min", "earliest": "7h", "latest": "8h30min"}]},
     "breaks.1", "a break that does not fit in the shift"),
    ({"breaks": [BREAKS[1], BREAKS[0]]}, "breaks.1", "in order and disjoint"),
    ({"breaks": [BREAKS[0], {"length": "15min", "earliest": "2h30min", "latest": "4h"}]},
     "breaks.1", "never overlap"),
    ({"breaks": [{"length": "15min", "earliest": "1h", "latest": "2h", "at": "1h"}]},
     "breaks.0.at", "unknown key"),
    ({"breaks": [{"length": 0, "earliest": "1h", "latest": "2h"}]}, "breaks.0.length",
     "greater than 0"),
    ({"breaks": [{"length": "15min", "latest": "2h"}]}, "breaks.0.earliest",
     "required key is missing"),
    ({"starts": ["6h", "24h"]}, "starts.1", "below 24h"),
    ({"starts": ["-1h"]}, "starts.0", "greater than or equal to 0"),
    ({"starts": []}, "starts", "at least 1"),
    ({"starts": ["6h", "6h"]}, "starts", "listed twice"),
    ({"starts": "6h"}, "starts", "a list of times of day or a table { from, to, every }"),
    ({"starts": {"from": "14h", "to": "6h", "every": "1h"}}, "starts", "from (14h) is after"),
    ({"starts": {"from": "6h", "to": "25h", "every": "1h"}}, "starts.to", "below 24h"),
    ({"starts": {"from": "6h", "to": "8h", "every": 0}}, "starts.every", "greater than 0"),
    ({"starts": {"from": "6h", "to": "8h"}}, "starts.every", "required key is missing"),
    ({"starts": {"from": "6h", "to": "8h", "every": "1h", "by": 2}}, "starts.by",
     "unknown key"),
    ({"lengths": ["25h"]}, "lengths.0", "at most 24h"),
    ({"lengths": ["8h", "8h"]}, "lengths", "listed twice"),
    ({"lengths": []}, "lengths", "at least 1"),
    ({"max_agents": 0}, "max_agents", "greater than or equal to 1"),
    ({"max_agents": 2.5}, "max_agents", "integer"),
    ({"colour": "red"}, "colour", "unknown key"),
]


@pytest.mark.parametrize(("keys", "where", "words"), BROKEN,
                         ids=[f"{i}-{w}" for i, (_, w, _) in enumerate(BROKEN)])
def test_bad_roster_is_refused_at_its_key(keys, where, words):
    lines = refusals(with_(**keys))
    assert any(line.startswith(f"{where}: ") and words in line for line in lines), lines


def test_too_many_templates_is_refused_with_the_count():
    every = 86_400 // (MAX_TEMPLATES // 2) + 1  # a bit under MAX/2 starts x 3 lengths
    lines = refusals(with_(starts={"from": 0, "to": "23h59min", "every": every},
                           lengths=["8h", "9h", "10h"], breaks=[]))
    assert len(lines) == 1 and "shift templates, more than 5,000" in lines[0], lines
    assert "fewer starts" in lines[0]


def test_refusal_is_located_under_the_pool_key():
    data = {"pools": {"team": {"roster": with_(breaks=[BREAKS[1], BREAKS[0]])}}}
    with pytest.raises(ValidationError) as info:
        _Scenario.model_validate(data)
    lines = error_lines(info.value)
    assert lines[0].startswith("pools.team.roster.breaks.1: break windows"), lines
    data = {"pools": {"team": {"roster": with_(starts={"from": "6h", "to": "8h", "every": 0})}}}
    with pytest.raises(ValidationError) as info:
        _Scenario.model_validate(data)
    assert error_lines(info.value)[0].startswith("pools.team.roster.starts.every: ")


@given(st.integers(min_value=0, max_value=3 * 86_400))
def test_compound_duration_reads_back_exactly(seconds):
    text = compound_duration(float(seconds))
    assert parse_duration(text) == seconds
    assert text == "0s" or not text.startswith("0")
