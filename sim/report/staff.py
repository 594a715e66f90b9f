"""The outputs of `sim staff`, each written atomically: `<name>-staffed.toml` (the scenario with
the plan), staffing.csv (agents per interval and pool, with clock times), roster.csv (the
shifts of rostered pools), targets.csv (every goal per interval: the search's value, the
confirming run's with its CI), staffing.png and run.json."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import __version__
from sim.files.atomic import write_atomic, write_text_atomic
from sim.files.tables import write_csv
from sim.metrics.display import HOUR
from sim.report.figures import panels, png, style
from sim.report.plots import clock, time_of_day_axis
from sim.runner.run import scenario_hash
from sim.scenario.toml import dumps
from sim.staffing.staff import StaffResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_staff(result: StaffResult, out: Path, workers: int,
                scheduler: str | None = None) -> list[Path]:
    """Write every output of `result` into `out`; returns the paths, the staffed file first."""
    header = (f"# {result.scenario.name} staffed by `sim staff` (seed {result.seed}, "
              f"{result.replications} replications): each planned pool's shifts (rostered) "
              f"or scheduled agents per {result.scenario.interval:g} s interval from t=0, "
              "repeating.\n")
    return [
        write_text_atomic(out / f"{result.staffed.name}.toml",
                          header + dumps(result.data)),
        write_csv(out / "staffing.csv", result.plan),
        write_csv(out / "roster.csv", roster_table(result)),
        write_csv(out / "targets.csv", result.cells),
        write_atomic(out / "staffing.png", lambda p: p.write_bytes(png(plot_plan(result)))),
        write_text_atomic(out / "run.json",
                          json.dumps(staff_info(result, workers, scheduler), indent=2)),
    ]


def roster_table(result: StaffResult) -> pd.DataFrame:
    """One row per shift of every rostered pool: start, end, breaks (HH:MM-HH:MM; ...),
    count, paid hours and cost."""
    rows = []
    for name, solution in result.rosters.items():
        rate = result.scenario.pools[name].cost_per_hour
        for shift in solution.shifts:
            breaks = "; ".join(f"{clock((shift.start + at) / HOUR)}-"
                               f"{clock((shift.start + at + length) / HOUR)}"
                               for at, length in shift.breaks)
            paid = shift.count * shift.length / HOUR
            rows.append((name, clock(shift.start / HOUR),
                         clock((shift.start + shift.length) / HOUR), shift.length / HOUR,
                         breaks, shift.count, paid, paid * rate))
    return pd.DataFrame(rows, columns=["pool", "start", "end", "length_hours", "breaks",
                                       "count", "paid_hours", "cost"])


def missed_text(result: StaffResult, shown: int = 5) -> str:
    """The first missed targets, e.g. "twitter at 08:00, phone at 11:30, ..."."""
    cells = [f"{channel} at {clock(i * result.scenario.interval / HOUR)}"
             for channel, i in result.missed[:shown]]
    return ", ".join(cells) + (", ..." if len(result.missed) > shown else "")


def staff_info(result: StaffResult, workers: int, scheduler: str | None = None) -> dict:
    """What run.json holds: enough to reproduce the plan and to see what it cost."""
    return {
        "version": __version__,
        "command": "staff",
        "scenario": result.scenario.name,
        "scenario_hash": scenario_hash(result.scenario),
        "staffed_hash": scenario_hash(result.staffed),
        "seed": result.seed,
        "replications": result.replications,
        "workers": workers,
        "scheduler": scheduler,
        "method": "Erlang C/A warm start on the computed load; simulation on common random "
                  "numbers moves a cell only on evidence (95% CI); replications set by the "
                  "precision the decisions need; confirmed on independent replications; "
                  "rosters by set covering with break placement (HiGHS), repaired by "
                  "simulation",
        "targets_met": result.met,
        "cells": result.judged,
        "cells_missed": len(result.missed),
        "cells_missed_by_original": result.original_missed,
        "iterations": result.iterations,
        "simulations": result.simulations,
        "confirmation": {
            "replications": result.confirmation.replications,
            "first_replication": result.confirmation.first,
            "met": result.confirmation.met,
            "goals": result.confirmation.goals.to_dict(orient="records"),
        },
        "rosters": {name: {"paid_hours": s.paid_hours, "cost": s.cost, "gap": s.gap,
                           "status": s.status, "shortfall": s.shortfall,
                           "shifts": int(sum(x.count for x in s.shifts))}
                    for name, s in result.rosters.items()},
        "pools": result.pools().to_dict(orient="records"),
        "timings": {"total_seconds": round(result.seconds, 3)},
        "python": platform.python_version(),
    }


def plot_plan(result: StaffResult) -> Figure:
    """staffing.png: per planned pool, agents on duty against the requirement (a roster's
    coverage, or the per-interval plan), the scheduled agents, the warm start and the
    scenario's own staffing."""
    pools = list(dict.fromkeys(result.plan.pool))
    fig, axes = panels(len(pools), 1, width=9.0, height=2.6)
    horizon = result.scenario.horizon
    lines = (("required", "required on duty", dict(color="C3", lw=1.2)),
             ("on_duty", "on duty", dict(color="C0", lw=1.8)),
             ("agents", "scheduled", dict(color="C2", lw=1.1)),
             ("warm_start", "warm start (Erlang C / load)", dict(color="C1", lw=1.0, ls="--")),
             ("original", "scenario file (scheduled)", dict(color="0.45", lw=1.0, ls=":")))
    for ax, name in zip(axes, pools, strict=False):
        rows = result.plan[result.plan.pool == name]
        x = np.append(rows.interval_start.to_numpy(), horizon) / HOUR
        top = float(rows[[c for c, _, _ in lines]].to_numpy(float).max())
        for column, label, line in lines:
            values = rows[column].to_numpy(float)
            ax.step(x, np.append(values, values[-1]), where="post", label=label, **line)
        style(ax)
        time_of_day_axis(ax, horizon, label=ax is axes[len(pools) - 1])
        ax.set_ylim(0, max(top, 1) * 1.35)  # room for the legend
        ax.set_ylabel("agents", fontsize=8)
        skills = ", ".join(result.scenario.pools[name].skills)
        kind = "roster" if name in result.rosters else "per interval"
        ax.set_title(f"{name} ({skills}): {kind}", fontsize=10)
        ax.legend(fontsize=7, frameon=False, ncols=3, loc="upper left")
    verdict = "meets every target" if result.confirmation.met else "misses targets"
    fig.suptitle(f"{result.scenario.name}: agents per interval (confirming run {verdict})",
                 fontsize=11)
    fig.supxlabel(f"searched on {result.replications} replications of seed {result.seed} "
                  "(a cell is met when its pooled value is); confirmed on as many others",
                  fontsize=8, color="0.3")
    return fig
