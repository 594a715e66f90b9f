"""What the fuzzer found, kept as plain regression tests: each of these files once ended in a
traceback, a MemoryError or a hang, or was refused without a line or key path to go to.

Each is now refused with its key path (or runs, where the input is sound), through `sim run`.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.engine.journeys import exchanges
from sim.scenario.channels import MAX_EXCHANGES
from tests.reliability.helpers import assert_refused, assert_run_outputs, run_main
from tests.support import BASE, edit, write

PHONE_HANDLE = 'handle_time = { dist = "exponential", mean = "3min" }'
EMAIL = 'kind = "deferred"'


def edits(*pairs: tuple[str, str], text: str = BASE) -> str:
    """BASE (or `text`) with each (old, new) replaced in turn."""
    for old, new in pairs:
        text = edit(old, new, text)
    return text


LOOP = f"""\
name = "loop"
horizon = "5min"

[demand]
per_hour = 60

[choice.default]
phone = 1.0

[channels.phone]
kind = "realtime"
handle_time = {{ dist = "deterministic", value = 0 }}
redirect = {{ share = 1.0, to = {{ email = 1.0 }} }}

[channels.email]
kind = "deferred"
handle_time = {{ dist = "deterministic", value = 0 }}
redirect = {{ share = 1.0, to = {{ phone = 1.0 }} }}

[journeys]
max_contacts = {MAX_EXCHANGES}

[pools.team]
skills = ["phone", "email"]
agents = 1
"""
SHIFTS = 'shifts = [{ start = "0h", length = "8h", count = 2 }]'

# (id, the file, what the one line of the refusal says after the file name)
REFUSED = [
    # an agent is an object: a billion of them ran out of memory, or never finished hiring
    ("agents", edits(("agents = 3", "agents = 1000000000000000")),
     "pools.team.agents: should be less than or equal to 100000"),
    ("agents-per-interval", edits(("agents = 3", "agents = [3, 1000000000000]")),
     "pools.team.agents.1: should be less than or equal to 100000"),
    ("shift-count", edits(("agents = 3", SHIFTS.replace("count = 2", "count = 1000000000000"))),
     "pools.team.shifts.0.count: should be less than or equal to 100000"),
    # needs the demand cap did not count: MemoryError at set-up
    ("backlog", edits((EMAIL, f"{EMAIL}\nbacklog = 1000000000")),
     "channels.email.backlog: with the demand, more than 50,000,000 needs"),
    ("outage-multiplier", edits(("[choice.default]", '[[events]]\nstart = 0\nlength = "1h"\n'
                                 'multiplier = 1e12\nreason = "general"\n\n[choice.default]')),
     "events.0.multiplier: about 60,000,000,000,"),
    # arrays per reporting interval (MemoryError), a loop per day of shifts (no end)
    ("interval", edits(('interval = "30min"', 'interval = "1ms"')),
     "interval: 7,800,000 reporting intervals of 0.001s"),
    ("horizon", edits(('horizon = "2h"', 'horizon = "100000000d"'),
                      ('interval = "30min"', 'interval = "100000d"'),
                      ("per_hour = 60", "per_hour = 0.00001"), ("agents = 3", SHIFTS)),
     "horizon: with the warm-up, more than 3,660 days"),
    # a need's contacts are an int16 count: a redirect loop in no time overflowed it
    ("max-contacts", LOOP.replace(f"max_contacts = {MAX_EXCHANGES}", "max_contacts = 40000"),
     "journeys.max_contacts: should be less than or equal to 32767"),
    # spreads whose arithmetic overflowed (OverflowError, ZeroDivisionError) in the run
    ("gamma-cv-huge", edits(("cv = 0.5", "cv = 1e300")),
     "channels.email.handle_time.cv: should be less than or equal to 100"),
    ("gamma-cv-tiny", edits(("cv = 0.5", "cv = 1e-300")),
     "channels.email.handle_time.cv: should be greater than or equal to"),
    ("lognormal-sigma", edits((PHONE_HANDLE, PHONE_HANDLE.replace(
        '"exponential", mean = "3min"', '"lognormal", mean = "3min", sigma = 1e300'))),
     "channels.phone.handle_time.sigma: should be less than or equal to 10"),
    # ... or while loading the file (a median turned into a mean)
    ("lognormal-median-sigma", edits((PHONE_HANDLE, PHONE_HANDLE.replace(
        '"exponential", mean = "3min"', '"lognormal", median = "3min", sigma = 1e300'))),
     "channels.phone.handle_time.sigma: should be less than or equal to 10"),
    ("lognormal-median-cv-text", edits((PHONE_HANDLE, PHONE_HANDLE.replace(
        '"exponential", mean = "3min"', '"lognormal", median = "3min", cv = "wide"'))),
     "channels.phone.handle_time: median needs a positive value and a cv or sigma"),
    ("profile-overflow", edits(("per_hour = 60",
                                "daily = 9800\nprofile = [1.7e308, 1.7e308" + ", 1" * 46 + "]")),
     "demand: profile: daily x the sum of the weights overflows"),
    # a per-region table without every region: KeyError while checking the choice tables
    ("twitter-users-by-region", edits((
        "[choice.default]",
        "[needs]\nregions = { US = 0.5, EU = 0.5 }\ntwitter_users = {}\n\n[choice.default]")),
     "needs.twitter_users: give one value per region"),
    # refused, but with no line to go to
    ("toml-at-end", edits(('name = "mini"', "name = \"mini\"\nnotes = '''")),
     "not valid TOML: Expected \"'''\" (at line 28, the end)"),
    # a key with control characters split the message over lines and reached the terminal
    ("control-key", edits(('name = "mini"', 'name = "mini"\n"a\\u001cb\\u0007" = 1')),
     r"a\x1cb\x07: unknown key"),
]


@pytest.mark.parametrize(("text", "says"),
                         [pytest.param(*case[1:], id=case[0]) for case in REFUSED])
def test_refused_with_its_key_path(tmp_path, text, says):
    path, out = write(tmp_path, text), tmp_path / "out"
    code, _, err = run_main("run", path, "-n", "1", "--out", out)
    assert_refused(code, err, path, out)
    assert f"{path}: {says}" in err


def test_a_file_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path, out = tmp_path / "scenario.toml", tmp_path / "out"
    path.write_bytes(edit('name = "mini"', 'name = "m\xe9"').encode("latin-1"))
    code, _, err = run_main("run", path, "--out", out)
    assert_refused(code, err, path, out)
    assert f"{path}: not UTF-8 text: byte 0xe9 at line 1, column 10" in err


# a case drawn with more exchanges than its int16 counter holds: OverflowError in the run
def test_a_case_with_more_exchanges_than_the_counter_holds_runs(tmp_path):
    text = edit(EMAIL, f'{EMAIL}\nmessages = {{ dist = "deterministic", value = 100000 }}')
    out = tmp_path / "out"
    code, _, err = run_main("run", write(tmp_path, text), "-n", "1", "-q", "--out", out)
    assert code == 0, err
    assert_run_outputs(out)


def test_exchanges_are_rounded_and_kept_between_1_and_the_counter():
    assert [exchanges(v) for v in (0.0, 0.4, 1.4, 2.6, 1e300, float("inf"), float("nan"))] \
        == [1, 1, 1, 3, MAX_EXCHANGES, MAX_EXCHANGES, 1]


def test_a_redirect_loop_in_no_time_stops_at_max_contacts(tmp_path):
    out = tmp_path / "out"
    code, _, err = run_main("run", write(tmp_path, LOOP), "-n", "1", "-q", "--out", out)
    assert code == 0, err
    assert_run_outputs(out)
    needs = pd.read_parquet(out / "needs.parquet")
    assert len(needs) > 0 and (needs.contacts == MAX_EXCHANGES).all()
