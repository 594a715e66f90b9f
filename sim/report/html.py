"""report.html of a run: the scenario, the metrics with their 95% confidence intervals and
the plots, in the self-contained page of sim/report/page.py."""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from sim.metrics.display import duration, number, time_unit
from sim.report.page import figure, page
from sim.runner.run import RunResult
from sim.scenario.schema import Scenario

SHARES = {"abandon_rate", "delayed_share", "service_level", "escalation_rate",
          "resolved_share", "self_service_share", "occupancy"}
TIMES = {"wait_mean", "wait_p50", "wait_p90", "first_response_mean", "resolution_time_mean"}
LABELS = {
    "offered": "offered", "met_closed": "met the channel closed", "answered": "answered",
    "abandoned": "abandoned",
    "abandon_rate": "abandoned", "delayed_share": "had to wait", "wait_mean": "mean wait",
    "wait_p50": "median wait", "wait_p90": "90th percentile wait",
    "service_level": "service level", "first_response_mean": "mean time to first reply",
    "escalation_rate": "contacts that led to another contact",
    "public_complaints": "public complaints",
    "unanswered_impressions": "impressions while unanswered",
    "reply_impressions": "impressions of the brand's replies",
    "transfers_per_need": "channel changes per need", "contacts_per_need": "contacts per need",
    "resolution_time_mean": "mean time to resolution", "resolved_share": "needs resolved",
    "self_service_share": "needs resolved by self-service", "occupancy": "occupancy",
    "agents": "agents on shift (mean)", "cost": "cost",
}
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
        "<h2>Metrics</h2>",
        "<p>Mean over the replications and its 95% confidence interval (t-distribution). "
        "Shares in %, times in the unit shown.</p>",
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
    """The metric's label (with its unit), its mean and its 95% CI, as shown."""
    metric = r["metric"]
    label = LABELS.get(metric, metric.replace("_", " "))
    if metric in SHARES:
        unit, factor = "%", 100.0
    elif metric in TIMES:
        unit, seconds = time_unit(abs(float(r["mean"])))
        factor = 1 / seconds
    else:
        unit, factor = "", 1.0
    low, high = r["ci_low"] * factor, r["ci_high"] * factor
    low = max(low, 0.0)  # every metric is at least 0
    if metric in SHARES:  # and a share at most 100%
        high = min(high, 100.0)
    ci = (f"{number(low)} &ndash; {number(high)}"
          if math.isfinite(low) and math.isfinite(high) and high != low else "")
    return (f"{label} ({unit})" if unit else label), number(r["mean"] * factor), ci

