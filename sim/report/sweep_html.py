"""report.html of a sweep: the grid, the chart and, point by point, the plotted metric with its
95% CI beside the target the point's scenario sets (met, missed or unsure, as a run's report
judges it), so that a reader sees which points meet it; in the page of sim/report/page.py."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import pandas as pd

from sim.metrics.catalogue import label
from sim.metrics.display import number, scale, shown
from sim.report.page import figure, page
from sim.report.sweep import key_name, target_of
from sim.report.targets import RULE, TargetCheck
from sim.runner.sweep import Point, SweepResult

VERDICT_CLASS = {"missed": "worse", "met": "better", "unsure": "significant"}  # page.py's CSS


def sweep_html(result: SweepResult, channel: str, metric: str, points: Sequence[Point],
               chart: bytes | None, missing: str | None) -> str:
    """The page of a sweep whose chart (PNG bytes, or None and why: `missing`) shows `metric`
    of `channel`; `points` are the sweep's, in order (their scenarios set the targets)."""
    name = points[0].scenario.name if points else "a scenario"
    used = sorted(set(result.point_replications)) or [result.replications]
    counts = (f"{used[0]} replication{'s' if used[0] != 1 else ''} a point" if len(used) == 1
              else f"{used[0]} to {used[-1]} replications a point (--precision)")
    where = "all channels" if channel == "all" else channel.replace("pool:", "pool ")
    title = f"{label(metric)}, {where}"
    return page(f"sweep of {name}", [
        f"<h1>Sweep of {escape(name)}</h1>",
        f'<p class="sub">{result.points} points · {counts} · the same seed {result.seed} at '
        f"every point (common random numbers) · {result.seconds:.1f} s</p>",
        "<h2>Grid</h2>", _grid(result),
        f"<h2>{escape(title)}</h2>",
        figure("sweep.png", chart, f"{title} against {key_name(result.keys[0])}")
        if chart is not None else f"<p>{escape(missing or '')}</p>",
        _points(result, channel, metric, points),
    ], "every metric of every point: sweep.csv")


def _grid(result: SweepResult) -> str:
    rows = "".join(f"<tr><td>{escape(key_name(key))}</td><td><code>{escape(key)}</code></td>"
                   f"<td>{escape(', '.join(map(str, result.grid.get(key, []))))}</td></tr>"
                   for key in result.keys)
    return f"<table><tr><th>swept</th><th>key</th><th>values</th></tr>{rows}</table>"


def _points(result: SweepResult, channel: str, metric: str, points: Sequence[Point]) -> str:
    """A row per point: its values, the metric's mean and 95% CI, and its target's verdict;
    then how many points meet the target."""
    table = result.table
    rows = table[(table.channel == channel) & (table.metric == metric)]
    if rows.empty:
        return ""
    by_values = {tuple(str(p.values[k]) for k in result.keys): p for p in points}
    checks = [_check(by_values.get(tuple(str(r[k]) for k in result.keys)), channel, metric, r)
              for _, r in rows.iterrows()]
    judged = any(c is not None for c in checks)
    head = "".join(f"<th>{escape(key_name(k))}</th>" for k in result.keys)
    out = [f"<table><tr>{head}<th>mean</th><th>95% CI</th>"
           + ("<th>target</th><th></th>" if judged else "") + "</tr>"]
    for (_, r), check in zip(rows.iterrows(), checks, strict=True):
        cells = "".join(f"<td>{escape(str(r[k]))}</td>" for k in result.keys)
        verdict = ("<td></td><td></td>" if check is None else
                   f"<td>{escape(check.goal)}</td>"
                   f'<td class="{VERDICT_CLASS[check.verdict]}">{check.verdict}</td>')
        out.append(f'<tr>{cells}<td class="num">{shown(metric, float(r["mean"]))}</td>'
                   f'<td class="ci">{_ci(metric, r)}</td>{verdict if judged else ""}</tr>')
    out.append("</table>")
    if judged:
        verdicts = [c.verdict for c in checks if c is not None]
        out.append(f"<p><b>{verdicts.count('met')} of {len(verdicts)} points meet the target"
                   f"</b>, {verdicts.count('unsure')} unsure, {verdicts.count('missed')} miss it "
                   f"({escape(RULE)}).</p>")
    return "".join(out)


def _check(point: Point | None, channel: str, metric: str,
           row: pd.Series) -> TargetCheck | None:
    found = target_of(point, channel, metric) if point is not None else None
    if found is None:
        return None
    target = point.scenario.channels[channel].target if channel in point.scenario.channels \
        else None
    within = target.within if target is not None and metric == "service_level" else None
    return TargetCheck(channel, metric, found[0], found[1], within, float(row["mean"]),
                       float(row["ci_low"]), float(row["ci_high"]))


def _ci(metric: str, row: pd.Series) -> str:
    """The 95% CI in the unit `shown` gives the mean; empty without one."""
    unit, factor = scale(metric, float(row["mean"]))
    low, high = float(row["ci_low"]) * factor, float(row["ci_high"]) * factor
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    after = {"": "", "%": "%"}.get(unit, f" {unit}")
    return f"{number(low)} &ndash; {number(high)}{after}"
