"""`sim staff`: the fewest agents on duty per reporting interval and pool that meet every goal,
found by simulation from an exact queueing warm start, confirmed on independent seeds, and
turned into rosters of real shifts where a pool has a roster table.

1. The warm start (`warm.py`) staffs each interval by Erlang C / Erlang A on its expected
   offered load: first contacts computed from the scenario (`load.py`), later contacts
   counted in a run of the file's own staffing.
2. The replication count is set by the precision the decisions need (`sample.py`), from a
   first sample of the warm start.
3. The search (`search.py`) adds agents where a goal is missed and removes those not needed,
   every plan judged on the same replications by the sample-average rule (`evaluate.py`).
4. A confirming run on independent replications (`confirm.py`); if it fails, the search
   runs again on twice the replications, at most `CONFIRM_ROUNDS` times.
5. Pools with a roster table get shifts (`rostering.py`), repaired by simulation and
   confirmed the same way.

The plan is in agents on duty; a pool's shrinkage turns it into scheduled agents
(ceil(on duty / (1 - shrinkage))). Pools that serve no channel with a goal keep their own
staffing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.metrics.catalogue import label
from sim.metrics.display import number
from sim.model.staffing import duty_steps, paid_steps, scheduled_for, staffed_seconds
from sim.model.units import DAY, HOUR
from sim.runner import show
from sim.runner.executors import executor
from sim.runner.run import DEFAULT_REPLICATIONS, DEFAULT_SEED
from sim.scenario.load import load_scenario_data, parse_scenario
from sim.scenario.schema import MAX_NAME, Scenario
from sim.staffing.cells import Cell, Problem, StaffingError, build_problem
from sim.staffing.confirm import Confirmation, cells_table, confirm
from sim.staffing.evaluate import Evaluator, Sample, missed_cells
from sim.staffing.load import first_contacts
from sim.staffing.roster import RosterSolution
from sim.staffing.rostering import roster, roster_pools
from sim.staffing.sample import DEFAULT_MAX_REPLICATIONS, DEFAULT_PRECISION, replications_needed
from sim.staffing.search import DEFAULT_MAX_ITERATIONS, OnIteration, search
from sim.staffing.warm import warm_start, work_floor

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CONFIRM_ROUNDS = 3
SUFFIX = "-staffed"


@dataclass(frozen=True)
class StaffResult:
    """What `sim staff` computes.

    `plan`: interval_start, pool, required (agents on duty), agents (scheduled: required over
    1 - shrinkage, or the roster's scheduled agents), on_duty (what the staffed file puts on
    duty), warm_start (on duty), original (the scenario's own mean scheduled agents), one row
    per planned pool and interval. `cells`: per goal and interval, the search's value and
    verdict and the confirming run's value with its CI (targets.csv). `confirmation`: per
    goal over the horizon, on independent replications. `rosters`: the shifts of each pool
    with a roster table. `staffed` is the scenario with the plan, named `<name>-staffed`;
    `data` the same as TOML data (the file's own keys and values when it came from a file).
    """

    scenario: Scenario
    problem: Problem
    staffed: Scenario
    data: dict[str, Any]
    plan: pd.DataFrame
    cells: pd.DataFrame
    confirmation: Confirmation
    rosters: dict[str, RosterSolution]
    met: bool  # every goal met on the search's replications
    missed: list[Cell]
    original_missed: int  # judged cells the scenario's own staffing misses
    iterations: int
    simulations: int
    replications: int
    seed: int
    seconds: float

    def _title(self) -> str:
        verdict = "confirmed" if self.confirmation.met else "not confirmed"
        return (f"{self.scenario.name} staffed as {self.staffed.name}: {verdict} on "
                f"{self.confirmation.replications} confirming replications (searched on "
                f"{self.replications}, seed {self.seed})")

    def _hours(self) -> str:
        pools = self.pools()
        return "agent hours: " + ", ".join(
            f"{p.pool} {number(p.agent_hours)} (own staffing {number(p.original_agent_hours)})"
            for p in pools[pools.planned].itertuples())

    def __repr__(self) -> str:
        missed = [f"{g.key.removeprefix(show.POOL)} {label(g.metric)}"
                  for g in self.confirmation.goals.itertuples() if not g.met]
        return "\n  ".join([f"StaffResult {self._title()}", self._hours(),
                            *([f"missed: {', '.join(missed)}"] if missed else [])])

    def _repr_html_(self) -> str:
        return show.html([self._title(), self._hours()],
                         show.goal_table(self.confirmation.goals, self.scenario))

    def plot(self) -> Figure:
        """staffing.png as a matplotlib Figure, for a notebook."""
        from sim.report.staff import plot_plan

        return plot_plan(self)

    @property
    def judged(self) -> int:
        """Judged (goal key, interval) cells."""
        return len(self.problem.cells)

    def pools(self) -> pd.DataFrame:
        """Per pool: planned, rostered, agent_hours (paid) and cost of the result, the same
        for the per-interval curve (`curve_*`: the requirement over 1 - shrinkage, before
        shifts) and for the scenario's own staffing (`original_*`)."""
        rows = []
        for name, pool in self.scenario.pools.items():
            mine = self.plan[self.plan.pool == name]
            widths = _widths(self.scenario, mine.interval_start.to_numpy())
            if mine.empty:
                hours = curve = original = _paid_hours(self.scenario, name)
            else:
                hours = float((mine.agents * widths).sum() / HOUR)
                curve = float((mine.required.map(lambda r, s=pool.shrinkage:
                                                 scheduled_for(int(r), s)) * widths).sum()
                              / HOUR)
                original = float((mine.original * widths).sum() / HOUR)
            rate = pool.cost_per_hour
            rows.append((name, not mine.empty, name in self.rosters, hours, hours * rate,
                         curve, curve * rate, original, original * rate))
        return pd.DataFrame(rows, columns=["pool", "planned", "rostered", "agent_hours", "cost",
                                           "curve_agent_hours", "curve_cost",
                                           "original_agent_hours", "original_cost"])


def staff(scenario: Scenario | str | Path, replications: int = DEFAULT_REPLICATIONS,
          seed: int = DEFAULT_SEED, workers: int = 1, scheduler: str | None = None,
          max_iterations: int = DEFAULT_MAX_ITERATIONS, precision: float = DEFAULT_PRECISION,
          max_replications: int = DEFAULT_MAX_REPLICATIONS,
          on_iteration: OnIteration | None = None) -> StaffResult:
    """The cheapest staffing of `scenario` (a model or a file) that meets every goal (module
    doc). `replications` is the first sample; the count grows with `precision` up to
    `max_replications`. Runs in this process, on `workers` local processes or on dask
    (`scheduler`: "local" or tcp://HOST:PORT); the plan does not depend on where.
    StaffingError if there is nothing to staff for, or fewer than two replications."""
    if replications < 2:
        raise StaffingError("at least 2 replications: a target is judged with its spread")
    start = time.perf_counter()
    scenario, data = _source(scenario)
    problem = build_problem(scenario)
    with executor(workers, scheduler) as pool:
        pilot = Evaluator(problem, replications, seed, pool)
        own = pilot.run(problem.simulated())
        offered = _offered(problem, own)
        first = warm_start(problem, offered)
        n = replications_needed(pilot.sample(first), problem, offered, precision,
                                max(replications, max_replications))
        iterations, simulations, plan = 0, 2, first
        for _ in range(CONFIRM_ROUNDS):
            evaluator = Evaluator(problem, n, seed, pool)
            found = search(problem, plan, evaluator.verdict, max_iterations, on_iteration,
                           capacity=work_floor(problem, offered))
            iterations += found.iterations
            simulations += evaluator.simulations
            plan, sample, missed = found.plan, evaluator.sample(found.plan), found.missed
            rostered = None
            if roster_pools(problem):
                rostered = roster(problem, plan, evaluator)
                simulations += rostered.rounds
                sample, missed = rostered.sample, rostered.missed
            checker = Evaluator(problem, n, seed, pool, first=n)
            scheduled = problem.simulated(rostered.plan if rostered else plan,
                                          rostered.shifts if rostered else None)
            confirming = checker.run(scheduled)
            simulations += 1
            confirmation = confirm(confirming, problem, n)
            if confirmation.met or not found.met or n >= max_replications:
                break
            n = min(2 * n, max(max_replications, replications))
    required = rostered.plan if rostered else plan
    rosters = rostered.solutions if rostered else {}
    data = _staffed_data(data, problem, required, rostered.shifts if rostered else {})
    staffed = parse_scenario(data, source=f"{scenario.name}{SUFFIX}")
    return StaffResult(
        scenario=scenario, problem=problem, staffed=staffed,
        data=data,
        plan=_plan_table(problem, staffed, required, first),
        cells=cells_table(sample, confirming, problem),
        confirmation=confirmation,
        rosters=rosters,
        met=not missed,
        missed=sorted(missed, key=lambda cell: (cell[1], cell[0])),
        original_missed=len(missed_cells(own, problem)),
        iterations=iterations, simulations=simulations, replications=n, seed=seed,
        seconds=time.perf_counter() - start,
    )


def _source(scenario: Scenario | str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The validated scenario and its TOML data: the file's own (durations as written), or the
    model's."""
    if isinstance(scenario, Scenario):
        return scenario, scenario.model_dump(mode="json", exclude_none=True)
    return load_scenario_data(scenario)  # a bad file is refused here with its key path


def _staffed_data(data: dict[str, Any], problem: Problem, plan: np.ndarray,
                  shifts: dict[str, list[dict]]) -> dict[str, Any]:
    """The scenario data with each planned pool's staffing (in place of its own agents or
    shifts): its roster's `shifts`, or its scheduled agents per interval; named
    `<name>-staffed`."""
    pools = dict(data["pools"])
    for row, name in enumerate(problem.pools):
        rest = {k: v for k, v in pools[name].items() if k not in ("skills", "agents", "shifts")}
        shrinkage = problem.scenario.pools[name].shrinkage
        staffing = {"shifts": shifts[name]} if name in shifts else \
            {"agents": [scheduled_for(int(n), shrinkage) for n in plan[row]]}
        pools[name] = {"skills": pools[name]["skills"], **staffing, **rest}
    name = f"{data['name'][:MAX_NAME - len(SUFFIX)]}{SUFFIX}"  # still a valid name
    return {**data, "name": name, "pools": pools}


def _offered(problem: Problem, own: Sample) -> dict[str, np.ndarray]:
    """Expected contacts offered per channel and interval: first contacts computed from the
    scenario, later ones (retries, follow-ups, redirects) counted in the run of its own
    staffing."""
    first = first_contacts(problem.scenario, problem.edges)
    return {name: first[name] + np.maximum(own.mean(c, "offered") - own.mean(c, "first"), 0.0)
            for c, name in enumerate(problem.channels)}


def _widths(scenario: Scenario, starts: np.ndarray) -> np.ndarray:
    return np.minimum(starts + scenario.interval, scenario.horizon) - starts


def _mean_agents(scenario: Scenario, name: str, edges: np.ndarray,
                 steps=paid_steps) -> np.ndarray:
    """Mean agents of pool `name` per bin of `edges`: scheduled (`paid_steps`) or on duty."""
    steps_ = steps(scenario.pools[name], scenario.interval, 0.0, float(edges[-1]))
    return staffed_seconds(steps_, float(edges[-1]), edges) / np.diff(edges)


def _paid_hours(scenario: Scenario, name: str) -> float:
    edges = np.array([0.0, scenario.horizon])
    return float(_mean_agents(scenario, name, edges)[0] * scenario.horizon / HOUR)


def _plan_table(problem: Problem, staffed: Scenario, required: np.ndarray,
                first: np.ndarray) -> pd.DataFrame:
    """staffing.csv: per planned pool and interval, with clock times."""
    sc, edges = problem.scenario, problem.edges
    starts = edges[:-1]
    return pd.concat([pd.DataFrame({
        **clock_columns(starts, sc.horizon),
        "pool": name, "required": required[row],
        "agents": _mean_agents(staffed, name, edges),
        "on_duty": _mean_agents(staffed, name, edges, duty_steps),
        "warm_start": first[row], "original": _mean_agents(sc, name, edges),
    }) for row, name in enumerate(problem.pools)], ignore_index=True)


def clock_columns(starts: np.ndarray, horizon: float) -> dict[str, Any]:
    """interval_start (seconds), then day (on horizons over a day, from 1) and time (HH:MM)."""
    days = (starts // DAY).astype(int)
    minutes = np.round((starts % DAY) / 60).astype(int)
    out: dict[str, Any] = {"interval_start": starts}
    if horizon > DAY:
        out["day"] = days + 1
    out["time"] = [f"{m // 60:02d}:{m % 60:02d}" for m in minutes]
    return out
