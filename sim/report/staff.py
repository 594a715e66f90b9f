"""The outputs of `sim staff`, each written atomically: `<name>-staffed.toml` (the scenario with
the plan), staffing.csv (agents per interval and pool), targets.csv (service level against
target per interval and channel), staffing.png and run.json."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim import __version__
from sim.report.atomic import write_atomic, write_text_atomic
from sim.report.figures import panels, png, style
from sim.report.formats import HOUR
from sim.report.plots import clock, time_of_day_axis
from sim.report.toml import dumps
from sim.runner.run import scenario_hash
from sim.staffing.staff import StaffResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def write_staff(result: StaffResult, out: Path, workers: int,
                scheduler: str | None = None) -> list[Path]:
    """Write every output of `result` into `out`; returns the paths, the staffed file first."""
    header = (f"# {result.scenario.name} staffed by `sim staff` (seed {result.seed}, "
              f"{result.replications} replications): each planned pool's agents per "
              f"{result.scenario.interval:g} s interval from t=0, repeating.\n")
    return [
        write_text_atomic(out / f"{result.staffed.name}.toml",
                          header + dumps(result.data)),
        write_atomic(out / "staffing.csv", lambda p: result.plan.to_csv(p, index=False)),
        write_atomic(out / "targets.csv", lambda p: result.levels.to_csv(p, index=False)),
        write_atomic(out / "staffing.png", lambda p: p.write_bytes(png(plot_plan(result)))),
        write_text_atomic(out / "run.json",
                          json.dumps(staff_info(result, workers, scheduler), indent=2)),
    ]


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
        "targets_met": result.met,
        "cells": result.cells,
        "cells_missed": len(result.missed),
        "cells_missed_by_original": result.original_missed,
        "iterations": result.iterations,
        "simulations": result.simulations,
        "pools": result.pools().to_dict(orient="records"),
        "timings": {"total_seconds": round(result.seconds, 3)},
        "python": platform.python_version(),
    }


def plot_plan(result: StaffResult) -> Figure:
    """staffing.png: agents per interval of each planned pool: the plan, the warm start and
    the scenario's own staffing."""
    pools = list(dict.fromkeys(result.plan.pool))
    fig, axes = panels(len(pools), 1, width=9.0, height=2.6)
    horizon = result.scenario.horizon
    for ax, name in zip(axes, pools, strict=False):
        rows = result.plan[result.plan.pool == name]
        x = np.append(rows.interval_start.to_numpy(), horizon) / HOUR
        top = float(rows[["agents", "warm_start", "original"]].to_numpy(float).max())
        for column, label, line in (("agents", "plan", dict(color="C0", lw=1.8)),
                                    ("warm_start", "warm start (Erlang C / load)",
                                     dict(color="C1", lw=1.1, ls="--")),
                                    ("original", "scenario file",
                                     dict(color="0.45", lw=1.1, ls=":"))):
            values = rows[column].to_numpy(float)
            ax.step(x, np.append(values, values[-1]), where="post", label=label, **line)
        style(ax)
        time_of_day_axis(ax, horizon, label=ax is axes[len(pools) - 1])
        ax.set_ylim(0, max(top, 1) * 1.3)  # room for the legend
        ax.set_ylabel("agents", fontsize=8)
        skills = ", ".join(result.scenario.pools[name].skills)
        ax.set_title(f"{name} ({skills})", fontsize=10)
    axes[0].legend(fontsize=8, frameon=False, ncols=3, loc="upper left")
    verdict = "meets every target" if result.met else f"misses {len(result.missed)} targets"
    fig.suptitle(f"{result.scenario.name}: agents per interval ({verdict})", fontsize=11)
    fig.supxlabel(f"judged on {result.replications} replications, seed {result.seed}: a "
                  "target is met when its 95% CI's lower end reaches it", fontsize=8,
                  color="0.3")
    return fig
