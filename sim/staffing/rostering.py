"""From a per-interval requirement to rosters of real shifts, repaired by simulation.

Each pool with a `roster` table gets the least-cost set of its shift templates that covers
its requirement (`sim.staffing.roster`, an integer program). The rostered scenario is then
simulated on the search's replications; wherever a goal is missed, the requirement of the
pool that answers for the cell (`Problem.needs`) grows by one and the rosters are solved
again, until nothing is missed or `max_rounds`. Pools without a roster keep their
per-interval plan, which grows the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.units import DAY
from sim.staffing.cells import Cell, Problem, StaffingError
from sim.staffing.evaluate import Evaluator, Sample, missed_cells
from sim.staffing.roster import RosterError, RosterSolution, as_shifts, solve_roster

MAX_ROUNDS = 10


@dataclass(frozen=True)
class Rostered:
    """The rosters (per pool), the plan of the other rows, the requirement the rosters were
    solved for, and the search-sample result of the last round."""

    solutions: dict[str, RosterSolution]
    plan: np.ndarray  # on-duty requirement per planned pool and interval (after repairs)
    sample: Sample
    missed: frozenset[Cell]
    rounds: int

    @property
    def shifts(self) -> dict[str, list[dict]]:
        return {name: as_shifts(s) for name, s in self.solutions.items()}


def roster_pools(problem: Problem) -> list[str]:
    """Planned pools with a roster table, in plan order."""
    return [name for name in problem.pools if problem.scenario.pools[name].roster is not None]


def roster(problem: Problem, plan: np.ndarray, evaluator: Evaluator,
           max_rounds: int = MAX_ROUNDS) -> Rostered:
    """Solve, simulate and repair as the module says."""
    requirement = np.array(plan, dtype=np.int64)
    for k in range(1, max_rounds + 1):
        solutions = solve_all(problem, requirement)
        shifts = {name: as_shifts(s) for name, s in solutions.items()}
        sample = evaluator.run(problem.simulated(requirement, shifts))
        missed = missed_cells(sample, problem)
        if not missed or k == max_rounds:
            return Rostered(solutions, requirement, sample, missed, k)
        requirement = requirement + problem.needs(missed)
    raise AssertionError("unreachable")


def solve_all(problem: Problem, requirement: np.ndarray) -> dict[str, RosterSolution]:
    """The least-cost roster of every roster pool for its row of `requirement`."""
    out = {}
    for row, name in enumerate(problem.pools):
        pool = problem.scenario.pools[name]
        if pool.roster is None:
            continue
        try:
            out[name] = solve_roster(day_requirement(problem, requirement[row]),
                                     problem.scenario.interval, pool.roster, pool.shrinkage,
                                     pool.cost_per_hour)
        except RosterError as err:
            raise StaffingError(f"pools.{name}.roster: {err}") from None
    return out


def day_requirement(problem: Problem, row: np.ndarray) -> np.ndarray:
    """Agents on duty needed per interval of the day: the most any day of the judged span
    (the horizon and its extension, where the plan repeats) needs at that time of day. The
    warm-up gets what the roster has at its time of day, as the day before would."""
    sc = problem.scenario
    per_day = DAY / sc.interval
    if abs(per_day - round(per_day)) > 1e-9:
        raise StaffingError(f"interval: a roster is planned per day, so the interval must "
                            f"divide 24h (got {sc.interval:g} s)")
    slots = round(per_day)
    out = np.zeros(slots, dtype=np.int64)
    for k in range(len(row) + round(problem.extension / sc.interval)):
        slot = k % slots
        out[slot] = max(out[slot], int(row[k % len(row)]))
    return out
