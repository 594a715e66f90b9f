"""report.html of a run: the scenario, its targets beside the run's values (the missed ones
marked), the metrics with their 95% confidence intervals and the plots, in the
self-contained page of sim/report/page.py. Labels and units are the catalogue's."""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from sim.metrics.catalogue import label
from sim.metrics.display import duration, number, scale, shown
from sim.report.page import figure, page
from sim.report.targets import RULE, staff_hint, target_checks
from sim.runner.run import RunResult
from sim.scenario.schema import Scenario

VERDICT_CLASS = {"missed": "worse", "met": "better", "unsure": "significant"}  # page.py's CSS
CAPTIONS = {
    "waits.png": "Waits of answered contacts of the measured period, per channel: the share "
                 "answered within a given wait.",
    "service_level.png": "Service level per interval against each channel's target share.",
    "staffing.png": "Agents on shift and occupancy per interval, per pool.",
    "public.png": "Public complaints outstanding and impressions while unanswered, per "
                  "interval.",
}


def report_html(result: RunResult, plots: dict[str, bytes]) -> str:
    """The page, from a run and its plots (file name -> PNG bytes)."""
    s = result.scenario
    title = f"{s.name}: {s.policy.name}, {result.replications} replications, seed {result.seed}"
    return page(title, [
        f"<h1>{escape(s.name)}</h1>",
        f'<p class="sub">policy <b>{escape(s.policy.name)}</b> · '
        f"{result.replications} replications · seed {result.seed} · "
        f"{result.contacts_simulated:,} contacts simulated in {result.seconds:.1f} s</p>",
        "<h2>Scenario</h2>", scenario_summary(s, result.metrics),
        "<h2>Targets</h2>", targets(result),
        "<h2>Metrics</h2>",
        "<p>Mean over the replications and its 95% confidence interval (t-distribution). "
        "Shares in %, times in the unit shown; the definitions are in docs/metrics.md.</p>",
        _metrics(result),
        "<h2>Plots</h2>",
        *(figure(name, data, CAPTIONS.get(name, name)) for name, data in plots.items()),
    ], f"scenario hash <code>{result.scenario_hash[:16]}</code>")


def scenario_summary(s: Scenario, metrics: pd.DataFrame) -> str:
    """The horizon, the channels with their targets and the pools with their mean agents on
    shift (from `metrics`, a run's metrics table)."""
    agents = metrics[metrics.metric == "agents"].set_index("channel")["mean"]
    head = (f"<p>Horizon {duration(s.horizon)}, warm-up {duration(s.warmup)} (left out of "
            f"every metric), reporting interval {duration(s.interval)}.</p>")
    rows = []
    for name, c in s.channels.items():
        target = (f"{c.target.share:.0%} within {duration(c.target.within)}"
                  if c.target is not None else "-")
        rows.append(f"<tr><td>{escape(name)}</td><td>{escape(c.kind)}</td>"
                    f"<td>{escape(target)}</td></tr>")
    channels = ("<table><tr><th>channel</th><th>kind</th><th>target</th></tr>"
                + "".join(rows) + "</table>")
    rows = []
    for name, p in s.pools.items():
        mean = agents.get(f"pool:{name}", math.nan)
        rows.append(f"<tr><td>{escape(name)}</td><td>{escape(', '.join(p.skills))}</td>"
                    f'<td class="num">{number(mean)}</td></tr>')
    pools = ("<table><tr><th>pool</th><th>skills</th><th>mean agents on shift</th></tr>"
             + "".join(rows) + "</table>")
    return head + channels + pools


def targets(result: RunResult) -> str:
    """Each goal of the scenario beside the run's value and 95% CI, the missed ones marked,
    and the `sim staff` command that meets them."""
    checks = target_checks(result.scenario, result.metrics)
    if not checks:
        return "<p>The scenario sets no target.</p>"
    rows = ["<table><tr><th>channel / pool</th><th>metric</th><th>target</th>"
            "<th>value</th><th></th></tr>"]
    for c in checks:
        rows.append(f"<tr><td>{escape(c.where.removeprefix('pool:'))}</td>"
                    f"<td>{escape(label(c.metric))}</td><td>{escape(c.goal)}</td>"
                    f'<td class="num">{escape(c.value)}</td>'
                    f'<td class="{VERDICT_CLASS[c.verdict]}">{c.verdict}</td></tr>')
    rows.append("</table>")
    hint = staff_hint(checks, "FILE (the scenario file)")
    return (f"<p>Over the whole measured period; {escape(RULE)}.</p>" + "".join(rows)
            + (f"<p><b>{escape(hint)}</b></p>" if hint else ""))


def _metrics(result: RunResult) -> str:
    m = result.metrics
    order = [*result.scenario.channels, "all", *(f"pool:{p}" for p in result.scenario.pools),
             "pool:all"]
    order += [c for c in dict.fromkeys(m.channel) if c not in order]
    rows = ["<table><tr><th>channel / pool</th><th>metric</th><th>mean</th>"
            "<th>95% CI</th></tr>"]
    for channel in order:
        group = m[m.channel == channel]
        first = True
        for _, r in group.iterrows():
            if not math.isfinite(r["mean"]):
                continue
            label, mean, ci = _cells(r)
            name = (channel.removeprefix("pool:") + " (pool)" if channel != "pool:all"
                    else "all pools") if channel.startswith("pool:") else channel
            cls = ' class="first"' if first else ""
            rows.append(f"<tr{cls}><td>{escape(name) if first else ''}</td>"
                        f"<td>{escape(label)}</td><td class=\"num\">{mean}</td>"
                        f'<td class="ci">{ci}</td></tr>')
            first = False
    rows.append("</table>")
    return "".join(rows)


def _cells(r: pd.Series) -> tuple[str, str, str]:
    """The metric's label, its mean as `shown` gives it and its 95% CI in the mean's unit."""
    name, mean = r["metric"], float(r["mean"])
    unit, factor = scale(name, mean)
    low, high = r["ci_low"] * factor, r["ci_high"] * factor  # within range (summarize)
    after = {"": "", "%": "%"}.get(unit, f" {unit}")
    ci = (f"{number(low)} &ndash; {number(high)}{after}"
          if math.isfinite(low) and math.isfinite(high) and high != low else "")
    return label(name), shown(name, mean), ci
