"""The least-cost roster of real shifts with breaks for one pool's day: an integer program.
Pure (numpy, scipy.sparse and scipy.optimize.milp, i.e. HiGHS); knows nothing of the engine.

Formulation: Dantzig's set covering (1954) over the shift templates j = (start, length),
with Aykin's break variables (Management Science 42(4), 1996) for the placement: an integer
x_j (agents on template j) and, per start a, break k and feasible break start p, an integer
b_akp with sum_p b_akp = sum of x_j starting at a. Agents at work in slot t:
C_t = sum_j x_j [t in j] - sum_akp b_akp [t in break akp], and (1 - s) C_t >= requirement_t
(the engine puts floor((1 - s) N) of N scheduled agents on duty, so this is exact).
Why this form: one column per template x combination of break starts grows as the product
of the windows (6 x 7 x 6 = 252 columns per template on a usual day); this grows as their
sum (19 per start) and is exact: the windows are counted from the start and lie within the
shortest shift, so the templates of one start share them, and they are in order and
disjoint, so pairing the k-th break starts agent by agent never overlaps an agent's breaks.
Sharing them across lengths also halves the columns and the symmetry HiGHS must search.
Bechtold and Jacobs' implicit form is smaller still but allows one break per shift.

One rate per pool, so the least cost is the fewest paid hours (breaks are paid): the
objective is paid hours whatever `cost_per_hour`. With `max_agents`, a shortfall variable
per slot, priced above anything the allowed shifts could save, keeps the program solvable:
the solution says what is uncovered instead of failing. Without it every needed slot can be
covered (checked first), so the program is always feasible.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, csr_array

from sim.model.staffing import on_duty as duty_of
from sim.model.staffing import scheduled_for
from sim.model.units import DAY, HOUR
from sim.scenario.roster import Roster, compound_duration

TIME_LIMIT = 60.0  # seconds of HiGHS
RELATIVE_GAP = 0.01  # the last 1% of the proof is most of HiGHS's time on big rosters
MIN_SLOT = 60  # seconds: a finer grid means times off the minute, surely a typo
MAX_VARIABLES = 20_000
EPS = 1e-9


class RosterError(Exception):
    """A roster that cannot be solved; `str()` says what to change."""


@dataclass(frozen=True)
class RosterShift:
    """`count` agents starting at `start` (time of day, s) for `length` s, with breaks
    (at, length): `at` from the shift start."""

    start: float
    length: float
    count: int
    breaks: tuple[tuple[float, float], ...]


@dataclass(frozen=True, eq=False)
class RosterSolution:
    """The shifts and, per slot of `slot` seconds over the day: the on-duty requirement,
    the scheduled agents at work (on shift, not on break) and the on-duty coverage after
    shrinkage. `shortfall`: on-duty agent-slots short of the requirement (0 unless
    `max_agents` binds). `gap`: HiGHS's relative MIP gap (of the objective with the
    shortfall penalty). `status`: "optimal" (within the requested gap), "time limit" (the
    best roster found; see `gap`) or HiGHS's message."""

    shifts: tuple[RosterShift, ...]
    slot: float
    requirement: np.ndarray
    scheduled: np.ndarray
    coverage: np.ndarray
    paid_hours: float
    cost: float
    gap: float
    status: str
    shortfall: int


def on_duty(scheduled: np.ndarray, shrinkage: float) -> np.ndarray:
    """The engine's rule (`sim.model.staffing.on_duty`), per slot."""
    n = np.asarray(scheduled)
    return np.array([duty_of(int(k), shrinkage) for k in n.ravel()],
                    dtype=np.int64).reshape(n.shape)


def scheduled_needed(requirement: np.ndarray, shrinkage: float) -> np.ndarray:
    """The fewest scheduled agents whose on-duty share reaches `requirement`, per slot."""
    r = np.asarray(requirement)
    return np.array([scheduled_for(int(k), shrinkage) for k in r.ravel()],
                    dtype=np.int64).reshape(r.shape)


def solve_roster(requirement: np.ndarray, interval: float, roster: Roster,
                 shrinkage: float = 0.0, cost_per_hour: float = 0.0, *,
                 time_limit: float = TIME_LIMIT,
                 relative_gap: float = RELATIVE_GAP) -> RosterSolution:
    """The least-cost shifts of `roster` that put `requirement[i]` agents on duty in every
    slot of interval i of one day (cyclic: a shift past midnight covers the early slots).
    RosterError on bad input, a grid too fine or too large, or a needed time no shift
    covers."""
    if not 0.0 <= shrinkage < 1.0:
        raise RosterError(f"shrinkage is in [0, 1) (got {shrinkage:g})")
    if not (math.isfinite(cost_per_hour) and cost_per_hour >= 0):
        raise RosterError(f"cost_per_hour is a number >= 0 (got {cost_per_hour:g})")
    program = _Program(_requirement(requirement, interval), interval, roster, shrinkage)
    res = milp(program.objective(), integrality=program.integrality(),
               bounds=program.bounds(), constraints=program.constraints(),
               options={"time_limit": float(time_limit), "mip_rel_gap": float(relative_gap),
                        "disp": False})
    if res.x is None:
        raise RosterError(f"HiGHS found no roster ({res.message}): raise the time limit "
                          "or give fewer starts")
    status = {0: "optimal", 1: "time limit"}.get(res.status, str(res.message))
    gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
    return program.solution(np.rint(res.x).astype(np.int64), shrinkage, cost_per_hour,
                            gap, status)


def as_shifts(solution: RosterSolution) -> list[dict]:
    """The scenario-file form of the shifts: [{start, length, count, breaks=[{at, length}]}]
    with durations such as "7h30min" (no `breaks` key when the roster has none)."""
    out = []
    for s in solution.shifts:
        shift: dict = {"start": compound_duration(s.start),
                       "length": compound_duration(s.length), "count": s.count}
        if s.breaks:
            shift["breaks"] = [{"at": compound_duration(at), "length": compound_duration(n)}
                               for at, n in s.breaks]
        out.append(shift)
    return out


def _requirement(requirement: np.ndarray, interval: float) -> np.ndarray:
    r = np.asarray(requirement)
    per_day = DAY / interval if interval > 0 else 0.0
    if r.ndim != 1 or abs(per_day - round(per_day)) > EPS or len(r) != round(per_day):
        raise RosterError(f"the requirement is one count per interval of one day: "
                          f"{per_day:g} values for an interval of {interval:g} s, got "
                          f"shape {r.shape}")
    if not (np.all(np.isfinite(r)) and np.all(r >= 0) and np.all(r == np.round(r))):
        raise RosterError("the requirement holds whole numbers of agents, >= 0")
    return r.astype(np.int64)


def _whole(seconds: float, what: str) -> int:
    n = round(seconds)
    if abs(seconds - n) > 1e-6:
        raise RosterError(f"{what} ({seconds:g} s) is not a whole number of seconds")
    return n


def _clock(seconds: int) -> str:
    h, rest = divmod(int(seconds) % int(DAY), 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


class _Program:
    """The integer program on a slot grid. Columns: x_j per template (start-major), then
    b_ikp per start i, break k and break start p, then (with `max_agents`) shortfall_t."""

    def __init__(self, requirement: np.ndarray, interval: float, roster: Roster,
                 shrinkage: float) -> None:
        starts = [_whole(v, "a start") for v in roster.start_times()]
        lengths = [_whole(v, "a shift length") for v in roster.shift_lengths()]
        breaks = [(_whole(b.length, "a break length"), _whole(b.earliest, "a break's earliest"),
                   _whole(b.latest, "a break's latest")) for b in roster.breaks]
        step = math.gcd(_whole(interval, "the interval"), *starts, *lengths,
                        *(v for b in breaks for v in b))
        if step < MIN_SLOT:
            raise RosterError(f"the interval and the roster's times fall on a {step} s grid, "
                              f"finer than 1 minute: put starts, lengths and break windows "
                              f"on whole minutes (15 minutes keep the program small)")
        self.step, self.slots = step, round(DAY) // step
        self.starts = [a // step for a in starts]
        self.lengths = [n // step for n in lengths]
        self.templates = [(i, n) for i in range(len(starts)) for n in self.lengths]
        # per break: (length, first start, number of starts) in slots from the shift start
        self.breaks = [(n // step, lo // step, (hi - n - lo) // step + 1) for n, lo, hi in breaks]
        self.nx = len(self.templates)
        self.per_start = sum(count for _, _, count in self.breaks)
        self.nb = len(starts) * self.per_start
        self.short = self.slots if roster.max_agents is not None else 0
        self.nvars = self.nx + self.nb + self.short
        if self.nvars > MAX_VARIABLES:
            raise RosterError(
                f"the roster makes {self.nvars:,} variables ({self.nx:,} shift templates, "
                f"{self.nb:,} break starts, {self.slots:,} slots of "
                f"{compound_duration(step)}), more than {MAX_VARIABLES:,}: give fewer starts "
                f"or lengths, narrower break windows, or put every time on a coarser grid")
        self.max_agents = roster.max_agents
        self.requirement = np.repeat(requirement, round(interval) // step)
        self.need = scheduled_needed(self.requirement, shrinkage)
        self.cover = self._coverage()
        self._check_coverable()

    def _break_columns(self, i: int) -> list[tuple[int, int, np.ndarray]]:
        """(first column, length, absolute start slots) of each break of start i."""
        out, col = [], self.nx + i * self.per_start
        for length, lo, count in self.breaks:
            out.append((col, length, self.starts[i] + lo + np.arange(count)))
            col += count
        return out

    def _coverage(self) -> csr_array:
        """C_t as a (slots x columns) matrix: +1 on shift, -1 on break, +1 shortfall."""
        rows, cols, vals = [], [], []
        for j, (i, n) in enumerate(self.templates):
            rows.append((self.starts[i] + np.arange(n)) % self.slots)
            cols.append(np.full(n, j))
            vals.append(np.ones(n))
        for i in range(len(self.starts)):
            for col, length, at in self._break_columns(i):
                rows.append(((at[:, None] + np.arange(length)) % self.slots).ravel())
                cols.append(np.repeat(col + np.arange(len(at)), length))
                vals.append(-np.ones(len(at) * length))
        if self.short:
            rows.append(np.arange(self.slots))
            cols.append(self.nx + self.nb + np.arange(self.slots))
            vals.append(np.ones(self.slots))
        return coo_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(self.slots, self.nvars)).tocsr()

    def _check_coverable(self) -> None:
        """A needed slot that every template misses (or always has on break) is refused."""
        can = np.zeros(self.slots, dtype=bool)
        for i, n in self.templates:
            a = self.starts[i]
            works = np.zeros(self.slots, dtype=bool)
            works[(a + np.arange(n)) % self.slots] = True
            for length, lo, count in self.breaks:  # on break from every start p:
                always = a + np.arange(lo + count - 1, lo + length)  # last p <= u < lo + len
                works[always % self.slots] = False
            can |= works
        missing = np.flatnonzero((self.need > 0) & ~can)
        if missing.size:
            t = int(missing[0])
            raise RosterError(f"no shift of the roster works at {_clock(t * self.step)}, "
                              f"where {self.requirement[t]} agents must be on duty: add a "
                              "start or a longer shift that covers it")

    def _hours(self) -> np.ndarray:
        return np.array([n * self.step / HOUR for _, n in self.templates])

    def objective(self) -> np.ndarray:
        """Paid hours; a scheduled agent-slot short costs more than any set of the shifts
        `max_agents` allows could save, so shortfall is the last resort."""
        hours = self._hours()
        agents = min(self.max_agents or 1, int(self.need.sum()) + 1)
        penalty = float(hours.max()) * (1 + agents)
        return np.concatenate([hours, np.zeros(self.nb), np.full(self.short, penalty)])

    def integrality(self) -> np.ndarray:
        return np.concatenate([np.ones(self.nx + self.nb), np.zeros(self.short)])

    def bounds(self) -> Bounds:
        upper = np.concatenate([np.full(self.nx + self.nb, np.inf),
                                self.need[:self.short].astype(float)])
        return Bounds(np.zeros(self.nvars), upper)

    def constraints(self) -> list[LinearConstraint]:
        out = [LinearConstraint(self.cover, self.need.astype(float), np.inf)]
        if self.nb:  # sum_p b_ikp = sum of x_j starting at i, one row per (start, break)
            rows, cols, vals = [], [], []
            per_start = len(self.lengths)
            for i in range(len(self.starts)):
                for k, (col, _, at) in enumerate(self._break_columns(i)):
                    row = i * len(self.breaks) + k
                    rows += [row] * (len(at) + per_start)
                    cols += [*range(col, col + len(at)),
                             *range(i * per_start, (i + 1) * per_start)]
                    vals += [1.0] * len(at) + [-1.0] * per_start
            link = coo_array((vals, (rows, cols)),
                             shape=(len(self.starts) * len(self.breaks), self.nvars)).tocsr()
            out.append(LinearConstraint(link, 0.0, 0.0))
        if self.max_agents is not None:
            ones = csr_array(np.concatenate([np.ones(self.nx), np.zeros(self.nvars - self.nx)])
                             [None, :])
            out.append(LinearConstraint(ones, 0.0, float(self.max_agents)))
        return out

    def solution(self, x: np.ndarray, shrinkage: float, cost_per_hour: float, gap: float,
                 status: str) -> RosterSolution:
        x = x.copy()
        x[self.nx + self.nb:] = 0  # the shortfall is not an agent
        scheduled = (self.cover @ x).astype(np.int64)
        coverage = on_duty(scheduled, shrinkage)
        paid = float(self._hours() @ x[:self.nx])
        return RosterSolution(
            shifts=self._shifts(x), slot=float(self.step), requirement=self.requirement,
            scheduled=scheduled, coverage=coverage, paid_hours=paid,
            cost=paid * cost_per_hour, gap=gap, status=status,
            shortfall=int(np.maximum(self.requirement - coverage, 0).sum()))

    def _shifts(self, x: np.ndarray) -> tuple[RosterShift, ...]:
        """The agents of one start, whatever their length, take the break starts of that
        start in order: agent a the a-th earliest of every break (the windows are disjoint
        and within the shortest shift, so any pairing is valid); identical agents are
        counted together."""
        out: Counter[tuple] = Counter()
        per_start = len(self.lengths)
        for i, a in enumerate(self.starts):
            counts = x[i * per_start:(i + 1) * per_start]
            agents = np.repeat(self.lengths, counts)
            per_break = []
            for col, length, at in self._break_columns(i):
                placed = np.repeat(at - a, x[col:col + len(at)])
                if len(placed) != len(agents):
                    raise AssertionError("break starts do not add up to the start's agents")
                per_break.append([(int(p) * self.step, length * self.step) for p in placed])
            for k, n in enumerate(agents):
                out[(a * self.step, int(n) * self.step,
                     tuple(placed[k] for placed in per_break))] += 1
        return tuple(RosterShift(float(a), float(n), count,
                                 tuple((float(p), float(m)) for p, m in brk))
                     for (a, n, brk), count in sorted(out.items()))
