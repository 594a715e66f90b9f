"""The outputs of a comparison: compare.csv, metrics.csv (every arm), the plots (compare.png,
compare_waits.png and, with a public channel, compare_public.png), run.json and report.html,
each written atomically. (The rows and cells of the main metrics are compare_rows.py's, the
console table compare_console.py's.)"""

from __future__ import annotations

import json
import platform
from pathlib import Path

from sim import __version__
from sim.files.atomic import write_atomic, write_text_atomic
from sim.files.tables import write_csv
from sim.report.compare_html import report_html
from sim.report.compare_plots import render_plots
from sim.report.outputs import METRIC_COLUMNS, precision_info
from sim.runner.compare import COMPARE_COLUMNS, Comparison

# ---------------------------------------------------------------- files

def write_compare(comparison: Comparison, out: Path, workers: int,
                  scheduler: str | None = None) -> list[Path]:
    """Write every output of `comparison` into `out`; returns the paths written, report.html
    last."""
    table = comparison.table[COMPARE_COLUMNS]
    metrics = comparison.metrics[METRIC_COLUMNS]
    plots = render_plots(comparison)
    return [
        write_csv(out / "compare.csv", table),
        write_csv(out / "metrics.csv", metrics),
        *(write_atomic(out / name, lambda p, data=data: p.write_bytes(data))
          for name, data in plots.items()),
        write_text_atomic(out / "run.json",
                          json.dumps(compare_info(comparison, workers, scheduler), indent=2)),
        write_text_atomic(out / "report.html", report_html(comparison, plots)),
    ]


def compare_info(comparison: Comparison, workers: int, scheduler: str | None = None) -> dict:
    """What run.json holds: the arms, the shared seed, and what each arm cost."""
    total_contacts = sum(arm.contacts_simulated for arm in comparison.arms)
    return {
        "version": __version__,
        "command": "compare",
        "seed": comparison.seed,
        "replications": comparison.replications,
        "precision": precision_info(comparison.precision),
        "workers": workers,
        "scheduler": scheduler,
        "baseline": comparison.arms[0].label,
        "arms": [{
            "label": arm.label,
            "scenario": arm.scenario.name,
            "policy": arm.scenario.policy.name,
            "file": arm.source,
            "scenario_hash": arm.scenario_hash,
            "contacts_simulated": arm.contacts_simulated,
        } for arm in comparison.arms],
        "timings": {
            "total_seconds": round(comparison.seconds, 3),
            "arm_seconds": {arm.label: round(arm.seconds, 3) for arm in comparison.arms},
            "replication_seconds": {arm.label: [round(s, 3) for s in arm.replication_seconds]
                                    for arm in comparison.arms},
            "contacts_per_second": round(total_contacts / max(comparison.seconds, 1e-9)),
        },
        "python": platform.python_version(),
    }
