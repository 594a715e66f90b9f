"""`sim staff`: the fewest agents per reporting interval and pool that meet every channel's
target, found by simulation from an Erlang C warm start (see sim/staffing/search.py).

The plan gives each planned pool one `agents` count per interval of the horizon (the list
repeats, so the warm-up before t=0 is staffed like the end of the plan). A pool given as
`shifts` is planned per interval too: the plan says how many agents are needed when, not which
shifts to hire. Pools that serve no channel with a target are kept as they are.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.staffing import staffed_seconds, staffing_steps
from sim.model.units import HOUR
from sim.runner.executors import executor
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED
from sim.scenario.load import load_scenario, parse_scenario
from sim.scenario.schema import Scenario
from sim.staffing.cells import Cell, Problem, StaffingError, build_problem
from sim.staffing.evaluate import Evaluator
from sim.staffing.search import OnIteration, search
from sim.staffing.warm import warm_start

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DEFAULT_MAX_ITERATIONS = 100
SUFFIX = "-staffed"


@dataclass(frozen=True)
class StaffResult:
    """What `sim staff` computes.

    `plan`: interval_start, pool, agents (the plan), warm_start, original (the scenario's own
    mean agents in the interval), one row per planned pool and interval. `levels`:
    interval_start, channel, pool (the one given more agents on a miss), target, service_level
    (mean), ci_low, ci_high, judged, met, one row per channel with a target and interval.
    `staffed` is the scenario with the plan, named `<name>-staffed`; `data` the same as TOML
    data (the file's own keys and values when it came from a file).
    """

    scenario: Scenario
    staffed: Scenario
    data: dict[str, Any]
    plan: pd.DataFrame
    levels: pd.DataFrame
    met: bool
    missed: list[Cell]
    original_missed: int  # judged cells the scenario's own staffing misses
    iterations: int
    simulations: int
    replications: int
    seed: int
    seconds: float

    def plot(self) -> Figure:
        """staffing.png as a matplotlib Figure, for a notebook: agents per interval of each
        planned pool (plan, warm start, the scenario's own)."""
        from sim.report.staff import plot_plan

        return plot_plan(self)

    @property
    def cells(self) -> int:
        """Judged (channel, interval) cells."""
        return int(self.levels.judged.sum())

    def pools(self) -> pd.DataFrame:
        """Per pool: planned, agent_hours and cost of the plan and of the scenario's own
        staffing (a pool that is not planned is kept as it is)."""
        rows = []
        for name, pool in self.scenario.pools.items():
            mine = self.plan[self.plan.pool == name]
            if mine.empty:
                hours = original = _agent_hours(self.scenario, name)
            else:
                widths = _widths(self.scenario, mine.interval_start.to_numpy())
                hours = float((mine.agents * widths).sum() / HOUR)
                original = float((mine.original * widths).sum() / HOUR)
            rows.append((name, not mine.empty, hours, hours * pool.cost_per_hour, original,
                         original * pool.cost_per_hour))
        return pd.DataFrame(rows, columns=["pool", "planned", "agent_hours", "cost",
                                           "original_agent_hours", "original_cost"])


def staff(scenario: Scenario | str | Path, replications: int = DEFAULT_REPLICATIONS,
          seed: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
          max_iterations: int = DEFAULT_MAX_ITERATIONS,
          on_iteration: OnIteration | None = None) -> StaffResult:
    """The cheapest per-interval staffing of `scenario` (a model or a file) that meets every
    target, judged on `replications` replications of `seed`, run in this process, on `workers`
    local processes or on dask (`scheduler`: "local" or tcp://HOST:PORT, as for `run`; the plan
    does not depend on where). StaffingError if there is nothing to staff for, or fewer than
    two replications."""
    if replications < 2:
        raise StaffingError("at least 2 replications: a target is judged on the 95% interval")
    start = time.perf_counter()
    scenario, data = _source(scenario)
    problem = build_problem(scenario)
    with executor(workers, scheduler) as pool:
        evaluator = Evaluator(scenario, problem, replications, seed, pool)
        own = evaluator.run(scenario)
        offered = _offered(own, problem)
        first = warm_start(scenario, problem, offered)
        found = search(problem, first, evaluator.missed, max_iterations, on_iteration)
        table = evaluator.table(found.plan)
    data = _staffed_data(data, problem, found.plan)
    return StaffResult(
        scenario=scenario,
        staffed=parse_scenario(data, source=f"{scenario.name}{SUFFIX}"),
        data=data,
        plan=_plan_table(scenario, problem, found.plan, first),
        levels=_levels_table(scenario, problem, table, found.missed),
        met=found.met,
        missed=sorted(found.missed, key=lambda cell: (cell[1], cell[0])),
        original_missed=len(evaluator.missed_in(own)),
        iterations=found.iterations,
        simulations=evaluator.simulations,
        replications=replications,
        seed=seed,
        seconds=time.perf_counter() - start,
    )


def _source(scenario: Scenario | str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The validated scenario and its TOML data: the file's own (durations as written), or the
    model's."""
    if isinstance(scenario, Scenario):
        return scenario, scenario.model_dump(mode="json", exclude_none=True)
    model = load_scenario(scenario)  # a bad file is refused here with its key path
    return model, tomllib.loads(Path(scenario).read_text(encoding="utf-8"))


def _staffed_data(data: dict[str, Any], problem: Problem, plan: np.ndarray) -> dict[str, Any]:
    """The scenario data with each planned pool's agents (in place of its own agents or
    shifts) and the name `<name>-staffed`."""
    pools = dict(data["pools"])
    for row, name in enumerate(problem.pools):
        rest = {k: v for k, v in pools[name].items() if k not in ("skills", "agents", "shifts")}
        pools[name] = {"skills": pools[name]["skills"], "agents": [int(n) for n in plan[row]],
                       **rest}
    return {**data, "name": f"{data['name']}{SUFFIX}", "pools": pools}


def _offered(table: pd.DataFrame, problem: Problem) -> dict[str, np.ndarray]:
    """Mean contacts offered per channel and interval (0 where none came)."""
    rows = table[table.metric == "offered"]
    starts = problem.edges[:-1]
    return {channel: group.set_index("interval_start")["mean"].reindex(starts).fillna(0.0)
            .to_numpy() for channel, group in rows.groupby("channel", sort=False)}


def _widths(scenario: Scenario, starts: np.ndarray) -> np.ndarray:
    return np.minimum(starts + scenario.interval, scenario.horizon) - starts


def _original(scenario: Scenario, name: str, edges: np.ndarray) -> np.ndarray:
    """The scenario's own mean agents of pool `name` per interval."""
    pool = scenario.pools[name]
    steps = staffing_steps(pool.agents, pool.shifts, scenario.interval, 0.0, scenario.horizon)
    return staffed_seconds(steps, scenario.horizon, edges) / np.diff(edges)


def _agent_hours(scenario: Scenario, name: str) -> float:
    edges = np.array([0.0, scenario.horizon])
    return float(_original(scenario, name, edges)[0] * scenario.horizon / HOUR)


def _plan_table(scenario: Scenario, problem: Problem, plan: np.ndarray,
                first: np.ndarray) -> pd.DataFrame:
    starts = problem.edges[:-1]
    return pd.concat([pd.DataFrame({
        "interval_start": starts, "pool": name, "agents": plan[row],
        "warm_start": first[row], "original": _original(scenario, name, problem.edges),
    }) for row, name in enumerate(problem.pools)], ignore_index=True)


def _levels_table(scenario: Scenario, problem: Problem, table: pd.DataFrame,
                  missed: frozenset[Cell]) -> pd.DataFrame:
    levels = table[table.metric == "service_level"].set_index(["channel", "interval_start"])
    judged = set(problem.cells)
    rows = []
    for i, start in enumerate(problem.edges[:-1]):
        for channel in problem.serving:
            key = (channel, start)
            mean, low, high = (levels.loc[key, ["mean", "ci_low", "ci_high"]]
                               if key in levels.index else (np.nan,) * 3)
            is_judged = (channel, i) in judged
            rows.append((start, channel, problem.pools[problem.cheapest[channel]],
                         scenario.channels[channel].target.share, mean, low, high, is_judged,
                         (channel, i) not in missed if is_judged else pd.NA))
    out = pd.DataFrame(rows, columns=["interval_start", "channel", "pool", "target",
                                      "service_level", "ci_low", "ci_high", "judged", "met"])
    return out.astype({"met": "boolean"})
