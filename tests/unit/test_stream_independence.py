"""Named random streams are independent: changing how one stream is used (its distribution,
its shares, how many values it gives) leaves what every other stream gives unchanged.

Common random numbers rest on this: two scenarios that differ in one attribute see the same
customers in everything else. Two levels are checked, for every stream the engine draws:

- the draws: a spy records what the engine takes from each named stream, in order (the
  numpy draws of the set-up, the values handed out one at a time during the run). Another
  stream's draws must agree as far as both runs took them (a change in the dynamics may
  take more or fewer, never other values);
- the customers: each need of the set-up (matched by arrival time) keeps every attribute
  that the changed stream does not determine.

`STREAM_LEAKS` and `NEED_LEAKS` list where the engine does not meet this today (see there):
only those may leak, and only where listed.
"""

from __future__ import annotations

import copy
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pytest

import sim.engine.simulation as simulation
from sim.engine.streams import Draws, replication_seed, stream
from sim.scenario.load import parse_scenario

HOUR = 3600.0


def exponential(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


# Every stream in play: needs of two reasons and regions, four channels with patience,
# closing hours, a backlog, multi-message cases, redirects, untagged mentions, retries and
# public complaints. Small: 4 h at 150 needs an hour.
BASE: dict[str, Any] = {
    "name": "streams", "horizon": 4 * HOUR, "warmup": 0.5 * HOUR,
    "demand": {"per_hour": 150.0},
    "needs": {"reasons": {"question": 0.6, "complaint": 0.4},
              "regions": {"north": 0.5, "south": 0.5},
              "twitter_users": {"north": 0.4, "south": 0.3},
              "followers": {"dist": "lognormal", "median": 61.0, "sigma": 1.6},
              "self_service": {"north": 0.2, "south": 0.1}},
    "choice": {"default": {"phone": 0.35, "chat": 0.2, "email": 0.25, "twitter": 0.2}},
    "channels": {
        "phone": {"kind": "realtime", "handle_time": exponential(180.0),
                  "patience": exponential(90.0), "fcr": {"default": 0.8, "complaint": 0.6},
                  "on_abandon": {"retry": 0.5, "public": 0.2}},
        "chat": {"kind": "realtime", "handle_time": exponential(240.0),
                 "patience": exponential(120.0), "fcr": 0.7,
                 "hours": {"open": HOUR, "close": 24 * HOUR}, "when_closed": "return",
                 "return_delay": exponential(300.0)},
        "email": {"kind": "deferred", "handle_time": {"dist": "gamma", "mean": 300.0, "cv": 0.5},
                  "patience": exponential(1800.0), "on_late": {"retry": 0.3}, "fcr": 0.7,
                  "backlog": 8, "messages": {"dist": "empirical", "values": [1, 1, 2, 3]},
                  "reply_gap": exponential(600.0)},
        "twitter": {"kind": "public", "handle_time": exponential(240.0),
                    "patience": exponential(1800.0), "on_late": {"retry": 0.3}, "fcr": 0.7,
                    "untagged": 0.3,
                    "redirect": {"share": 0.3, "to": {"email": 1.0},
                                 "delay": exponential(600.0)}},
    },
    "pools": {"team": {"skills": ["phone", "chat", "email", "twitter"], "agents": 6}},
    "journeys": {"on_unresolved": {"retry": 0.5, "public": 0.2},
                 "retry_delay": exponential(600.0), "max_contacts": 4},
    "visibility": {"retweet_per_hour": 0.5, "retweet_window": 6 * HOUR},
}
CHANNELS = tuple(BASE["channels"])


def edited(data: dict[str, Any], *changes: tuple[str, Any]) -> dict[str, Any]:
    """`data` with each ("a.b.c", value) set (None: the key removed)."""
    out = copy.deepcopy(data)
    for path, value in changes:
        *parents, last = path.split(".")
        node = out
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return out


EVENT = edited(BASE, ("events", [{"start": HOUR, "length": HOUR, "multiplier": 3.0,
                                  "reason": "complaint"}]))
PER_CHANNEL = edited(BASE, ("choice", None), ("demand", {"channels": {
    ch: {"per_hour": rate} for ch, rate in zip(CHANNELS, (60.0, 40.0, 30.0, 20.0),
                                               strict=True)}}))


# ---------------------------------------------------------------- one run, recorded

@dataclass
class Run:
    """What one replication took from each stream, and its needs as the set-up drew them."""

    taken: dict[str, np.ndarray]
    needs: dict[str, np.ndarray]  # per need, in arrival order; see `need_columns`
    warmup: float


class _Spied:
    """A stream's generator that records every value drawn from it under its name."""

    def __init__(self, rng: np.random.Generator, name: str,
                 log: dict[str, list[np.ndarray]]) -> None:
        self.rng, self.name, self._log = rng, name, log

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def drawn(*args: Any, **kwargs: Any) -> Any:
            out = getattr(self.rng, method)(*args, **kwargs)
            self._log[self.name].append(np.asarray(out, dtype=float).ravel())
            return out
        return drawn


@cache
def simulated(text: str) -> Run:
    """One replication of the scenario `text` (its dict as JSON), spied on."""
    log: dict[str, list[np.ndarray]] = defaultdict(list)
    drawn: list[dict[str, np.ndarray]] = []
    real_population = simulation.draw_population

    class SpiedDraws(Draws):
        """Records the values handed out (a stream used one value at a time draws in
        blocks: what it gives, not the block, is what it takes)."""

        __slots__ = ("name",)

        def __init__(self, rng: _Spied, ppf: Callable | None = None, size: int = 1024) -> None:
            super().__init__(rng.rng, ppf, size)
            self.name = rng.name

        def __call__(self) -> float:
            value = super().__call__()
            log[self.name].append(np.array([value]))
            return value

    def population(*args: Any, **kwargs: Any) -> Any:
        p = real_population(*args, **kwargs)
        drawn.append(need_columns(p))  # before the engine takes its columns over
        return p

    with pytest.MonkeyPatch.context() as mp:
        for module in engine_modules():
            if getattr(module, "stream", None) is stream:
                mp.setattr(module, "stream", lambda seq, name: _Spied(stream(seq, name),
                                                                      name, log))
            if getattr(module, "Draws", None) is Draws:
                mp.setattr(module, "Draws", SpiedDraws)
        mp.setattr(simulation, "draw_population", population)
        scenario = parse_scenario(json.loads(text))
        simulation.simulate(scenario, replication_seed(7, 0))
    return Run({k: np.concatenate(v) for k, v in log.items()}, drawn[0], scenario.warmup)


def engine_modules() -> list[Any]:
    """The simulator's modules: wherever they imported `stream` and `Draws` from."""
    return [m for name, m in list(sys.modules.items()) if name.split(".")[0] == "sim"]


def run(data: dict[str, Any]) -> Run:
    return simulated(json.dumps(data))  # in the dict's order: channels keep their codes


def need_columns(p: Any) -> dict[str, np.ndarray]:
    """The population's columns per need, with each need's retweets (their ages and the
    retweeters' followers) as an object column."""
    n = len(p.channel)
    order = np.argsort(p.retweet_need, kind="stable")
    cut = np.searchsorted(p.retweet_need[order], np.arange(n + 1))

    def per_need(values: np.ndarray) -> np.ndarray:
        out = np.empty(n, dtype=object)
        out[:] = [tuple(values[order[cut[k]:cut[k + 1]]]) for k in range(n)]
        return out

    columns = {name: np.array(getattr(p, name)) for name in
               ("arrival", "reason", "region", "twitter", "followers", "channel", "handle")}
    columns["patience"] = np.full(n, np.inf) if p.patience is None else np.array(p.patience)
    columns["retweet_age"] = per_need(p.retweet_age)
    columns["retweet_followers"] = per_need(p.retweet_followers)
    return columns


# ---------------------------------------------------------------- the changes, per stream

@dataclass(frozen=True)
class Case:
    """How to change stream `name`'s use: `changes` to the scenario `base`. `columns`: the
    need attributes it draws (a set-up stream's), which must change; without, what the
    stream gives must. `shared`: other streams that draw from the same changed
    distribution, so give other values by design."""

    name: str
    changes: tuple[tuple[str, Any], ...]
    columns: frozenset[str] = frozenset()
    shared: frozenset[str] = frozenset()
    base: dict[str, Any] = field(default_factory=lambda: BASE)


def case(name: str, *changes: tuple[str, Any], columns: tuple[str, ...] = (),
         shared: tuple[str, ...] = (), base: dict[str, Any] = BASE) -> Case:
    return Case(name, changes, frozenset(columns), frozenset(shared), base)


def scaled(path: str, factor: float, base: dict[str, Any] = BASE) -> tuple[str, Any]:
    node: Any = base
    for key in path.split("."):
        node = node[key]
    return path, node * factor


RETWEETS = ("retweet_age", "retweet_followers")
SET_UP = [
    case("arrivals", scaled("demand.per_hour", 1.2)),
    *[case(f"arrivals:{ch}", scaled(f"demand.channels.{ch}.per_hour", 1.5, PER_CHANNEL),
           base=PER_CHANNEL) for ch in CHANNELS],
    case("arrivals:event0", ("events", [{**EVENT["events"][0], "multiplier": 5.0}]),
         base=EVENT),
    case("backlog", ("channels.email.backlog", 20)),
    case("reason", ("needs.reasons", {"question": 0.3, "complaint": 0.7}),
         columns=("reason",)),
    case("region", ("needs.regions", {"north": 0.8, "south": 0.2}), columns=("region",)),
    # the choice tables give Twitter users the twitter channel's share of all needs
    case("twitter", ("needs.twitter_users", {"north": 0.7, "south": 0.6}),
         columns=("twitter", "channel")),
    case("followers", ("needs.followers.median", 300.0),
         columns=("followers", "retweet_followers")),
    case("self_service", ("needs.self_service", {"north": 0.4, "south": 0.3}),
         columns=("channel",)),
    case("choice", ("choice.default", {"phone": 0.1, "chat": 0.4, "email": 0.25,
                                       "twitter": 0.25}), columns=("channel",)),
    case("handle", scaled("channels.phone.handle_time.mean", 2.0), columns=("handle",),
         shared=("handle:phone:follow-up",)),
    case("patience", scaled("channels.phone.patience.mean", 2.0), columns=("patience",),
         shared=("patience:phone:follow-up",)),
    case("retweets", scaled("visibility.retweet_per_hour", 2.0), columns=RETWEETS),
]
DURING = [
    case("journeys", ("channels.phone.fcr", {"default": 0.5, "complaint": 0.3})),
    case("untagged", ("channels.twitter.untagged", 0.0)),
    case("messages:email", ("channels.email.messages", None),
         ("channels.email.reply_gap", None)),
    case("messages:email:follow-up", ("channels.email.messages.values", [1, 2, 3, 4])),
    case("handle:email:more", scaled("channels.email.handle_time.mean", 2.0),
         shared=("handle:email:follow-up",)),
    case("reply_gap:email", scaled("channels.email.reply_gap.mean", 2.0)),
    case("retry_delay", scaled("journeys.retry_delay.mean", 2.0)),
    case("return_delay:chat", scaled("channels.chat.return_delay.mean", 3.0)),
    case("redirect_delay:twitter", scaled("channels.twitter.redirect.delay.mean", 2.0)),
    *[case(f"handle:{ch}:follow-up", scaled(f"channels.{ch}.handle_time.mean", 2.0),
           shared=("handle:email:more",) if ch == "email" else ()) for ch in CHANNELS],
    *[case(f"patience:{ch}:follow-up", scaled(f"channels.{ch}.patience.mean", 2.0))
      for ch in CHANNELS],
]
CASES = {c.name: c for c in SET_UP + DURING}

# Where the engine is not independent today (found by these tests):
# - `retweets` draws the counts, then the ages, then the followers of every tweet in one go,
#   need by need in arrival order, so one more need anywhere (more demand, an outage's
#   needs, a larger backlog) shifts every later need's retweets;
# - with demand per channel, the set-up draws its attributes' uniforms in the order of the
#   channels' arrival streams (all of phone's needs, then chat's, ...): more needs on one
#   channel shift every later channel's customers' reasons, regions, ... and retweets.
SHIFTED = frozenset({"reason", "region", "twitter", "followers", "channel", "handle",
                     "patience", *RETWEETS})
STREAM_LEAKS = {name: frozenset({"retweets"}) for name in
                ("arrivals", *[f"arrivals:{ch}" for ch in CHANNELS], "arrivals:event0",
                 "backlog")}
NEED_LEAKS = {"arrivals:event0": frozenset(RETWEETS), "backlog": frozenset(RETWEETS),
              **{f"arrivals:{ch}": SHIFTED for ch in CHANNELS}}


# ---------------------------------------------------------------- the tests

def test_every_stream_the_engine_draws_has_a_case():
    drawn = set().union(*(run(data).taken for data in (BASE, EVENT, PER_CHANNEL)))
    assert drawn == set(CASES)


def test_no_two_streams_give_the_same_numbers():
    """Independent streams, not copies of one: two names giving the same numbers would
    tie their attributes together."""
    seed = replication_seed(7, 0)
    assert len({tuple(stream(seed, name).random(4)) for name in CASES}) == len(CASES)


def differing(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two records of a stream disagree as far as both go."""
    m = min(len(a), len(b))
    return not np.array_equal(a[:m], b[:m])


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_stream_s_use_leaves_every_other_stream_s_draws(name):
    c = CASES[name]
    before, after = run(c.base), run(edited(c.base, *c.changes))
    mine = before.taken.get(name, np.empty(0)), after.taken.get(name, np.empty(0))
    if c.columns:  # the change must reach what the stream draws
        assert not any(same_column(before, after, column) for column in c.columns)
    else:
        assert len(mine[0]) != len(mine[1]) or differing(*mine)
    both = (set(before.taken) & set(after.taken)) - {name}  # the others drawn in both
    assert len(both) >= len(before.taken) - 4, "too few streams left to compare"
    moved = {other for other in both
             if differing(before.taken[other], after.taken[other])} - c.shared
    assert not moved - STREAM_LEAKS.get(name, frozenset())


# Attributes drawn through a table or distribution that other attributes choose: compared
# where those agree (a need's channel depends on its reason, region and Twitter use, its
# handle time and patience on its channel, its followers on its Twitter use, which depends
# on its region).
PARENTS = {"channel": ("reason", "region", "twitter"), "handle": ("channel",),
           "patience": ("channel",), "followers": ("twitter",), "twitter": ("region",)}


def matched(before: Run, after: Run) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the same needs in both runs: equal arrival times (backlog needs, which all
    arrive at the start of the warm-up, left out)."""
    common, i, j = np.intersect1d(before.needs["arrival"], after.needs["arrival"],
                                  return_indices=True)
    kept = common > -before.warmup
    return i[kept], j[kept]


def same_column(before: Run, after: Run, column: str) -> bool:
    i, j = matched(before, after)
    a, b = before.needs[column][i], after.needs[column][j]
    where = np.ones(len(i), dtype=bool)
    for parent in PARENTS.get(column, ()):
        where &= before.needs[parent][i] == after.needs[parent][j]
    return bool(np.all(a[where] == b[where]))


@pytest.mark.parametrize("name", [c.name for c in SET_UP if c.name != "arrivals"])
def test_a_set_up_stream_s_use_leaves_every_other_attribute_of_every_need(name):
    """("arrivals" changes every need's arrival time: no need is the same in both.)"""
    c = CASES[name]
    before, after = run(c.base), run(edited(c.base, *c.changes))
    i, _ = matched(before, after)
    assert len(i) >= 0.5 * len(before.needs["arrival"]), "too few needs kept"
    moved = {column for column in set(before.needs) - c.columns - {"arrival"}
             if not same_column(before, after, column)}
    assert not moved - NEED_LEAKS.get(name, frozenset())
