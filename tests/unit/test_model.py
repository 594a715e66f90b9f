"""The model's pure functions: durations, the arrival rate, arrival times, staffing, hours.

Each check compares with an independent brute-force form of the same quantity (a count at
many time points, an overlap integral, a weight looked up by hand), not with a pinned output.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.arrivals import arrival_times, rate_steps
from sim.model.staffing import paid_steps, staffed_seconds
from sim.model.units import DAY, HOUR, MINUTE, format_duration, parse_duration
from sim.scenario.demand import Volume
from sim.scenario.schema import Hours, Pool, Shift

# ---- durations --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [
    ("45s", 45.0), ("45 s", 45.0), ("45sec", 45.0), ("500ms", 0.5), ("6min", 360.0),
    ("6m", 360.0), ("12h", 43200.0), ("2d", 172800.0), ("1h30min", 5400.0),
    ("1h 30min", 5400.0), ("1.5h", 5400.0), (".5h", 1800.0), ("1d2h3min4s", 93784.0),
    ("  20s ", 20.0), ("-5s", -5.0),
])
def test_parse_duration_strings(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12)


@pytest.mark.parametrize("value", [0, 7, 2.5, 86400])
def test_parse_duration_numbers_are_seconds(value):
    assert parse_duration(value) == float(value)
    assert isinstance(parse_duration(value), float)


@pytest.mark.parametrize("bad", ["", "   ", "5", "1h30", "abc", "5 weeks", "h", "1x", True,
                                 None, [5]])
def test_parse_duration_rejects(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize("text", ["45s", "90s", "6min", "90min", "12h", "36h", "2d", "0.5s",
                                  "1.25s", "7d"])
def test_format_of_parse_is_the_canonical_text(text):
    assert format_duration(parse_duration(text)) == text


@given(st.one_of(
    st.integers(0, 99_999).map(float),  # whole seconds up to ~28 h
    st.integers(0, 10_000).map(lambda m: m * MINUTE),
    st.integers(0, 1_000).map(lambda h: h * HOUR),
    st.integers(0, 400).map(lambda d: d * DAY),
    st.integers(1, 9_999).map(lambda k: k / 4),  # quarter seconds
))
@settings(max_examples=300, deadline=None)
def test_parse_of_format_round_trips(seconds):
    text = format_duration(seconds)
    assert parse_duration(text) == pytest.approx(seconds, rel=1e-12, abs=1e-12)
    assert len(text) <= 10  # short: it is for messages and reports


@pytest.mark.parametrize("seconds", [1_000_001.0, 100_000.5])
def test_parse_of_format_round_trips_for_long_or_precise_durations(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


# ---- the arrival rate -------------------------------------------------------------------

PROFILE = [1, 1, 1, 1, 2, 2, 3, 4, 6, 8, 9, 9, 10, 10, 9, 9, 8, 8, 7, 6, 6, 5, 5, 4,
           4, 4, 5, 5, 6, 6, 7, 7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 1, 1, 1]  # 48 x 30 min
INTERVAL = 1800.0


def weight_at(t: float, profile=PROFILE, interval=INTERVAL) -> float:
    """The weight in force at time t, by hand: the time of day picks the interval."""
    tod = t % DAY
    return profile[int(tod // interval)]


def integral(edges: np.ndarray, rates: np.ndarray, a: float, b: float) -> float:
    """Integral of the step rate over [a, b], piece by piece (overlap of intervals)."""
    lo, hi = np.maximum(edges[:-1], a), np.minimum(edges[1:], b)
    return float(np.sum(rates * np.clip(hi - lo, 0, None)))


def test_rate_steps_constant_per_hour():
    edges, rates = rate_steps(Volume(per_hour=90.0), INTERVAL, -600.0, 7200.0)
    np.testing.assert_array_equal(edges, [-600.0, 7200.0])
    np.testing.assert_allclose(rates, [90.0 / 3600.0])


def test_rate_steps_constant_daily():
    edges, rates = rate_steps(Volume(daily=4800.0), INTERVAL, 0.0, DAY)
    np.testing.assert_array_equal(edges, [0.0, DAY])
    assert integral(edges, rates, 0.0, DAY) == pytest.approx(4800.0)


@pytest.mark.parametrize(("start", "end"), [
    (0.0, DAY), (-5000.0, 2 * DAY + 1000.0), (-DAY, DAY), (-3600.0, 3 * DAY),
    (-1.0, 7200.0), (100.0, 200.0), (-7200.0, 0.5), (1800.0, 3600.0), (-1800.0 * 7, 1799.0),
])
def test_rate_steps_profile_edges_cover_the_run_exactly(start, end):
    edges, rates = rate_steps(Volume(daily=1000.0, profile=PROFILE), INTERVAL, start, end)
    assert edges[0] == start and edges[-1] == end
    assert len(rates) == len(edges) - 1
    widths = np.diff(edges)
    assert np.all(widths > 0), "no empty piece"
    assert np.all(widths <= INTERVAL + 1e-9)
    # inner edges are the interval boundaries, all of those in (start, end)
    inner = np.arange(math.floor(start / INTERVAL) + 1, math.ceil(end / INTERVAL)) * INTERVAL
    np.testing.assert_array_equal(edges[1:-1], inner[(inner > start) & (inner < end)])
    # each piece has the rate of the interval of the day it lies in (the day repeats)
    for a, b, rate in zip(edges[:-1], edges[1:], rates, strict=True):
        mid = (a + b) / 2
        assert rate == pytest.approx(1000.0 * weight_at(mid) / sum(PROFILE) / INTERVAL)


def test_rate_steps_partial_first_and_last_pieces():
    edges, rates = rate_steps(Volume(daily=1000.0, profile=PROFILE), INTERVAL, -5000.0, 1000.0)
    # -5000 is in [-5400, -3600): the 46th interval of the previous day (22:30-23:00)
    np.testing.assert_array_equal(edges, [-5000.0, -3600.0, -1800.0, 0.0, 1000.0])
    expected = [PROFILE[45], PROFILE[46], PROFILE[47], PROFILE[0]]
    np.testing.assert_allclose(rates, 1000.0 * np.array(expected) / sum(PROFILE) / INTERVAL)


@pytest.mark.parametrize("daily", [1.0, 480.0, 12345.0])
def test_rate_steps_integrates_to_daily_over_each_day(daily):
    edges, rates = rate_steps(Volume(daily=daily, profile=PROFILE), INTERVAL, -1.5 * DAY,
                              3 * DAY + 700.0)
    for day in (-1, 0, 1, 2):
        assert integral(edges, rates, day * DAY, (day + 1) * DAY) == pytest.approx(daily)
    # the half day of warm-up is the previous evening: weights of 12:00-24:00
    evening = sum(PROFILE[24:]) / sum(PROFILE)
    assert integral(edges, rates, -0.5 * DAY, 0.0) == pytest.approx(daily * evening)


def test_rate_steps_profile_of_another_interval():
    hourly = [0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 3, 2, 1, 1, 0, 0, 0, 0]
    edges, rates = rate_steps(Volume(daily=240.0, profile=hourly), HOUR, -2 * HOUR, DAY)
    assert integral(edges, rates, 0.0, DAY) == pytest.approx(240.0)
    assert integral(edges, rates, -2 * HOUR, 0.0) == 0.0  # 22:00-24:00 has weight 0
    assert integral(edges, rates, 9 * HOUR, 10 * HOUR) == pytest.approx(240.0 * 4 / sum(hourly))


# ---- arrival times ----------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("start", "end"), [(0.0, DAY), (-5000.0, DAY + 333.0)])
def test_arrival_times_sorted_inside_the_run(seed, start, end):
    edges, rates = rate_steps(Volume(daily=2000.0, profile=PROFILE), INTERVAL, start, end)
    times = arrival_times(np.random.default_rng(seed), edges, rates)
    assert times.dtype == np.float64
    assert len(times) > 0
    assert np.all(np.diff(times) >= 0)
    assert times[0] >= start and times[-1] < end


def test_arrival_times_with_no_rate_is_empty():
    times = arrival_times(np.random.default_rng(0), np.array([0.0, 10.0, 20.0]),
                          np.array([0.0, 0.0]))
    assert times.shape == (0,)


# Where each zero-rate piece lies; the expected count of the others is ~200 each, so an
# arrival in a zero piece (expected count ~100 under the bug) is a certainty, not luck.
ZERO_LAST = pytest.param([3], id="last")
ZERO_FIRST = pytest.param([0], id="first")
ZERO_MIDDLE = pytest.param([1], id="middle")
ZERO_NIGHT = pytest.param([0, 1, 3], id="several")


@pytest.mark.parametrize("zero", [ZERO_LAST, ZERO_FIRST, ZERO_MIDDLE, ZERO_NIGHT])
def test_arrival_times_zero_rate_pieces_get_no_arrivals(zero):
    edges = np.array([0.0, 100.0, 200.0, 300.0, 400.0])
    rates = np.full(4, 2.0)
    rates[zero] = 0.0
    for seed in range(5):
        times = arrival_times(np.random.default_rng(seed), edges, rates)
        piece = np.searchsorted(edges, times, side="right") - 1
        assert not np.isin(piece, zero).any(), f"seed {seed}: arrivals in a zero-rate piece"
        assert len(times) > 0


def test_profile_with_a_closed_night_gets_no_night_arrivals():
    hourly = [0] * 6 + [1] * 16 + [0] * 2  # nobody calls 22:00-06:00
    edges, rates = rate_steps(Volume(daily=1600.0, profile=hourly), HOUR, -2 * HOUR, DAY)
    times = arrival_times(np.random.default_rng(1), edges, rates)
    tod = times % DAY
    assert np.all((tod >= 6 * HOUR) & (tod < 22 * HOUR))


# ---- staffing ---------------------------------------------------------------------------


def staffing_steps(agents, shifts, interval: float, start: float, end: float):
    """The scheduled agents of a pool given these `agents` or `shifts`."""
    pool = Pool.model_construct(skills=["x"], agents=agents, shifts=shifts, shrinkage=0.0)
    return paid_steps(pool, interval, start, end)


def level(steps: list[tuple[float, int]], t: np.ndarray) -> np.ndarray:
    """The step function's value at times t (the last step at or before t)."""
    times = np.array([s for s, _ in steps])
    counts = np.array([n for _, n in steps])
    return counts[np.searchsorted(times, t, side="right") - 1]


def check_steps_shape(steps, start, end):
    times = [t for t, _ in steps]
    counts = [n for _, n in steps]
    assert times[0] == start
    assert all(start <= t < end for t in times)
    assert all(a < b for a, b in itertools.pairwise(times)), "strictly increasing"
    assert all(a != b for a, b in itertools.pairwise(counts)), "no repeated level"


def probe_times(start: float, end: float, boundaries: np.ndarray) -> np.ndarray:
    """Many instants in [start, end): a fine grid, each boundary and just either side of it."""
    grid = np.linspace(start, end, 4001)[:-1]
    near = np.concatenate((boundaries, boundaries - 1e-3, boundaries + 1e-3))
    t = np.concatenate((grid, near))
    return np.unique(t[(t >= start) & (t < end)])


@pytest.mark.parametrize("n", [0, 1, 7])
def test_staffing_steps_constant(n):
    assert staffing_steps(n, None, INTERVAL, -600.0, DAY) == [(-600.0, n)]


@pytest.mark.parametrize(("agents", "start", "end"), [
    ([3, 1, 4, 1, 5], -4000.0, 20000.0),  # a 2.5 h period, not a divisor of the day
    ([3, 1, 4, 1, 5], 0.0, 2 * DAY),
    ([2, 0], -3 * INTERVAL, 10 * INTERVAL + 7.0),
    ([5], -100.0, 3 * DAY),
    ([1, 1, 2, 2, 2, 0], -DAY - 50.0, DAY),
    (list(range(48)), -7200.0, 2 * DAY),
])
def test_staffing_steps_per_interval_list_repeats_with_its_own_period(agents, start, end):
    steps = staffing_steps(agents, None, INTERVAL, start, end)
    check_steps_shape(steps, start, end)
    bounds = np.arange(math.floor(start / INTERVAL), math.ceil(end / INTERVAL)) * INTERVAL
    t = probe_times(start, end, bounds)
    brute = np.array([agents[math.floor(x / INTERVAL) % len(agents)] for x in t])
    np.testing.assert_array_equal(level(steps, t), brute)


def shift(start: str, length: str, count: int) -> Shift:
    return Shift.model_validate({"start": start, "length": length, "count": count})


def on_shift(shifts: list[Shift], t: np.ndarray) -> np.ndarray:
    """Brute force: a shift covers t if t is less than `length` after its daily start."""
    return sum(s.count * (((t - s.start) % DAY) < s.length) for s in shifts)


SHIFT_SETS = {
    "day": [shift("8h", "8h", 2)],
    "midnight": [shift("22h", "8h", 3)],
    "overlapping": [shift("6h", "10h", 3), shift("8h", "8h", 2), shift("14h", "9h", 1),
                    shift("22h", "8h", 1)],
    "full-day": [shift("12h", "24h", 1), shift("0h", "6h", 2)],
    "touching": [shift("0h", "12h", 1), shift("12h", "12h", 1)],  # always exactly 1
    "odd": [shift("23h59min", "90min", 4), shift("30min", "13h", 0), shift("5h", "20h", 2)],
}


@pytest.mark.parametrize("name", SHIFT_SETS)
@pytest.mark.parametrize(("start", "end"), [(0.0, DAY), (-3 * HOUR, 2 * DAY + 5 * HOUR),
                                            (-DAY - 1.0, 3 * DAY)])
def test_staffing_steps_shifts_match_a_brute_force_count(name, start, end):
    shifts = SHIFT_SETS[name]
    steps = staffing_steps(None, shifts, INTERVAL, start, end)
    check_steps_shape(steps, start, end)
    days = np.arange(math.floor(start / DAY) - 1, math.ceil(end / DAY) + 1)
    bounds = np.concatenate([days * DAY + s.start for s in shifts]
                            + [days * DAY + s.start + s.length for s in shifts])
    t = probe_times(start, end, bounds)
    np.testing.assert_array_equal(level(steps, t), on_shift(shifts, t))


def test_touching_shifts_give_one_flat_step():
    steps = staffing_steps(None, SHIFT_SETS["touching"], INTERVAL, -HOUR, 2 * DAY)
    assert steps == [(-HOUR, 1)]


def test_a_shift_crossing_midnight_is_on_during_the_warmup():
    steps = staffing_steps(None, [shift("22h", "8h", 3)], INTERVAL, -HOUR, DAY)
    assert steps == [(-HOUR, 3), (6 * HOUR, 0), (22 * HOUR, 3)]
    # a warm-up from 21:00 starts before the previous evening's shift
    steps = staffing_steps(None, [shift("22h", "8h", 3)], INTERVAL, -3 * HOUR, DAY)
    assert steps == [(-3 * HOUR, 0), (-2 * HOUR, 3), (6 * HOUR, 0), (22 * HOUR, 3)]


def overlap_integral(steps, end, edges) -> np.ndarray:
    """Agent-seconds per bin, as a sum of count x overlap of each step with each bin."""
    times = [t for t, _ in steps] + [end]
    out = np.zeros(len(edges) - 1)
    for (a, n), b in zip(steps, times[1:], strict=True):
        lo = np.maximum(edges[:-1], a)
        hi = np.minimum(edges[1:], b)
        out += n * np.clip(hi - lo, 0, None)
    return out


@pytest.mark.parametrize(("agents", "shifts", "start", "end"), [
    ([3, 1, 4, 1, 5], None, -4000.0, 20000.0),
    (4, None, -600.0, DAY),
    (None, SHIFT_SETS["overlapping"], -3 * HOUR, 2 * DAY),
    (None, SHIFT_SETS["odd"], -1.0, DAY + 17.0),
])
@pytest.mark.parametrize("bin_width", [INTERVAL, 3600.0, 1234.5])
def test_staffed_seconds_is_the_integral_of_the_steps(agents, shifts, start, end, bin_width):
    steps = staffing_steps(agents, shifts, INTERVAL, start, end)
    edges = np.arange(0.0, end, bin_width)
    edges = np.append(edges, end)  # the last bin may be short
    got = staffed_seconds(steps, end, edges)
    np.testing.assert_allclose(got, overlap_integral(steps, end, edges), rtol=1e-12, atol=1e-6)
    # and the same by a midpoint sum on a grid of about 1 s (no code shared with the above):
    # a change of level inside a grid cell costs at most |jump| x cell width
    for k in range(0, len(edges) - 1, 7):
        a, b = edges[k], edges[k + 1]
        n = max(int(b - a), 1)
        cell = (b - a) / n
        mids = a + (np.arange(n) + 0.5) * cell
        if agents is None:
            values = on_shift(shifts, mids)
        elif isinstance(agents, int):
            values = np.full(n, agents)
        else:
            values = np.array([agents[math.floor(m / INTERVAL) % len(agents)] for m in mids])
        jumps = np.abs(np.diff(level(steps, np.array([a, *[t for t, _ in steps if a < t < b], b]))))
        assert got[k] == pytest.approx(values.sum() * cell, rel=0, abs=jumps.sum() * cell + 1e-6)


def test_staffed_seconds_over_the_whole_run():
    steps = staffing_steps([2, 0, 3], None, INTERVAL, 0.0, 9 * INTERVAL)
    got = staffed_seconds(steps, 9 * INTERVAL, np.array([0.0, 9 * INTERVAL]))
    assert got[0] == pytest.approx(3 * (2 + 0 + 3) * INTERVAL)


# ---- opening hours ----------------------------------------------------------------------


def hours(open_: str, close: str) -> Hours:
    return Hours.model_validate({"open": open_, "close": close})


@pytest.mark.parametrize(("t", "expected"), [
    (0.0, False), (8 * HOUR - 1e-6, False), (8 * HOUR, True), (12 * HOUR, True),
    (18 * HOUR - 1e-6, True), (18 * HOUR, False), (23 * HOUR, False),
    (DAY + 9 * HOUR, True), (DAY + 19 * HOUR, False), (-10 * HOUR, True),  # 14:00 yesterday
    (-2 * HOUR, False), (-DAY + 8 * HOUR, True),
])
def test_hours_daytime(t, expected):
    assert hours("8h", "18h").is_open(t) is expected


@pytest.mark.parametrize(("t", "expected"), [
    (22 * HOUR, True), (23 * HOUR + 59 * MINUTE, True), (0.0, True), (3 * HOUR, True),
    (6 * HOUR - 1e-6, True), (6 * HOUR, False), (12 * HOUR, False),
    (22 * HOUR - 1e-6, False), (-HOUR, True), (-2 * HOUR, True), (-2 * HOUR - 1, False),
    (-20 * HOUR, True), (-12 * HOUR, False), (DAY + HOUR, True), (2 * DAY + 7 * HOUR, False),
])
def test_hours_past_midnight(t, expected):
    assert hours("22h", "6h").is_open(t) is expected


@pytest.mark.parametrize(("t", "expected"), [
    (7 * HOUR, False), (8 * HOUR, True), (DAY - 1, True), (DAY, False), (-1.0, True),
])
def test_hours_closing_at_midnight(t, expected):
    assert hours("8h", "24h").is_open(t) is expected


def test_hours_open_share_of_the_day_matches_their_length():
    t = np.arange(-DAY, 2 * DAY, 60.0)
    for h, length in ((hours("8h", "18h"), 10), (hours("22h", "6h"), 8),
                      (hours("0h", "24h"), 24), (hours("23h30min", "30min"), 1)):
        share = np.mean([h.is_open(x) for x in t])
        assert share == pytest.approx(length / 24)
