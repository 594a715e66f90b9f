"""The files of a run, each written atomically: metrics.csv, intervals.csv, contacts.parquet,
needs.parquet, run.json, the plots (waits.png, service_level.png, staffing.png and, with a
public channel, public.png) and report.html, which embeds them."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from sim import __version__
from sim.report.atomic import write_atomic, write_text_atomic
from sim.runner.run import RunResult

METRIC_COLUMNS = ["scenario", "policy", "channel", "metric", "mean", "ci_low", "ci_high",
                  "replications"]


def write_run(result: RunResult, out: Path, workers: int) -> list[Path]:
    """Write every output of `result` into `out`; returns the paths written, report.html
    last."""
    # imported here: they use sim.report.compare, which imports this module
    from sim.report.html import report_html
    from sim.report.plots import render_plots

    metrics = result.metrics[METRIC_COLUMNS]
    plots = render_plots(result)
    return [
        write_atomic(out / "metrics.csv", lambda p: metrics.to_csv(p, index=False)),
        write_atomic(out / "intervals.csv", lambda p: result.intervals.to_csv(p, index=False)),
        write_atomic(out / "contacts.parquet",
                     lambda p: result.contacts.to_parquet(p, index=False)),
        write_atomic(out / "needs.parquet", lambda p: result.needs.to_parquet(p, index=False)),
        write_text_atomic(out / "run.json", json.dumps(run_info(result, workers), indent=2)),
        *(write_atomic(out / name, lambda p, data=data: p.write_bytes(data))
          for name, data in plots.items()),
        write_text_atomic(out / "report.html", report_html(result, plots)),
    ]


def run_info(result: RunResult, workers: int) -> dict:
    """What run.json holds: enough to reproduce the run and to see what it cost."""
    return {
        "version": __version__,
        "scenario": result.scenario.name,
        "scenario_hash": result.scenario_hash,
        "policy": result.scenario.policy.name,
        "seed": result.seed,
        "replications": result.replications,
        "workers": workers,
        "contacts_simulated": result.contacts_simulated,
        "timings": {
            "total_seconds": round(result.seconds, 3),
            "replication_seconds": [round(s, 3) for s in result.replication_seconds],
            "contacts_per_second": round(result.contacts_simulated / result.seconds),
        },
        "python": platform.python_version(),
    }
