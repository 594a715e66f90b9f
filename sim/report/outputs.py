"""The files of a run, each written atomically: metrics.csv, intervals.csv, run.json, the
plots (waits.png, service_level.png, staffing.png and, with a public channel, public.png) and
report.html, which embeds them; and the run.json of a sweep. (contacts.parquet and
needs.parquet are streamed as the run goes: sim.report.records.)"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Sequence
from pathlib import Path

from sim import __version__
from sim.files.atomic import write_atomic, write_text_atomic
from sim.files.tables import write_csv
from sim.runner.precision import Check, PrecisionReport
from sim.runner.run import RunResult, scenario_hash
from sim.runner.sweep import SweepResult
from sim.scenario.schema import Scenario

METRIC_COLUMNS = ["scenario", "policy", "channel", "metric", "mean", "ci_low", "ci_high",
                  "replications"]


def write_run(result: RunResult, out: Path, workers: int,
              scheduler: str | None = None, records: str = "all",
              record_paths: Sequence[Path] = ()) -> list[Path]:
    """Write the tables, run.json, the plots and report.html of `result` into `out`; returns
    the paths written with `record_paths` (the per-record files, which a RecordFiles sink
    writes as the run goes), report.html last."""
    # imported here: matplotlib loads only when files are written, not for run.json helpers
    from sim.report.html import report_html
    from sim.report.plots import render_plots

    metrics = result.metrics[METRIC_COLUMNS]
    plots = render_plots(result)
    return [
        write_csv(out / "metrics.csv", metrics),
        write_csv(out / "intervals.csv", result.intervals),
        *record_paths,
        write_info(out, {**run_info(result, workers, scheduler), "records": records}),
        *(write_atomic(out / name, lambda p, data=data: p.write_bytes(data))
          for name, data in plots.items()),
        write_text_atomic(out / "report.html", report_html(result, plots)),
    ]


def write_info(out: Path, info: dict) -> Path:
    """run.json in `out`, atomically."""
    return write_text_atomic(out / "run.json", json.dumps(info, indent=2, allow_nan=False))


def run_info(result: RunResult, workers: int, scheduler: str | None = None) -> dict:
    """What run.json holds: enough to reproduce the run and to see what it cost."""
    return {
        "version": __version__,
        "scenario": result.scenario.name,
        "scenario_hash": result.scenario_hash,
        "policy": result.scenario.policy.name,
        "seed": result.seed,
        "replications": result.replications,
        "precision": precision_info(result.precision),
        "workers": workers,
        "scheduler": scheduler,
        "contacts_simulated": result.contacts_simulated,
        "timings": {
            "total_seconds": round(result.seconds, 3),
            "replication_seconds": [round(s, 3) for s in result.replication_seconds],
            "contacts_per_second": round(result.contacts_simulated / result.seconds),
        },
        "python": platform.python_version(),
    }


def precision_info(report: PrecisionReport | None) -> dict | None:
    """How --precision ended: the target, the cap, whether every chosen metric reached the
    target, the least precise one and each chosen metric (NaN and infinity written as null).
    None without --precision."""
    if report is None:
        return None
    worst = report.worst
    return {
        "target": report.target,
        "max_replications": report.max_replications,
        "replications": report.replications,
        "reached": report.reached,
        "worst": _check(worst) if worst is not None else None,
        "metrics": [_check(c) for c in report.checks],
    }


def _check(check: Check) -> dict:
    def number(x: float) -> float | None:
        return x if math.isfinite(x) else None

    arm = {"arm": check.arm} if check.arm is not None else {}
    return {**arm, "channel": check.channel, "metric": check.metric,
            "mean": number(check.mean), "half_width": number(check.half_width),
            "relative": number(check.relative), "replications": check.values,
            "precise": check.precise}


def sweep_info(result: SweepResult, scenario: Scenario, workers: int,
               scheduler: str | None = None) -> dict:
    """What a sweep's run.json holds: the base scenario, the grid, the seed and replications
    (with --precision, each point's), and what it cost."""
    wanted = result.precision
    return {
        "version": __version__,
        "command": "sweep",
        "scenario": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "seed": result.seed,
        "replications": result.replications,
        "precision": None if wanted is None else {
            "target": wanted.target,
            "max_replications": wanted.max_replications,
            "metrics": None if wanted.metrics is None else [f"{c}:{m}" for c, m in wanted.metrics],
            "point_replications": list(result.point_replications),
        },
        "workers": workers,
        "scheduler": scheduler or "local",
        "grid": result.grid,
        "points": result.points,
        "skipped": result.skipped,
        "timings": {"total_seconds": round(result.seconds, 3)},
        "python": platform.python_version(),
    }
