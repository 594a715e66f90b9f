"""The scenario-file contract: bad input is refused with `file: key.path: reason`.

Every case starts from one valid minimal scenario (BASE) and breaks one thing,
then goes through `load_scenario` on a real file, as the CLI does. The valid
cases check durations and that each distribution's `mean` and `variance`
agree with a large sample drawn through its `ppf`.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.scenario.load import ScenarioError, load_scenario
from tests.support import BASE, edit, write

PHONE_HANDLE = 'handle_time = { dist = "exponential", mean = "3min" }'




def refusal(path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert "Traceback" not in message
    return message


def test_base_scenario_is_valid(tmp_path):
    scenario = load_scenario(write(tmp_path, BASE))
    assert scenario.name == "mini"
    assert scenario.horizon == 7200
    assert scenario.policy.name == "fifo"
    assert set(scenario.channels) == {"phone", "email"}


# (id, old text, new text, key path in the message, words of the reason; "a|b": either)
BROKEN = [
    ("unknown-top-level-key", 'name = "mini"', 'name = "mini"\ncolour = "red"',
     "colour", "unknown key"),
    ("unknown-nested-key", 'kind = "realtime"', 'kind = "realtime"\ncolour = "red"',
     "channels.phone.colour", "unknown key"),
    ("unknown-key-in-distribution", PHONE_HANDLE,
     'handle_time = { dist = "exponential", mean = "3min", scale = 2 }',
     "channels.phone.handle_time.scale", "unknown key"),
    ("unknown-key-in-shift", "agents = 3",
     'shifts = [{ start = "8h", length = "8h", count = 2, colour = "red" }]',
     "pools.team.shifts.0.colour", "unknown key"),
    ("wrong-type-agents", "agents = 3", 'agents = "many"', "pools.team.agents", "integer"),
    ("wrong-type-name", 'name = "mini"', "name = 5", "name", "string"),
    ("wrong-type-skills", 'skills = ["phone", "email"]', 'skills = "phone"',
     "pools.team.skills", "list"),
    ("wrong-type-kind", 'kind = "realtime"', 'kind = "telepathy"', "channels.phone.kind",
     "realtime"),
    ("wrong-type-cost", "cost_per_hour = 20.0", 'cost_per_hour = "cheap"',
     "pools.team.cost_per_hour", "number"),
    ("fractional-concurrency", 'kind = "realtime"', 'kind = "realtime"\nconcurrency = 1.5',
     "channels.phone.concurrency", "integer"),
    ("target-of-wrong-type", "target = { within = \"20s\", share = 0.8 }", 'target = "80/20"',
     "channels.phone.target", "dictionary"),
    ("negative-rate", "per_hour = 60", "per_hour = -1", "demand.per_hour", "greater than 0"),
    ("zero-rate", "per_hour = 60", "per_hour = 0", "demand.per_hour", "greater than 0"),
    ("zero-daily", "per_hour = 60", "daily = 0", "demand.daily", "greater than 0"),
    ("negative-agents", "agents = 3", "agents = -2", "pools.team.agents", "greater than"),
    ("negative-cost", "cost_per_hour = 20.0", "cost_per_hour = -1.0",
     "pools.team.cost_per_hour", "greater than"),
    ("share-above-one", "share = 0.8", "share = 1.5", "channels.phone.target.share",
     "less than or equal to 1"),
    ("shares-sum-to-0.9", "email = 0.5", "email = 0.4", "choice.default", "sum to 0.9"),
    ("shares-sum-to-1.1", "email = 0.5", "email = 0.6", "choice.default", "sum to 1.1"),
    ("choice-names-unknown-channel", "email = 0.5", "email = 0.5\nfax = 0.0",
     "choice.default.fax", "names no channel"),
    ("choice-unknown-table", "[choice.default]", "[choice.weekend]", "choice.weekend",
     "default"),
    ("skill-names-no-channel", 'skills = ["phone", "email"]', 'skills = ["phone", "fax"]',
     "pools.team.skills", "'fax' names no channel"),
    ("skill-named-twice", 'skills = ["phone", "email"]', 'skills = ["phone", "phone"]',
     "pools.team", "named twice"),
    ("no-skills", 'skills = ["phone", "email"]', "skills = []", "pools.team.skills",
     "at least 1"),
    ("unknown-policy", 'policy = "fifo"', 'policy = "lifo"', "policy",
     "unknown policy 'lifo' (known: "),
    ("unknown-policy-in-table", 'policy = "fifo"', 'policy = { name = "lifo" }', "policy",
     "unknown policy 'lifo' (known: "),
    ("unknown-policy-option", 'policy = "fifo"', 'policy = { name = "fifo", speed = 2 }',
     "policy.speed", "unknown option"),
    ("policy-table-without-name", 'policy = "fifo"', "policy = { speed = 2 }",
     "policy.name", "required key is missing"),
    ("unknown-distribution", PHONE_HANDLE, 'handle_time = { dist = "weibull", mean = "3min" }',
     "channels.phone.handle_time", "unknown distribution 'weibull'"),
    ("distribution-without-dist", PHONE_HANDLE, 'handle_time = { mean = "3min" }',
     "channels.phone.handle_time", "dist"),
    ("lognormal-cv-and-sigma", PHONE_HANDLE,
     'handle_time = { dist = "lognormal", mean = "3min", cv = 1.0, sigma = 1.0 }',
     "channels.phone.handle_time", "exactly one of cv or sigma"),
    ("lognormal-no-spread", PHONE_HANDLE, 'handle_time = { dist = "lognormal", mean = "3min" }',
     "channels.phone.handle_time", "exactly one of cv or sigma"),
    ("gamma-cv-and-shape", 'cv = 0.5 }', "cv = 0.5, shape = 2.0 }",
     "channels.email.handle_time", "exactly one of cv or shape"),
    ("gamma-zero-cv", 'cv = 0.5 }', "cv = 0 }", "channels.email.handle_time.cv",
     "greater than or equal to 0.000001"),
    ("empirical-empty", PHONE_HANDLE, 'handle_time = { dist = "empirical", values = [] }',
     "channels.phone.handle_time.values", "at least 1"),
    ("empirical-negative", PHONE_HANDLE,
     'handle_time = { dist = "empirical", values = [60, -5] }',
     "channels.phone.handle_time.values.1", "greater than or equal to 0"),
    ("bad-duration-string", PHONE_HANDLE,
     'handle_time = { dist = "exponential", mean = "3 minutes" }',
     "channels.phone.handle_time.mean", "cannot read duration '3 minutes'"),
    ("bad-duration-unit", 'horizon = "2h"', 'horizon = "2 weeks"', "horizon",
     "cannot read duration"),
    ("empty-duration", 'horizon = "2h"', 'horizon = ""', "horizon", "empty"),
    ("duration-of-wrong-type", 'horizon = "2h"', "horizon = true", "horizon",
     "a duration is a number of seconds"),
    ("negative-duration-string", 'warmup = "10min"', 'warmup = "-10min"', "warmup",
     "greater than or equal to 0"),
    ("negative-duration-number", 'warmup = "10min"', "warmup = -600", "warmup",
     "greater than or equal to 0"),
    ("negative-mean", PHONE_HANDLE, 'handle_time = { dist = "exponential", mean = "-3min" }',
     "channels.phone.handle_time.mean", "greater than 0"),
    ("zero-horizon", 'horizon = "2h"', 'horizon = "0s"', "horizon", "greater than 0"),
    ("zero-interval", 'interval = "30min"', "interval = 0", "interval", "greater than 0"),
    ("profile-wrong-length", "per_hour = 60", "daily = 1000\nprofile = [1, 2, 3]",
     "demand.profile", "3 weights of 30min do not cover a day (48 needed)"),
    ("profile-with-per-hour", "per_hour = 60", "per_hour = 60\nprofile = [1, 2, 3]",
     "demand", "profile: goes with daily"),
    ("profile-weights-zero", "per_hour = 60", f"daily = 1000\nprofile = [{', '.join(['0'] * 48)}]",
     "demand", "sum to zero"),
    ("both-per-hour-and-daily", "per_hour = 60", "per_hour = 60\ndaily = 1000", "demand",
     "exactly one of per_hour or daily"),
    ("deferred-channel-that-abandons", 'kind = "deferred"',
     'kind = "deferred"\non_abandon = { retry = 0.5 }',
     "channels.email", "on_abandon: a deferred contact never abandons"),
    ("realtime-channel-that-is-late", 'kind = "realtime"',
     'kind = "realtime"\non_late = { retry = 0.5 }',
     "channels.phone", "on_late: a realtime contact abandons instead"),
    ("next-step-over-one", 'kind = "realtime"',
     'kind = "realtime"\non_abandon = { retry = 0.7, public = 0.5 }',
     "channels.phone.on_abandon", "retry + public must not exceed 1"),
    ("escalate-to-unknown-channel", 'kind = "realtime"',
     'kind = "realtime"\nescalate_to = "tier9"',
     "channels.phone.escalate_to", "'tier9' names no channel"),
    ("unknown-preset", "[choice.default]", '[choice]\npreset = "survey-1999"\n[choice.default]',
     "choice.preset", "unknown preset 'survey-1999'"),
    ("hours-that-do-not-differ", 'kind = "deferred"',
     'kind = "deferred"\nhours = { open = "8h", close = "8h" }', "channels.email.hours",
     "must differ"),
    ("shift-starts-after-midnight", "agents = 3",
     'shifts = [{ start = "25h", length = "8h", count = 2 }]', "pools.team.shifts.0.start",
     "below 24h"),
    ("shift-longer-than-a-day", "agents = 3",
     'shifts = [{ start = "8h", length = "25h", count = 2 }]', "pools.team.shifts.0.length",
     "at most 24h"),
    ("agents-and-shifts", "agents = 3",
     'agents = 3\nshifts = [{ start = "8h", length = "8h", count = 2 }]', "pools.team",
     "exactly one of agents or shifts"),
    ("agents-per-interval-beyond-a-day", "agents = 3", f"agents = [{', '.join(['1'] * 49)}]",
     "pools.team.agents", "cover more than a day"),
    ("name-not-a-folder", 'name = "mini"', 'name = "../mini"', "name", "names a folder"),
    ("channel-named-all", "[channels.email]", "[channels.all]", "channels.all", "reserved"),
    ("pool-named-pool:", "[pools.team]", '[pools."pool:x"]', "pools.pool:x", "reserved"),
    ("nan-rate", "per_hour = 60", "per_hour = nan", "demand.per_hour", "finite"),
    ("inf-rate", "per_hour = 60", "per_hour = inf", "demand.per_hour", "finite"),
    ("nan-duration", 'horizon = "2h"', "horizon = nan", "horizon", "finite"),
    ("inf-duration", 'horizon = "2h"', "horizon = inf", "horizon", "finite"),
    ("negative-inf-duration", 'warmup = "10min"', "warmup = -inf", "warmup", "finite"),
    ("nan-share", "email = 0.5", "email = nan", "choice.default.email", "finite"),
    ("nan-target-share", "share = 0.8", "share = nan", "channels.phone.target.share", "finite"),
    ("inf-mean", PHONE_HANDLE, 'handle_time = { dist = "exponential", mean = inf }',
     "channels.phone.handle_time.mean", "finite"),
    ("nan-cost", "cost_per_hour = 20.0", "cost_per_hour = nan", "pools.team.cost_per_hour",
     "finite"),
    ("inf-agent-count", "agents = 3", "agents = [1, inf]", "pools.team.agents.1",
     "finite|integer"),
    ("nan-empirical-value", PHONE_HANDLE,
     'handle_time = { dist = "empirical", values = [60, nan] }',
     "channels.phone.handle_time.values.1", "finite"),
    ("inf-deterministic", PHONE_HANDLE, 'handle_time = { dist = "deterministic", value = inf }',
     "channels.phone.handle_time.value", "finite"),
    ("missing-horizon", 'horizon = "2h"\n', "", "horizon", "required key is missing"),
    ("missing-name", 'name = "mini"\n', "", "name", "required key is missing"),
    ("missing-kind", 'kind = "realtime"\n', "", "channels.phone.kind",
     "required key is missing"),
    ("missing-handle-time", PHONE_HANDLE + "\n", "", "channels.phone.handle_time",
     "required key is missing"),
    ("missing-demand-volume", "per_hour = 60\n", "", "demand",
     "exactly one of per_hour or daily"),
    ("missing-schedule", "agents = 3\n", "", "pools.team", "exactly one of agents or shifts"),
]


@pytest.mark.parametrize(("old", "new", "key_path", "reason"),
                         [pytest.param(*case[1:], id=case[0]) for case in BROKEN])
def test_broken_scenario_is_refused_with_file_key_path_and_reason(tmp_path, old, new, key_path,
                                                                  reason):
    path = write(tmp_path, edit(old, new))
    message = refusal(path)
    lines = message.splitlines()
    assert lines, "empty message"
    for line in lines:
        assert line.startswith(f"{path}: "), f"a line without the file: {line!r}"
    matching = [line for line in lines if line.startswith(f"{path}: {key_path}: ")]
    assert matching, f"no line for key path {key_path!r} in {message!r}"
    assert any(r in line for line in matching for r in reason.split("|")), \
        f"{reason!r} not in {matching!r}"


def test_several_problems_give_one_line_each(tmp_path):
    text = edit("per_hour = 60", "per_hour = -1")
    text = edit('kind = "realtime"', 'kind = "realtime"\ncolour = "red"', text)
    text = edit("agents = 3", 'agents = "many"', text)
    path = write(tmp_path, text)
    lines = refusal(path).splitlines()
    assert len(lines) == 3, lines
    for key_path in ("demand.per_hour", "channels.phone.colour", "pools.team.agents"):
        assert sum(line.startswith(f"{path}: {key_path}: ") for line in lines) == 1, lines


@pytest.mark.parametrize(("text", "line"), [
    pytest.param(edit('horizon = "2h"', "horizon = "), 2, id="missing-value"),
    pytest.param(edit("per_hour = 60", "per_hour = 60 60"), 8, id="two-values"),
    pytest.param(edit("[channels.email]", "[channels.email"), 20, id="unclosed-table"),
    pytest.param(edit("email = 0.5", "phone = 0.5"), 12, id="duplicate-key"),
    pytest.param(edit('kind = "realtime"', 'kind = "realtime'), 15, id="unclosed-string"),
])
def test_toml_syntax_error_reports_the_line(tmp_path, text, line):
    path = write(tmp_path, text)
    message = refusal(path)
    assert message.startswith(f"{path}: ")
    assert "TOML" in message
    assert f"line {line}" in message, message


def test_missing_file_is_refused(tmp_path):
    path = tmp_path / "nowhere" / "scenario.toml"
    message = refusal(path)
    assert message == f"{path}: no such file"


def test_a_folder_is_refused(tmp_path):
    message = refusal(tmp_path)
    assert message.startswith(f"{tmp_path}: cannot read")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(BASE.replace('"mini"', '"min\xe9"').encode("latin-1"))
    assert refusal(path).startswith(f"{path}: not UTF-8 text: byte 0xe9 at line 1")


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert load_scenario(path).name == "mini"


def test_message_names_the_file_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, edit("per_hour = 60", "per_hour = -1"), name="plan.toml")
    assert refusal("plan.toml").startswith("plan.toml: demand.per_hour: ")


# Pydantic's lax mode would turn `true` into 1 and "60" into 60.0; a TOML boolean or
# string where a number belongs is a wrong type and must be refused.
WRONG_TYPE_COERCED = [
    ("bool-rate", "per_hour = 60", "per_hour = true", "demand.per_hour"),
    ("bool-agents", "agents = 3", "agents = true", "pools.team.agents"),
    ("bool-backlog", 'kind = "deferred"', 'kind = "deferred"\nbacklog = true',
     "channels.email.backlog"),
    ("string-rate", "per_hour = 60", 'per_hour = "60"', "demand.per_hour"),
    ("string-share", "email = 0.5", 'email = "0.5"', "choice.default.email"),
    ("string-agents", "agents = 3", 'agents = "3"', "pools.team.agents"),
]


@pytest.mark.parametrize(("old", "new", "key_path"),
                         [pytest.param(*case[1:], id=case[0]) for case in WRONG_TYPE_COERCED])
def test_boolean_or_string_for_a_number_is_refused(tmp_path, old, new, key_path):
    path = write(tmp_path, edit(old, new))
    assert f"{path}: {key_path}: " in refusal(path)


# ---------------------------------------------------------------- valid input

def with_horizon(value: str) -> str:
    return edit('horizon = "2h"', f"horizon = {value}")


@pytest.mark.parametrize(("value", "seconds"), [
    ('"45s"', 45.0),
    ('"6min"', 360.0),
    ('"12h"', 43200.0),
    ('"2d"', 172800.0),
    ('"1h30min"', 5400.0),
    ('"1d2h3min4s"', 93784.0),
    ('"500ms"', 0.5),
    ('"1.5h"', 5400.0),
    ('" 6 min "', 360.0),
    ("90", 90.0),
    ("90.5", 90.5),
    ("1e3", 1000.0),
])
def test_durations(tmp_path, value, seconds):
    scenario = load_scenario(write(tmp_path, with_horizon(value)))
    assert scenario.horizon == pytest.approx(seconds)
    assert isinstance(scenario.horizon, float)


def test_warmup_defaults_and_policy_table(tmp_path):
    text = edit('warmup = "10min"\n', "")
    text = edit('interval = "30min"\n', "", text)
    text = edit('policy = "fifo"', 'policy = { name = "fifo" }', text)
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.warmup == 0
    assert scenario.interval == 1800
    assert scenario.policy.name == "fifo"
    assert scenario.policy.options == {}


def test_daily_profile_and_shifts(tmp_path):
    text = edit("per_hour = 60", f"daily = 1000\nprofile = [{', '.join(['1'] * 48)}]")
    text = edit("agents = 3", 'shifts = [{ start = "22h", length = "9h", count = 2 }]', text)
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.demand.daily == 1000
    assert len(scenario.demand.profile) == 48
    assert scenario.pools["team"].shifts[0].start == 22 * 3600


def test_shares_within_tolerance_are_accepted(tmp_path):
    text = edit("phone = 0.5\nemail = 0.5", "phone = 0.3333333\nemail = 0.6666666")
    scenario = load_scenario(write(tmp_path, text))
    assert math.isclose(sum(scenario.choice["default"].values()), 1.0, abs_tol=1e-6)


DISTRIBUTIONS = [
    ('{ dist = "exponential", mean = "3min" }', 180.0, 180.0**2),
    ('{ dist = "lognormal", mean = "6min", cv = 0.5 }', 360.0, (0.5 * 360.0) ** 2),
    ('{ dist = "lognormal", mean = 100, sigma = 0.4 }', 100.0,
     100.0**2 * math.expm1(0.4**2)),
    ('{ dist = "gamma", mean = "8min", cv = 0.6 }', 480.0, (0.6 * 480.0) ** 2),
    ('{ dist = "gamma", mean = 50, shape = 3.0 }', 50.0, 50.0**2 / 3.0),
    ('{ dist = "deterministic", value = "2min" }', 120.0, 0.0),
    ('{ dist = "empirical", values = [30, "1min", 90, "3min"] }', 90.0,
     float(np.var([30, 60, 90, 180]))),
]


@pytest.mark.parametrize(("spec", "mean", "variance"), DISTRIBUTIONS,
                         ids=["exponential", "lognormal-cv", "lognormal-sigma", "gamma-cv",
                              "gamma-shape", "deterministic", "empirical"])
def test_distribution_moments_agree_with_a_large_sample(tmp_path, spec, mean, variance):
    scenario = load_scenario(write(tmp_path, edit(PHONE_HANDLE, f"handle_time = {spec}")))
    dist = scenario.channels["phone"].handle_time
    assert dist.mean == pytest.approx(mean)
    assert dist.variance == pytest.approx(variance)

    n = 200_000
    x = dist.ppf(np.random.default_rng(20150101).random(n))
    assert x.shape == (n,)
    assert np.all(np.isfinite(x)) and np.all(x >= 0)
    if variance == 0:
        assert np.all(x == mean)
        return
    # Five standard errors: the sample mean's, and the sample variance's from the
    # sample's fourth central moment.
    centred = x - x.mean()
    se_mean = math.sqrt(variance / n)
    se_var = math.sqrt(np.var(centred**2) / n)
    assert abs(x.mean() - dist.mean) < 5 * se_mean
    assert abs(x.var(ddof=1) - dist.variance) < 5 * se_var


def test_empirical_ppf_gives_each_value_equally_often(tmp_path):
    scenario = load_scenario(write(tmp_path, edit(
        PHONE_HANDLE, 'handle_time = { dist = "empirical", values = [10, 20, 30, 40] }')))
    dist = scenario.channels["phone"].handle_time
    u = (np.arange(4000) + 0.5) / 4000
    values, counts = np.unique(dist.ppf(u), return_counts=True)
    assert values.tolist() == [10, 20, 30, 40]
    assert counts.tolist() == [1000] * 4


def test_empty_file_lists_every_missing_key(tmp_path):
    path = write(tmp_path, "")
    lines = refusal(path).splitlines()
    for key in ("name", "horizon", "demand", "channels", "pools"):
        assert f"{path}: {key}: required key is missing" in lines


def test_duration_with_a_negative_part_is_refused(tmp_path):
    path = write(tmp_path, with_horizon('"1h-30min"'))
    assert f"{path}: horizon: " in refusal(path)
