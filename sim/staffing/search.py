"""The search for the fewest agents that meet every judged target. Pure: the simulation comes in
as `missed(plan)`, the judged cells a plan misses.

Each plan cell (pool, interval) has a step, 1 at first.
1. Add: while some cell misses, add agents where the misses want them (`Problem.needs`): one
   per missed cell, and twice the last step where the same plan cell was short last time too
   (a long shortfall, e.g. a morning backlog, closes in a few iterations, not one by one).
2. Remove: take its step off every plan cell not yet known to be needed, on every other
   interval (even ones, then odd ones, so that one interval's miss rarely has two suspects).
   Cells a miss can be blamed on (`Problem.blame`: the serving pools, near the missed
   interval; failing that, anywhere; failing that, the whole batch) get their agents back and
   try half the step next time; at a step of 1 they are frozen. The rest is tried again,
   until the trial meets every target: then it is kept, and those cells try twice the step
   next time. A removal is kept only when the whole plan is seen to meet every target.
3. Stop when every plan cell is frozen or at zero, or after `max_iterations` plans.

With common random numbers `missed` is a deterministic function of the plan, so the result
meets every target in the simulation and no plan cell of it can lose one agent (in its batch)
without a miss; it is a local optimum, not a proven global one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.staffing.cells import Cell, Problem

Missed = Callable[[np.ndarray], frozenset[Cell]]
OnIteration = Callable[[int, np.ndarray, frozenset[Cell]], None]  # (iteration, plan, missed)


@dataclass(frozen=True)
class Search:
    """The best plan found: `met` when it meets every target (else the last plan tried, with
    the cells it misses); `iterations`: plans judged."""

    plan: np.ndarray
    met: bool
    missed: frozenset[Cell]
    iterations: int


class _Judge:
    """`missed`, counting the plans judged and reporting each to `on_iteration`."""

    def __init__(self, missed: Missed, on_iteration: OnIteration | None) -> None:
        self.missed, self.on_iteration, self.count = missed, on_iteration, 0

    def __call__(self, plan: np.ndarray) -> frozenset[Cell]:
        self.count += 1
        result = self.missed(plan)
        if self.on_iteration:
            self.on_iteration(self.count, plan, result)
        return result


def search(problem: Problem, start: np.ndarray, missed: Missed, max_iterations: int,
           on_iteration: OnIteration | None = None) -> Search:
    """Add agents until every target is met, then remove what is not needed (module doc)."""
    judge = _Judge(missed, on_iteration)
    plan = np.maximum(np.asarray(start, dtype=np.int64), 0)
    step = np.zeros_like(plan)
    misses = judge(plan)
    while misses:
        if judge.count >= max_iterations:
            return Search(plan, False, misses, judge.count)
        wanted = problem.needs(misses)
        step = np.where(wanted > 0, np.maximum(wanted, 2 * step), 0)
        plan = plan + step
        misses = judge(plan)
    best = _remove(problem, plan, judge, max_iterations)
    return Search(best, True, frozenset(), judge.count)


def _remove(problem: Problem, best: np.ndarray, judge: _Judge, max_iterations: int,
            ) -> np.ndarray:
    """Phase 2 from `best`, a plan known to meet every target; returns the cheapest seen."""
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
            misses = judge(trial)
            if not misses:
                best = trial
                step = np.where(batch, 2 * step, step)
                break
            blamed = problem.blame(misses) & batch
            if not blamed.any():  # nothing near explains it: the serving pools' removals
                blamed = problem.blame(misses, near=False) & batch
            if not blamed.any():  # nothing at all: give all of the batch back
                blamed = batch
            frozen |= blamed & (cut <= 1)
            step = np.where(blamed, np.maximum(cut // 2, 1), step)
            trial = trial + np.where(blamed, cut, 0)
            batch = batch & ~blamed
            if not batch.any():  # back at `best`, already known to meet every target
                break
    return best
