"""The search for the fewest agents that meet every judged goal. Pure: the simulation comes in
as `judge(plan)`, a `Verdict` on each judged cell.

A plan cell changes only on evidence. The theory-based start (Erlang C on a stationary
piece) stands unless the simulation shows, beyond its sampling error, that it is wrong: an
agent is added where a goal is significantly missed (the cell's 95% CI lies on the wrong
side of it), and removed only where every goal of that interval is still significantly met
without it. A cell whose value is within sampling error of its goal keeps what it has: so on
a stationary piece the plan stays Erlang C's c unless the simulation disagrees with theory
beyond its CI, and noise can move it by one agent (a false alarm at 2.5%), not more.

Each plan cell (pool, interval) has a step, 1 at first.
1. Add: while some cell is significantly missed, add agents where the misses want them
   (`Problem.needs`): one per missed cell, and twice the last step where the same plan cell
   was short last time too (a long shortfall, e.g. a morning backlog, closes in a few
   iterations, not one by one).
2. Remove: take its step off every plan cell not yet known to be needed, on every other
   interval (even ones, then odd ones, so that one interval's miss rarely has two suspects).
   A trial fails on a cell it makes significantly missed, on one it makes unsure (it was
   significantly met before), and on an unsure cell in the interval of a removal. The plan
   cells such a failure can be blamed on (`Problem.blame`: the serving pools, near the
   interval; failing that, anywhere; failing that, the whole batch) get their agents back and
   try half the step next time; at a step of 1 they are frozen. The rest is tried again,
   until a trial does not fail: then it is kept, and those cells try twice the step next time.
   A removal that leaves a pool fewer agent-seconds on duty than the work it must do
   (`capacity`) is refused without a simulation: over a finite run, a team that cannot do a
   day's work in a day may still look on time (its backlog falls after the horizon), but it
   is not a plan for the next day.
3. Stop when every plan cell is frozen or at zero, or after `max_iterations` plans.

With common random numbers the verdict is a deterministic function of the plan, so the result
has no significantly missed cell on its replications and no plan cell of it can lose one agent
(in its batch) without failing; it is a local optimum, not a proven global one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.staffing.cells import Cell, Problem

DEFAULT_MAX_ITERATIONS = 100  # plans tried at most


@dataclass(frozen=True)
class Verdict:
    """Judged cells significantly missing a goal (`missed`), and those not significantly
    meeting every goal (`unsure`, which includes the missed)."""

    missed: frozenset[Cell]
    unsure: frozenset[Cell]


Judge = Callable[[np.ndarray], Verdict]
OnIteration = Callable[[int, np.ndarray, frozenset[Cell]], None]  # (iteration, plan, missed)


@dataclass(frozen=True)
class Search:
    """The best plan found: `met` when no cell is significantly missed (else the last plan
    tried, with the cells it misses); `iterations`: plans judged."""

    plan: np.ndarray
    met: bool
    missed: frozenset[Cell]
    iterations: int


class _Counted:
    """`judge`, counting the plans judged and reporting each to `on_iteration`."""

    def __init__(self, judge: Judge, on_iteration: OnIteration | None) -> None:
        self.judge, self.on_iteration, self.count = judge, on_iteration, 0

    def __call__(self, plan: np.ndarray) -> Verdict:
        self.count += 1
        result = self.judge(plan)
        if self.on_iteration:
            self.on_iteration(self.count, plan, result.missed)
        return result


def search(problem: Problem, start: np.ndarray, judge: Judge, max_iterations: int,
           on_iteration: OnIteration | None = None,
           capacity: np.ndarray | None = None) -> Search:
    """Add agents until no goal is significantly missed, then remove what is not needed
    (module doc); never below `capacity` agent-seconds on duty per row, if given."""
    counted = _Counted(judge, on_iteration)
    plan = np.maximum(np.asarray(start, dtype=np.int64), 0)
    step = np.zeros_like(plan)
    verdict = counted(plan)
    while verdict.missed:
        if counted.count >= max_iterations:
            return Search(plan, False, verdict.missed, counted.count)
        wanted = problem.needs(verdict.missed)
        step = np.where(wanted > 0, np.maximum(wanted, 2 * step), 0)
        plan = plan + step
        verdict = counted(plan)
    best = _remove(problem, plan, verdict, counted, max_iterations, capacity)
    return Search(best, True, frozenset(), counted.count)


def _short_rows(plan: np.ndarray, capacity: np.ndarray | None, problem: Problem) -> np.ndarray:
    """Per row: are its agent-seconds on duty below `capacity` (the work it must do)?"""
    if capacity is None:
        return np.zeros(len(plan), dtype=bool)
    return (plan * np.diff(problem.edges)).sum(axis=1) < capacity - 1e-6


def _remove(problem: Problem, best: np.ndarray, verdict: Verdict, judge: _Counted,
            max_iterations: int, capacity: np.ndarray | None) -> np.ndarray:
    """Phase 2 from `best` (with `verdict`: nothing missed); returns the cheapest seen."""
    step = np.ones_like(best)
    frozen = np.zeros(best.shape, dtype=bool)
    parity = (np.arange(problem.intervals) % 2)[np.newaxis, :]
    idle_turns, turn = 0, 0
    while idle_turns < 2 and judge.count < max_iterations:
        batch = (best > 0) & ~frozen & (parity == turn % 2)
        turn += 1
        if not batch.any():
            idle_turns += 1
            continue
        idle_turns = 0
        cut = np.where(batch, np.minimum(step, best), 0)
        trial = best - cut
        while judge.count < max_iterations:
            short = _short_rows(trial, capacity, problem)
            if short.any():  # cannot do the day's work: no need to simulate
                blamed = batch & short[:, np.newaxis]
            else:
                found = judge(trial)
                failing = _failing(problem, found, verdict, batch)
                if not failing:
                    best, verdict = trial, found
                    step = np.where(batch, 2 * step, step)
                    break
                blamed = problem.blame(failing) & batch
                if not blamed.any():  # nothing near explains it: the serving pools' removals
                    blamed = problem.blame(failing, near=False) & batch
                if not blamed.any():  # nothing at all: give all of the batch back
                    blamed = batch
            frozen |= blamed & (cut <= 1)
            step = np.where(blamed, np.maximum(cut // 2, 1), step)
            trial = trial + np.where(blamed, cut, 0)
            batch = batch & ~blamed
            if not batch.any():  # back at `best`, already judged
                break
    return best


def _failing(problem: Problem, trial: Verdict, before: Verdict,
             batch: np.ndarray) -> frozenset[Cell]:
    """Why a removal trial fails: cells it makes missed or unsure, and unsure cells in the
    interval of a removal (module doc)."""
    removed_in = {(key, i) for key, i in trial.unsure
                  if any(batch[row, i] for row in problem.serving[key])}
    return trial.missed | (trial.unsure - before.unsure) | frozenset(removed_in)
