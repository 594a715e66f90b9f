"""The retweet law (sim/model/retweets.py): its mean against the closed form, the draws
against the mean, and the scenario check bounding the same number the engine draws."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from sim.model.retweets import expected_retweets, retweet_draws
from sim.scenario.load import ScenarioError, parse_scenario
from sim.scenario.schema import MAX_CONTACTS

H = 80 * 60.0


@pytest.mark.parametrize(("per_hour", "window"), [(0.032, 48 * 3600.0), (2.0, 600.0),
                                                  (0.0, 3600.0), (1.0, 0.0)])
def test_expected_retweets_is_the_integral_of_the_rate(per_hour, window):
    """per_hour * 2**(-a/h) per hour, integrated over [0, w): per_hour h/ln2 (1 - 2**(-w/h))."""
    hours_h = H / 3600
    closed = per_hour * hours_h / math.log(2) * (1 - 2 ** (-window / H))
    assert expected_retweets(per_hour, H, window) == pytest.approx(closed, rel=1e-12, abs=0)


def test_a_longer_window_never_brings_fewer_retweets_and_they_level_off():
    means = [expected_retweets(0.5, H, w) for w in (0.0, H, 4 * H, 40 * H, 400 * H)]
    assert means == sorted(means) and means[0] == 0
    assert means[-1] == pytest.approx(0.5 * H / 3600 / math.log(2), rel=1e-9)


def test_the_draws_count_what_the_law_expects():
    rng = np.random.default_rng(11)
    n, per_hour, window = 50_000, 0.4, 12 * 3600.0
    owner, _, _ = retweet_draws(rng, lambda r, k: np.ones(k), n, per_hour, H, window)
    mu = expected_retweets(per_hour, H, window)
    assert abs(len(owner) / n - mu) < 5 * math.sqrt(mu / n)  # Poisson: variance mu per tweet


def scenario_data(per_hour: float, retweet_per_hour: float) -> dict:
    return {
        "name": "rt", "horizon": "1d", "demand": {"per_hour": per_hour},
        "choice": {"default": {"twitter": 1.0}},
        "channels": {"twitter": {"kind": "public", "handle_time": "2min"}},
        "pools": {"social": {"skills": ["twitter"], "agents": 2}},
        "visibility": {"retweet_per_hour": retweet_per_hour},
    }


def test_the_scenario_check_bounds_the_retweets_the_engine_would_draw():
    """With 24 000 needs a day, the check's count is needs x expected_retweets: refused just
    above MAX_CONTACTS, accepted just below."""
    needs = 24_000.0
    per_tweet = expected_retweets(1.0, 4800.0, 172800.0)  # the defaults' half-life and window
    limit = MAX_CONTACTS / needs / per_tweet  # the retweet_per_hour that reaches the limit
    parse_scenario(scenario_data(1000.0, 0.99 * limit))
    with pytest.raises(ScenarioError) as info:
        parse_scenario(scenario_data(1000.0, 1.01 * limit))
    said = re.search(r"visibility\.retweet_per_hour: about ([\d,]+) retweets", str(info.value))
    assert said, str(info.value)
    assert float(said.group(1).replace(",", "")) == pytest.approx(1.01 * MAX_CONTACTS, rel=1e-6)
