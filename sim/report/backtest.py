"""A backtest's files: backtest.csv (per channel and measure), intraday.csv (per interval of
the day), and report.html with the table and the intraday curves, observed against simulated.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from sim.files.atomic import write_text_atomic
from sim.files.tables import write_csv
from sim.fit.backtest import Backtest
from sim.fit.measures import MEASURES
from sim.metrics.catalogue import label
from sim.metrics.display import scale, shown
from sim.model.units import HOUR
from sim.report.figures import panels, png, style
from sim.report.page import figure, page


def write_backtest(bt: Backtest, out: Path, title: str) -> list[Path]:
    """The three files in `out`, each written atomically; their paths."""
    intraday = bt.intraday.copy()
    paths = [write_csv(out / "backtest.csv", bt.table),
             write_csv(out / "intraday.csv", intraday)]
    paths.append(write_text_atomic(out / "report.html", _html(bt, title)))
    return paths


def _html(bt: Backtest, title: str) -> str:
    head = ("<tr><th>channel</th><th>measure</th><th>observed</th><th>simulated</th>"
            "<th>95% CI</th><th>range of one log</th><th></th></tr>")
    rows = []
    for r in bt.table.itertuples():
        mark = "consistent" if r.consistent else "outside"
        rows.append(
            f"<tr><td>{escape(r.channel)}</td><td>{label(r.metric)}</td>"
            f'<td class="num">{shown(r.metric, r.observed)}</td>'
            f'<td class="num">{shown(r.metric, r.simulated)}</td>'
            f'<td class="ci">{shown(r.metric, r.ci_low)} - {shown(r.metric, r.ci_high)}</td>'
            f'<td class="ci">{shown(r.metric, r.range_low)} - '
            f'{shown(r.metric, r.range_high)}</td>'
            f'<td class="{"better" if r.consistent else "worse"}">{mark}</td></tr>')
    body = [f"<h1>Backtest: {escape(title)}</h1>",
            f'<p class="sub">The fitted scenario run {bt.replications} times over the log\'s '
            f"{bt.days} days with the observed staffing. A measure is consistent when the "
            "log's value lies in the range of one simulated log of the same length "
            "(family-wise 95% over the table: a right model passes every measure in 95% of "
            "logs).</p>",
            f'<div class="wide"><table>{head}{"".join(rows)}</table></div>',
            "<h2>Through the day</h2>",
            figure("intraday.png", png(_intraday_figure(bt)),
                   "Observed (black) against simulated (colour, with the 95% range of one "
                   "log in each interval) by time of day")]
    return page(f"Backtest: {title}", body, "sim fit --backtest")


def _intraday_figure(bt: Backtest):
    d = bt.intraday
    channels = list(dict.fromkeys(d["channel"]))
    metrics = [m for m in MEASURES if m in set(d["metric"])]
    fig, axes = panels(len(channels) * len(metrics), len(metrics), width=3.2, height=2.3)
    for i, ch in enumerate(channels):
        for j, metric in enumerate(metrics):
            ax = axes[i * len(metrics) + j]
            rows = d[(d["channel"] == ch) & (d["metric"] == metric)]
            style(ax)
            if rows.empty:
                ax.set_visible(False)
                continue
            hours = rows["interval_start"].to_numpy() / HOUR
            unit, factor = scale(metric, float(rows["observed"].max()))
            ax.fill_between(hours, rows["range_low"] * factor, rows["range_high"] * factor,
                            step="post", alpha=0.25, color="C0", linewidth=0)
            ax.step(hours, rows["simulated"] * factor, where="post", color="C0", linewidth=1.2)
            ax.step(hours, rows["observed"] * factor, where="post", color="black",
                    linewidth=0.9)
            ax.set_xlim(0, 24)
            ax.set_xticks(range(0, 25, 6))
            ax.set_title(f"{ch}: {label(metric)}" + (f" ({unit})" if unit else ""), fontsize=9)
    return fig
