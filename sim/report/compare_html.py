"""report.html of a comparison: the arms and their scenarios, the table of the main metrics
(each arm's mean and its difference to the first arm, with 95% CIs, as on the console) and
the plots, in the self-contained page of sim/report/page.py."""

from __future__ import annotations

from html import escape

from sim.metrics.display import duration
from sim.report.compare_rows import Cell, legend, main_rows, table_lines
from sim.report.html import scenario_summary
from sim.report.page import figure, page
from sim.report.targets import arms_line
from sim.runner.compare import Comparison

CAPTIONS = {
    "compare.png": "The main metrics, a bar per arm with its 95% CI; * marks a significant "
                   "difference from the first arm.",
    "compare_waits.png": "Waits of answered contacts per channel (median, mean, 90th "
                         "percentile), a bar per arm.",
    "compare_public.png": "Public complaints and their impressions, a bar per arm.",
}
VERDICT_CLASS = {1: "better", -1: "worse", 0: "significant"}


def report_html(comparison: Comparison, plots: dict[str, bytes]) -> str:
    """The page, from a comparison and its plots (file name -> PNG bytes)."""
    labels = comparison.labels
    contacts = sum(arm.contacts_simulated for arm in comparison.arms)
    title = (f"{' vs '.join(labels)}: {comparison.replications} replications each, "
             f"seed {comparison.seed}")
    targets = arms_line(comparison.arms)
    hashes = ", ".join(f"{escape(arm.label)} <code>{arm.scenario_hash[:16]}</code>"
                       for arm in comparison.arms)
    return page(title, [
        f"<h1>{escape(' vs '.join(labels))}</h1>",
        f'<p class="sub">{len(labels)} arms · {comparison.replications} replications each '
        f"with the same seeds (the same customers in every arm) · seed {comparison.seed} · "
        f"{contacts:,} contacts simulated in {comparison.seconds:.1f} s</p>",
        "<h2>Arms</h2>", _arms(comparison),
        "<h2>Comparison</h2>",
        f"<p>{escape(legend(labels[0]))} Every metric of every arm is in compare.csv.</p>",
        _table(comparison),
        f"<p><b>{escape(targets)}</b></p>" if targets else "",
        "<h2>Plots</h2>",
        *(figure(name, data, CAPTIONS.get(name, name)) for name, data in plots.items()),
        "<h2>Scenarios</h2>", _scenarios(comparison),
    ], f"scenario hashes: {hashes}")


def _arms(comparison: Comparison) -> str:
    rows = ["<table><tr><th>arm</th><th>scenario</th><th>policy</th><th>file</th>"
            "<th>horizon</th><th>channels</th><th>pools</th></tr>"]
    for arm in comparison.arms:
        s = arm.scenario
        rows.append(f"<tr><td><b>{escape(arm.label)}</b></td><td>{escape(s.name)}</td>"
                    f"<td>{escape(s.policy.name)}</td><td>{escape(arm.source or '-')}</td>"
                    f"<td>{duration(s.horizon)}</td><td>{escape(', '.join(s.channels))}</td>"
                    f"<td>{escape(', '.join(s.pools))}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _table(comparison: Comparison) -> str:
    first, *others = comparison.labels
    lines = table_lines(comparison, main_rows(comparison), others)
    if not lines:
        return "<p>No main metric differs from 0 in any arm.</p>"
    head = (f"<tr><th>channel</th><th>metric</th><th>{escape(first)}</th>"
            + "".join(f"<th>{escape(arm)}</th><th>&Delta;</th>" for arm in others) + "</tr>")
    rows = ['<div class="wide"><table>', head]
    previous = None
    for line in lines:
        new = line.where != previous
        cells = "".join(_diff(cell) if k % 2 == 0 and k > 0 else _mean(cell)
                        for k, cell in enumerate(line.cells))
        tr = '<tr class="first">' if new else "<tr>"
        rows.append(f"{tr}<td>{escape(line.where) if new else ''}</td>"
                    f"<td>{escape(line.label)}</td>{cells}</tr>")
        previous = line.where
    rows.append("</table></div>")
    return "".join(rows)


def _mean(cell: Cell) -> str:
    return f'<td class="num">{escape(cell.value)}{_half(cell)}</td>'


def _diff(cell: Cell) -> str:
    if cell.verdict is None:
        return _mean(cell)
    return (f'<td class="num {VERDICT_CLASS[cell.verdict]}">{escape(cell.value)} *'
            f"{_half(cell)}</td>")


def _half(cell: Cell) -> str:
    return f'<br><span class="half">±{escape(cell.half)}</span>' if cell.half else ""


def _scenarios(comparison: Comparison) -> str:
    """One summary when the arms differ only in their policy, else one per arm (the first
    open)."""
    arms = comparison.arms
    models = [arm.scenario.model_dump(mode="json", exclude={"policy"}) for arm in arms]
    if all(m == models[0] for m in models):
        return ("<p>Every arm runs the same scenario; only the policy differs.</p>"
                + scenario_summary(arms[0].scenario, arms[0].metrics))
    return "".join(
        f"<details{' open' if k == 0 else ''}><summary><b>{escape(arm.label)}</b>: "
        f"{escape(arm.scenario.name)}</summary>{scenario_summary(arm.scenario, arm.metrics)}"
        "</details>" for k, arm in enumerate(arms))
