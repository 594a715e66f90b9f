"""`sim staff`'s pure parts: which cells are judged, the warm start, the search on fake
evaluators, the staffed scenario data and the TOML writer."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.units import HOUR
from sim.scenario.channels import Hours
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.toml import dumps
from sim.staffing.cells import Goal, Problem, StaffingError, build_problem, open_seconds
from sim.staffing.evaluate import COUNTS, Sample, pooled, verdict_of
from sim.staffing.load import first_contacts
from sim.staffing.search import Verdict, search
from sim.staffing.staff import _staffed_data, clock_columns
from sim.staffing.warm import warm_start, work_per_contact
from sim.theory.erlang import sqrt_staffing
from tests.support import edit

SCENARIOS = Path(__file__).parents[2] / "scenarios"
BASELINE = SCENARIOS / "baseline-2015.toml"


def baseline_data() -> dict:
    return tomllib.loads(BASELINE.read_text(encoding="utf-8"))


def scenario_with(pools: dict, channels: dict | None = None):
    data = baseline_data()
    data["pools"] = pools
    if channels is not None:
        data["channels"] = channels
    return parse_scenario(data)


# ---------------------------------------------------------------- judged cells

def test_open_seconds_counts_overlap_with_opening_hours():
    office = Hours(open=8 * HOUR, close=20 * HOUR)
    night = Hours(open=22 * HOUR, close=6 * HOUR)
    assert open_seconds(None, 10.0, 70.0) == 60.0
    assert open_seconds(office, 0, 24 * HOUR) == 12 * HOUR
    assert open_seconds(office, 19 * HOUR, 33 * HOUR) == 2 * HOUR  # 19-20 and 8-9 next day
    assert open_seconds(office, 20 * HOUR, 32 * HOUR) == 0
    assert open_seconds(night, 0, 24 * HOUR) == 8 * HOUR  # 0-6 and 22-24
    assert open_seconds(night, 23 * HOUR, 31 * HOUR) == 7 * HOUR
    assert open_seconds(office, 5.0, 5.0) == 0


def test_baseline_cells_leave_out_closed_hours_but_judge_replies_past_the_horizon():
    problem = build_problem(load_scenario(BASELINE))
    judged = {c: [i for ch, i in problem.cells if ch == c] for c in ("phone", "chat", "email",
                                                                      "twitter")}
    assert judged["phone"] == judged["chat"] == list(range(48))
    # email (12 h, open 8-20, 8 min per reply): an evening arrival is answered the next
    # morning, which every plan is simulated far enough to see (12 h past the horizon); one
    # at 20:00 cannot be, by 07:52
    assert judged["email"] == [i for i in range(48) if i != 40]
    assert problem.extension == 12 * HOUR
    # twitter (1 h, open 7-23, 4 min replies): from 06:30 (replied after 07:00 within the hour)
    # to the 22:30 interval
    assert judged["twitter"] == list(range(13, 46))
    assert problem.pools == ("phone", "chat", "digital")
    assert problem.reach == {"phone": 0, "chat": 0, "email": 24, "twitter": 2}


def test_a_miss_adds_to_the_cheapest_pool_when_the_channel_is_open():
    scenario = scenario_with({
        "dear": {"skills": ["phone", "email"], "agents": 5, "cost_per_hour": 40.0},
        "blend": {"skills": ["phone", "email"], "agents": 5, "cost_per_hour": 20.0},
        "phone": {"skills": ["phone"], "agents": 5, "cost_per_hour": 20.0},
        "chat": {"skills": ["chat"], "agents": 2},
        "social": {"skills": ["twitter"], "agents": 2},
    })
    problem = build_problem(scenario)
    rows = {name: k for k, name in enumerate(problem.pools)}
    assert problem.cheapest["phone"] == rows["phone"]  # as cheap as blend, fewer skills
    assert problem.cheapest["email"] == rows["blend"]
    needs = problem.needs(frozenset({("phone", 3), ("email", 2), ("twitter", 13)}))
    assert needs.sum() == 3
    assert needs[rows["phone"], 3] == 1
    assert needs[rows["blend"], 16] == 1  # email closed at 01:00: first open interval, 08:00
    assert needs[rows["social"], 14] == 1  # twitter opens at 07:00


def test_blame_reaches_back_over_queues_carried_over_and_wraps_around():
    problem = build_problem(load_scenario(BASELINE))
    mask = problem.blame(frozenset({("phone", 0), ("twitter", 20)}))
    # phone: the interval before (the last, since the plan repeats); twitter (1 h): an hour
    # and a half before, to the hour after, in which a reply is still in time
    assert set(zip(*np.nonzero(mask), strict=True)) == {(0, 47), (0, 0), *(
        (2, j) for j in range(17, 23))}
    anywhere = problem.blame(frozenset({("email", 3)}), near=False)
    assert anywhere[2].all() and not anywhere[:2].any()


def test_pools_without_a_target_are_not_planned_and_no_target_is_refused():
    scenario = scenario_with({
        "phone": {"skills": ["phone"], "agents": 5},
        "chat": {"skills": ["chat"], "agents": 2},
        "digital": {"skills": ["email", "twitter"], "agents": 2},
    }, channels={**baseline_data()["channels"]})
    data = baseline_data()
    for name in ("chat", "email", "twitter"):
        del data["channels"][name]["target"]
    untargeted = parse_scenario(data)
    assert build_problem(untargeted).pools == ("phone",)
    assert build_problem(scenario).pools == ("phone", "chat", "digital")
    del data["channels"]["phone"]["target"]
    with pytest.raises(StaffingError, match="no channel has a target"):
        build_problem(parse_scenario(data))


def test_a_target_nobody_serves_is_refused():
    data = baseline_data()
    data["pools"]["digital"]["skills"] = ["email"]
    with pytest.raises(StaffingError, match=r"channels\.twitter: has a target but no pool"):
        build_problem(parse_scenario(data))


# ---------------------------------------------------------------- warm start

def test_warm_start_is_erlang_c_for_phone_and_sessions_for_chat():
    scenario = load_scenario(BASELINE)
    problem = build_problem(scenario)
    counts = np.linspace(10, 400, problem.intervals)
    plan = warm_start(problem, {"phone": counts, "chat": counts / 10})
    rate = counts / 1800
    assert plan[0].tolist() == [sqrt_staffing(r, 360, 0.8, 20) for r in rate]
    chat = scenario.channels["chat"]
    assert work_per_contact(chat) == 720 * 1.25  # two sessions slow each by 25%
    assert plan[1].tolist() == [math.ceil(sqrt_staffing(r / 10, 900, 0.8, 45) / 2)
                                for r in rate]
    assert plan[2].sum() == 0  # nothing offered on email or twitter


def test_warm_start_of_deferred_work_spreads_closed_hours_over_open_ones():
    scenario = load_scenario(BASELINE)
    problem = build_problem(scenario)
    email = np.full(problem.intervals, 45.0)  # 45 emails of 8 min each half-hour: 12 Erlangs
    plan = warm_start(problem, {"email": email})
    # 12 Erlangs all day, done in the 12 open hours: 24 agents from 08:00 to 20:00
    assert plan[2].tolist() == [0] * 16 + [24] * 24 + [0] * 8


# ---------------------------------------------------------------- search

def line_problem(intervals: int) -> Problem:
    """One pool, one realtime channel "c" judged in every interval."""
    goal = Goal("c", "service_level", 0.8, True)
    return Problem(scenario=None, pools=("p",), edges=np.arange(intervals + 1) * 1800.0,
                   goals=(goal,), judged={goal: np.ones(intervals, dtype=bool)},
                   cheapest={"c": 0}, serving={"c": (0,)}, next_open={"c": np.arange(intervals)},
                   reach={"c": 0}, extension=1800.0)


def threshold(need: np.ndarray, carry: bool = False):
    """A fake simulation: interval i meets its target with need[i] agents; with `carry`, also
    only if the interval before is at most one agent short (its queue spills over)."""
    calls = []

    def missed(plan: np.ndarray) -> Verdict:
        calls.append(plan.copy())
        short = plan[0] < need
        if carry:
            short |= np.roll(plan[0] < need - 1, 1)
        cells = frozenset(("c", int(i)) for i in np.flatnonzero(short))
        return Verdict(cells, cells)  # no noise: nothing is unsure

    return missed, calls


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=12), st.integers(-10, 10),
       st.booleans())
def test_search_finds_the_fewest_agents_from_any_start(need, offset, carry):
    need = np.array(need)
    missed, calls = threshold(need, carry)
    start = np.maximum(need + offset, 0)[np.newaxis, :]
    result = search(line_problem(len(need)), start, missed, max_iterations=200)
    assert result.met and not result.missed
    assert result.plan[0].tolist() == need.tolist()
    assert len(calls) == result.iterations <= 200
    assert all((plan >= 0).all() for plan in calls)


def test_a_long_shortfall_closes_in_few_iterations():
    missed, _ = threshold(np.array([3, 60, 3]))
    result = search(line_problem(3), np.full((1, 3), 3), missed, max_iterations=100)
    assert result.plan.tolist() == [[3, 60, 3]]
    assert result.iterations < 20  # doubling steps up and down, not 57 single agents


def test_search_stops_at_the_cap_and_says_what_is_missed():
    def never(plan):
        return Verdict(frozenset({("c", 1)}), frozenset({("c", 1)}))

    seen = []
    result = search(line_problem(3), np.zeros((1, 3)), never, max_iterations=5,
                    on_iteration=lambda k, plan, m: seen.append(k))
    assert not result.met and result.missed == {("c", 1)}
    assert result.iterations == 5 and seen == [1, 2, 3, 4, 5]


def small_problem(bins: int = 4) -> Problem:
    return build_problem(parse_scenario(tomllib.loads(
        edit('horizon = "2h"', f'horizon = {bins * 1800}'))))


def sample_of(judged: list, met: list, bins: int = 4) -> Sample:
    """Per-replication counts with the phone channel's judged and met contacts given."""
    r = len(judged)
    counts = np.zeros((r, len(COUNTS), 2, bins))
    counts[:, COUNTS.index("judged"), 0] = judged
    counts[:, COUNTS.index("met"), 0] = met
    counts[:, COUNTS.index("offered"), 0] = judged
    return Sample(counts, np.zeros((r, 2, 1, bins)))


def test_a_cell_is_judged_by_its_pooled_value_and_interval():
    problem = small_problem()
    # bin 0: 85% in every replication (met); 1: 79% pooled, with a wide interval (unsure);
    # 2: 40% (missed); 3: nobody came (met)
    sample = sample_of(judged=[[20, 50, 10, 0], [20, 50, 10, 0], [60, 100, 30, 0]],
                       met=[[17, 50, 3, 0], [17, 30, 5, 0], [51, 78, 12, 0]])
    value, half = pooled(*sample.totals(problem.goals[0], problem))
    assert value[:3] == pytest.approx([0.85, 158 / 200, 0.4])
    assert np.isnan(value[3]) and half[0] == 0 and (half[1:3] > 0).all()  # bin 0: no spread
    verdict = verdict_of(sample, problem)
    assert verdict.missed == {("phone", 2)}
    assert verdict.unsure == {("phone", 1), ("phone", 2)}


def test_pooled_ratio_and_its_interval_agree_with_a_direct_computation():
    rng = np.random.default_rng(1)
    den = rng.integers(50, 150, size=(40, 1)).astype(float)
    num = rng.binomial(den.astype(int), 0.7).astype(float)
    value, half = pooled(num, den)
    ratio = num.sum() / den.sum()
    residual = num[:, 0] - ratio * den[:, 0]
    se = residual.std(ddof=1) / den.mean() / np.sqrt(40)
    assert value[0] == pytest.approx(ratio)
    assert half[0] == pytest.approx(2.0227 * se, rel=1e-3)  # t(0.975, 39)


def test_expected_first_contacts_follow_demand_choice_and_self_service():
    scenario = load_scenario(BASELINE)
    problem = build_problem(scenario)
    expected = first_contacts(scenario, problem.edges)
    total = sum(v.sum() for v in expected.values())
    # the day's needs, less those a FAQ resolves; every need's first contact on one channel
    self_service = scenario.needs.by_region("self_service", next(iter(scenario.needs.regions)))
    assert total == pytest.approx(scenario.demand.daily * (1 - self_service), rel=1e-9)
    from sim.engine.population import draw_population
    from sim.engine.streams import replication_seed

    counts = {name: 0 for name in scenario.channels}
    for r in range(20):
        population = draw_population(scenario, replication_seed(7, r))
        inside = (population.arrival >= 0) & (population.channel >= 0)
        for k, name in enumerate(scenario.channels):
            counts[name] += np.count_nonzero(inside & (population.channel == k))
    for name, values in expected.items():  # Poisson: within 4 standard deviations
        assert abs(counts[name] - 20 * values.sum()) < 4 * np.sqrt(20 * values.sum()) + 1


# ---------------------------------------------------------------- the staffed scenario

def test_the_plan_replaces_agents_and_shifts_and_keeps_the_file_s_values():
    scenario = load_scenario(BASELINE)
    problem = build_problem(scenario)
    plan = np.arange(3 * 48).reshape(3, 48) % 7
    data = _staffed_data(baseline_data(), problem, plan, {})
    assert data["name"] == "baseline-2015-staffed"
    assert data["pools"]["chat"] == {"skills": ["chat"], "agents": plan[1].tolist(),
                                     "cost_per_hour": 30.0}
    assert data["channels"]["phone"]["target"]["within"] == "20s"  # as written
    assert baseline_data()["pools"]["chat"]["shifts"]  # the input is not changed
    written = parse_scenario(tomllib.loads(dumps(data)))
    assert written == problem.simulated(plan).model_copy(
        update={"name": "baseline-2015-staffed", "horizon": scenario.horizon,
                "warmup": scenario.warmup})


def test_a_scenario_built_in_code_is_written_from_its_model():
    scenario = load_scenario(BASELINE)
    data = scenario.model_dump(mode="json", exclude_none=True)
    assert parse_scenario(tomllib.loads(dumps(data))) == scenario


# ---------------------------------------------------------------- the TOML writer

@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_round_trips_through_the_writer(path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert tomllib.loads(dumps(data)) == data


def test_the_writer_quotes_what_toml_needs():
    data = {"a b": 'say "hi"\\\n\x7f\u00e9', "n": -3, "x": 1e-05, "big": float("inf"),
            "t": True, "empty": [], "nested": {"complaint/US": {"k": [1, 2]}},
            "rows": [{"start": "7h", "count": 2}], "long": list(range(30))}
    text = dumps(data)
    assert tomllib.loads(text) == data
    assert '[nested."complaint/US"]\nk = [1, 2]\n' in text  # a table two deep: a header
    assert tomllib.loads(dumps({"nan": float("nan")}))["nan"] != 0  # nan is not equal to itself
    with pytest.raises(TypeError, match="cannot write"):
        dumps({"when": object()})


def test_the_small_shared_scenario_staffs_only_its_targeted_pool():
    scenario = parse_scenario(tomllib.loads(edit('agents = 3', 'agents = [3, 4]')))
    problem = build_problem(scenario)
    assert problem.pools == ("team",)
    assert [c for c, _ in problem.cells] == ["phone"] * 4


def test_staffing_csv_has_clock_times_and_days_on_long_horizons():
    starts = np.arange(4) * 12 * HOUR + 1800
    two_days = clock_columns(starts, 2 * 24 * HOUR)
    assert list(two_days) == ["interval_start", "day", "time"]
    assert list(two_days["day"]) == [1, 1, 2, 2]
    assert two_days["time"] == ["00:30", "12:30"] * 2
    one_day = clock_columns(starts[:2], 24 * HOUR)
    assert "day" not in one_day and one_day["time"] == ["00:30", "12:30"]
