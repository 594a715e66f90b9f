"""Friendlier scenario input (issue 15): clock times of day, a plain duration where a
distribution is asked, and a suggestion for a misspelt key; each refusal with its key path
and the form to write, and no pydantic wording."""

from __future__ import annotations

import json

import pytest

from sim.check.baseline import BaselineError, read_baseline
from sim.model.distributions import Deterministic
from sim.model.keys import closest
from sim.model.units import DAY, HOUR, MINUTE, parse_time_of_day
from sim.scenario.load import ScenarioError, load_scenario
from tests.support import BASE, edit, write

PHONE_HANDLE = 'handle_time = { dist = "exponential", mean = "3min" }'
EMAIL = 'kind = "deferred"'
PYDANTIC_WORDS = ("Input should", "instance of", "discriminator", "Unable to extract",
                  "valid dictionary or object", "Value error")


def refusal(tmp_path, text: str) -> list[str]:
    """The message's lines, each without the file's name (which every line must start with)."""
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    lines = str(info.value).splitlines()
    assert all(line.startswith(f"{path}: ") for line in lines), lines
    for word in PYDANTIC_WORDS:
        assert word not in str(info.value)
    return [line.removeprefix(f"{path}: ") for line in lines]


def line_for(lines: list[str], key_path: str) -> str:
    matching = [line for line in lines if line.startswith(f"{key_path}: ")]
    assert len(matching) == 1, f"no single line for {key_path!r} in {lines!r}"
    return matching[0]


# ---------------------------------------------------------------- times of day

@pytest.mark.parametrize(("text", "seconds"), [
    ("09:00", 9 * HOUR), ("9:00", 9 * HOUR), ("17:30", 17.5 * HOUR), ("0:00", 0.0),
    ("23:59:30", DAY - 30), (" 08:15 ", 8 * HOUR + 15 * MINUTE), ("24:00", DAY),
    ("9h", 9 * HOUR), ("8h30min", 8.5 * HOUR), (32400, 9 * HOUR), (30600.5, 30600.5),
])
def test_a_time_of_day_is_a_clock_time_or_a_duration_after_midnight(text, seconds):
    assert parse_time_of_day(text) == seconds


@pytest.mark.parametrize("text", ["24:01", "25:00", "17:60", "9:5", "9.00", "9am", "x:00",
                                  "9:00:00:00", "", "-9:00"])
def test_a_time_of_day_that_cannot_be_read_names_the_form_to_write(text):
    with pytest.raises(ValueError, match=r"hours:minutes, e\.g\. '09:00'"):
        parse_time_of_day(text)


def test_opening_hours_read_clock_times_and_keep_their_meaning(tmp_path):
    text = edit(EMAIL, f'{EMAIL}\nhours = {{ open = "22:00", close = "6:30" }}')
    hours = load_scenario(write(tmp_path, text)).channels["email"].hours
    assert (hours.open, hours.close) == (22 * HOUR, 6.5 * HOUR)
    assert hours.is_open(23 * HOUR) and hours.is_open(DAY + 6 * HOUR)  # past midnight
    assert not hours.is_open(6.5 * HOUR) and not hours.is_open(12 * HOUR)
    assert hours.next_open(12 * HOUR) == 22 * HOUR


def test_a_channel_may_close_at_24_00_but_not_open_there(tmp_path):
    text = edit(EMAIL, f'{EMAIL}\nhours = {{ open = "09:00", close = "24:00" }}')
    assert load_scenario(write(tmp_path, text)).channels["email"].hours.close == DAY
    text = edit(EMAIL, f'{EMAIL}\nhours = {{ open = "24:00", close = "09:00" }}')
    assert "00:00 to 24:00" in line_for(refusal(tmp_path, text), "channels.email.hours")


def test_shifts_rosters_and_outages_read_clock_times(tmp_path):
    text = edit("agents = 3", 'shifts = [{ start = "07:30", length = "8h", count = 2, '
                'breaks = [{ at = "4h", length = "30min" }] }]\n'
                'roster = { starts = { from = "6:00", to = "10:00", every = "30min" }, '
                'lengths = ["8h"] }')
    text += ('[[events]]\nstart = "09:30"\nlength = "2h"\nmultiplier = 3\nreason = "general"\n'
             '[[events]]\nstart = "1d9h30min"\nlength = "2h"\nmultiplier = 3\n'
             'reason = "general"\n')
    scenario = load_scenario(write(tmp_path, text))
    pool = scenario.pools["team"]
    assert pool.shifts[0].start == 7.5 * HOUR
    assert pool.roster.start_times()[0] == 6 * HOUR and pool.roster.start_times()[-1] == 10 * HOUR
    assert [e.start for e in scenario.events] == [9.5 * HOUR, DAY + 9.5 * HOUR]


@pytest.mark.parametrize(("new", "key_path", "reason"), [
    ('shifts = [{ start = "7.30", length = "8h", count = 2 }]', "pools.team.shifts.0.start",
     "cannot read time of day '7.30': write hours:minutes, e.g. '09:00'"),
    ('shifts = [{ start = "24:00", length = "8h", count = 2 }]', "pools.team.shifts.0.start",
     "below 24h"),
    ('agents = 3\nroster = { starts = ["06:00", "6:61"], lengths = ["8h"] }',
     "pools.team.roster.starts.1", "hours:minutes"),
    ('agents = 3\nroster = { starts = { from = "10:00", to = "06:00", every = "1h" }, '
     'lengths = ["8h"] }', "pools.team.roster.starts", "is after to"),
])
def test_a_bad_time_of_day_is_refused_at_its_key_with_the_form(tmp_path, new, key_path, reason):
    assert reason in line_for(refusal(tmp_path, edit("agents = 3", new)), key_path)


def test_a_bad_opening_time_is_refused_at_its_key(tmp_path):
    text = edit(EMAIL, f'{EMAIL}\nhours = {{ open = "9 o\'clock", close = "17:00" }}')
    assert "hours:minutes" in line_for(refusal(tmp_path, text), "channels.email.hours.open")


# ---------------------------------------------------------------- plain durations

@pytest.mark.parametrize(("value", "seconds"), [('"4min"', 240.0), ("240", 240.0),
                                                ("90.5", 90.5), ('"1h30min"', 5400.0)])
def test_a_plain_duration_is_a_fixed_time(tmp_path, value, seconds):
    text = edit(PHONE_HANDLE, f"handle_time = {value}")
    dist = load_scenario(write(tmp_path, text)).channels["phone"].handle_time
    assert isinstance(dist, Deterministic)
    assert (dist.mean, dist.variance) == (seconds, 0.0)


# every distribution-valued key: (old text, new text, where to find the distribution)
EVERY_DISTRIBUTION = [
    ('patience = { dist = "exponential", mean = "60s" }', 'patience = "1min"',
     lambda s: s.channels["phone"].patience),
    (EMAIL, f'{EMAIL}\nmessages = 3\nreply_gap = "1min"', lambda s: s.channels["email"].reply_gap),
    (EMAIL, f'{EMAIL}\nmessages = 3', lambda s: s.channels["email"].messages),
    (EMAIL, f'{EMAIL}\nredirect = {{ share = 0.1, to = {{ phone = 1.0 }}, delay = "1min" }}',
     lambda s: s.channels["email"].redirect.delay),
    (EMAIL, f'{EMAIL}\nhours = {{ open = "9:00", close = "17:00" }}\nwhen_closed = "return"\n'
     'return_delay = "1min"', lambda s: s.channels["email"].return_delay),
    ("[demand]", '[journeys]\nretry_delay = "1min"\n[demand]',
     lambda s: s.journeys.retry_delay),
    ("[demand]", '[needs]\nfollowers = 60\n[demand]', lambda s: s.needs.followers),
]


@pytest.mark.parametrize(("old", "new", "get"), EVERY_DISTRIBUTION,
                         ids=["patience", "reply_gap", "messages", "redirect.delay",
                              "return_delay", "retry_delay", "followers"])
def test_every_distribution_key_takes_a_plain_value(tmp_path, old, new, get):
    dist = get(load_scenario(write(tmp_path, edit(old, new))))
    assert isinstance(dist, Deterministic) and dist.value in (60.0, 3.0)


@pytest.mark.parametrize(("value", "reason"), [
    ('"4 minutes"', "cannot read duration '4 minutes'"),
    ("true", "should be a duration (a fixed time"),
    ("[240, 300]", "should be a duration (a fixed time"),
    ('{ mean = "4min" }', "a distribution table needs dist"),
    ('"-4min"', "greater than or equal to 0"),
    ("inf", "finite"),
])
def test_a_distribution_that_cannot_be_read_shows_the_table_to_write(tmp_path, value, reason):
    line = line_for(refusal(tmp_path, edit(PHONE_HANDLE, f"handle_time = {value}")),
                    "channels.phone.handle_time")
    assert reason in line
    if "finite" not in line:
        assert '{ dist = "exponential", mean = "4min" }' in line


def test_a_table_where_one_belongs_says_table_not_model(tmp_path):
    text = edit('target = { within = "20s", share = 0.8 }', 'target = "80/20"')
    assert "should be a table" in line_for(refusal(tmp_path, text), "channels.phone.target")


# ---------------------------------------------------------------- misspelt keys

MISSPELT = [  # (old text, new text, key path, suggestion)
    ('horizon = "2h"', 'horizn = "2h"', "horizn", "horizon"),
    ("per_hour = 60", "per_hr = 60", "demand.per_hr", "per_hour"),
    ('kind = "realtime"', 'knd = "realtime"', "channels.phone.knd", "kind"),
    ('share = 0.8', 'shar = 0.8', "channels.phone.target.shar", "share"),
    ('mean = "3min" }', 'maen = "3min" }', "channels.phone.handle_time.maen", "mean"),
    ("agents = 3", "agnets = 3", "pools.team.agnets", "agents"),
    ("agents = 3", 'shifts = [{ start = "8:00", lenght = "8h", count = 1 }]',
     "pools.team.shifts.0.lenght", "length"),
    ("agents = 3", 'agents = 3\nroster = { strats = ["8:00"], lengths = ["8h"] }',
     "pools.team.roster.strats", "starts"),
    ("[demand]", "[visibility]\nhalf_lif = \"1h\"\n[demand]", "visibility.half_lif",
     "half_life"),
    ("[demand]", "[needs]\nregion = { all = 1.0 }\n[demand]", "needs.region", "regions"),
    ('policy = "fifo"', 'policy = { name = "callback", treshold = "1min" }', "policy.treshold",
     "threshold"),
]


@pytest.mark.parametrize(("old", "new", "key_path", "meant"), MISSPELT,
                         ids=[case[2] for case in MISSPELT])
def test_a_misspelt_key_gets_the_closest_known_one(tmp_path, old, new, key_path, meant):
    line = line_for(refusal(tmp_path, edit(old, new)), key_path)
    assert f"did you mean '{meant}'?" in line


def test_an_unknown_key_like_no_known_one_lists_the_known_keys(tmp_path):
    line = line_for(refusal(tmp_path, edit("per_hour = 60", "per_hour = 60\ncolour = 3")),
                    "demand.colour")
    assert "unknown key (known: per_hour, daily, profile, weekdays, channels)" in line


def test_a_misspelt_key_is_not_also_reported_missing(tmp_path):
    lines = refusal(tmp_path, edit('kind = "realtime"', 'knd = "realtime"'))
    assert lines == ["channels.phone.knd: unknown key (did you mean 'kind'?)"]


def test_a_misspelt_channel_name_gets_the_closest_channel(tmp_path):
    text = edit('skills = ["phone", "email"]', 'skills = ["phone", "emial"]')
    assert "'emial' names no channel (did you mean 'email'?)" in line_for(
        refusal(tmp_path, text), "pools.team.skills")


def test_a_misspelt_key_in_a_baseline_gets_the_closest_known_one(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"format": 1, "replicatons": 20}), encoding="utf-8")
    with pytest.raises(BaselineError, match=r"replicatons: unknown key \(did you mean "
                                            r"'replications'\?\)"):
        read_baseline(path)


def test_a_huge_unknown_key_gets_no_hint(tmp_path):
    lines = refusal(tmp_path, f"{'k' * 1000} = 1\n" + BASE)
    assert len(lines) == 1 and lines[0].endswith("k: unknown key")


def test_closest_needs_a_close_name():
    assert closest("agnets", ["skills", "agents", "shifts"]) == "agents"
    assert closest("colour", ["skills", "agents", "shifts"]) is None
    assert closest("a" * 10_000, ["a"]) is None  # a huge key is compared with nothing
