"""`sim.runner.grid`: --set strings to sweep points, and points applied to a scenario dict."""

from __future__ import annotations

import pytest

from sim.runner.grid import expand, parse_set
from sim.scenario.changes import apply, label


def test_an_integer_range_is_inclusive():
    assert expand(["pools.phone.agents=40:46:2"]) == [
        {"pools.phone.agents": v} for v in (40, 42, 44, 46)]
    assert all(type(p["a"]) is int for p in expand(["a=1:3:1"]))


def test_a_range_stops_at_or_before_its_end():
    assert [p["a"] for p in expand(["a=1:6:2"])] == [1, 3, 5]
    assert [p["a"] for p in expand(["a=5:5:1"])] == [5]


def test_a_float_range_has_no_rounding_noise():
    assert [p["x"] for p in expand(["x=0.1:0.3:0.1"])] == [0.1, 0.2, 0.3]
    assert [p["x"] for p in expand(["x=1:2:0.5"])] == [1.0, 1.5, 2.0]
    assert all(type(p["x"]) is float for p in expand(["x=1:2:0.5"]))


def test_list_items_are_toml_scalars_or_plain_strings():
    values = [p["k"] for p in expand(['k=40,0.08,true,"6min",survey-2010, 6min'])]
    assert values == [40, 0.08, True, "6min", "survey-2010", "6min"]
    assert type(values[0]) is int and type(values[1]) is float


def test_the_product_varies_the_last_key_fastest():
    points = expand(["pools.phone.agents=48:50:2", "choice.preset=survey-2010,survey-2015",
                     "needs.twitter_users.US=0.08,0.2"])
    assert len(points) == 8
    assert points[0] == {"pools.phone.agents": 48, "choice.preset": "survey-2010",
                         "needs.twitter_users.US": 0.08}
    assert points[1]["needs.twitter_users.US"] == 0.2
    assert [p["choice.preset"] for p in points[:4]] == ["survey-2010"] * 2 + ["survey-2015"] * 2
    assert [p["pools.phone.agents"] for p in points] == [48] * 4 + [50] * 4
    assert list(points[0]) == ["pools.phone.agents", "choice.preset", "needs.twitter_users.US"]
    assert expand(["b=1,2", "a=3,4"]) == expand(["b=1,2", "a=3,4"])  # stable


@pytest.mark.parametrize(("text", "words"), [
    ("pools.phone.agents", "expected KEY=VALUES"),
    ("=1,2", "expected KEY=VALUES"),
    ("a=", "no values"),
    ("a=1,,2", "empty value"),
    ("a..b=1", "dotted key path"),
    ("a b=1", "dotted key path"),
    ("a=1:3", "a:b:step"),
    ("a=1:2:3:4", "a:b:step"),
    ("a=x:y:1", "with numbers"),
    ("a=1:5:0", "more than 0"),
    ("a=1:5:-1", "more than 0"),
    ("a=5:1:1", "ends before it starts"),
    ("a=1:inf:1", "finite"),
])
def test_bad_syntax_is_a_clear_value_error(text, words):
    with pytest.raises(ValueError, match=words) as info:
        parse_set(text)
    assert f"--set {text}" in str(info.value)


def test_a_key_set_twice_or_no_set_is_refused():
    with pytest.raises(ValueError, match="set twice"):
        expand(["a=1", "a=2"])
    with pytest.raises(ValueError, match="at least one"):
        expand([])


def test_too_many_points_are_refused():
    with pytest.raises(ValueError, match="points, more than"):
        expand(["a=1:200:1", "b=1:200:1"])


def test_apply_sets_keys_in_a_copy_and_makes_tables():
    data = {"pools": {"phone": {"agents": 50, "skills": ["phone"]}}, "name": "x"}
    out = apply(data, {"pools.phone.agents": 44, "needs.twitter_users.US": 0.2,
                       "choice.preset": "survey-2010"})
    assert out["pools"]["phone"] == {"agents": 44, "skills": ["phone"]}
    assert out["needs"] == {"twitter_users": {"US": 0.2}}
    assert out["choice"] == {"preset": "survey-2010"}
    assert data == {"pools": {"phone": {"agents": 50, "skills": ["phone"]}}, "name": "x"}
    out["pools"]["phone"]["skills"].append("chat")
    assert data["pools"]["phone"]["skills"] == ["phone"]  # a deep copy


def test_apply_through_a_value_that_is_not_a_table_is_refused():
    with pytest.raises(ValueError, match=r"pools.phone.agents is 50, not a table"):
        apply({"pools": {"phone": {"agents": 50}}}, {"pools.phone.agents.x": 1})


def test_label():
    assert label({"a.b": 1, "c": "x"}) == "a.b=1, c=x"
