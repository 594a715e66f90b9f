"""The rows of a comparison as a planner reads them: which main metrics, and each row's
cells (every arm's mean with its 95% CI half-width, each arm's difference to the first with
its verdict), shared by the console table, report.html and compare.png. Names, labels,
units and the better direction come from the catalogue of metrics."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sim.metrics.catalogue import Kind, label, metric, sign
from sim.metrics.display import number, scale, signed, spread
from sim.runner.compare import Comparison


@dataclass(frozen=True)
class Row:
    """A main metric where it is (a channel, `all` or a pool); what it is called, its kind
    and which way is better (-1 lower, +1 higher, 0 neither) are the catalogue's."""

    channel: str
    metric: str

    @property
    def label(self) -> str:
        return label(self.metric)

    @property
    def kind(self) -> Kind:
        return metric(self.metric).kind

    @property
    def better(self) -> int:
        return sign(self.metric)


def main_rows(comparison: Comparison) -> list[Row]:
    """The rows a planner looks at first, in display order: per channel the response time,
    service level and abandonment; across channels; then the staff. Rows that no arm has,
    or that are 0 in every arm, are left out."""
    table = comparison.table
    means = table.groupby(["channel", "metric"], sort=False)["mean"]
    has = {key: bool((values.abs() > 0).any()) for key, values in means}
    channels = list(dict.fromkeys(c for c in table.channel
                                  if c != "all" and not c.startswith("pool:")))
    rows: list[Row] = []
    for ch in channels:
        response = "first_response_mean" if (ch, "first_response_mean") in has else "wait_mean"
        rows += [Row(ch, response), Row(ch, "service_level"), Row(ch, "abandon_rate")]
    if len(channels) > 1:
        rows.append(Row("all", "service_level"))
    rows += [Row("all", "escalation_rate"), Row("all", "unanswered_impressions"),
             Row("pool:all", "agents"), Row("pool:all", "occupancy"), Row("pool:all", "cost")]
    return [r for r in rows if has.get((r.channel, r.metric), False)]


def row_scale(row: Row, values: pd.Series) -> tuple[str, float]:
    """The row's unit and the factor its values are multiplied by to show them in it (one
    unit for the whole row: the arms' values side by side)."""
    return scale(row.metric, float(values.abs().max()))


@dataclass(frozen=True)
class Cell:
    """A cell of the comparison table as text: the value and its 95% CI half-width ("" if
    none). A difference also has `verdict`: None if not significant, else +1 better, -1
    worse, 0 neither (the row has no better direction)."""

    value: str
    half: str = ""
    verdict: int | None = None


@dataclass(frozen=True)
class Line:
    """A row of the comparison table: where, what (with its unit), and the cells: the first
    arm's mean, then each other arm's mean and its difference to the first."""

    where: str
    label: str
    cells: list[Cell]


NOT_AVAILABLE = "n/a"


def table_lines(comparison: Comparison, rows: list[Row], others: list[str]) -> list[Line]:
    """The lines of the table of `rows` for the first arm and `others`."""
    index = comparison.table.set_index(["channel", "metric", "arm"]).sort_index()
    lines = []
    for row in rows:
        found = index.loc[(row.channel, row.metric)]
        unit, factor = row_scale(row, found["mean"])
        cells = [mean_cell(found, comparison.labels[0], factor)]
        for arm in others:
            cells += [mean_cell(found, arm, factor), diff_cell(found, arm, factor, row.better)]
        lines.append(Line(where(row.channel), f"{row.label} ({unit})" if unit else row.label,
                          cells))
    return lines


def where(channel: str) -> str:
    """A channel or pool as a person reads it."""
    if channel == "pool:all":
        return "all pools"
    return channel.removeprefix("pool:")


def mean_cell(found: pd.DataFrame, arm: str, factor: float) -> Cell:
    if arm not in found.index or not math.isfinite(found.loc[arm, "mean"]):
        return Cell("-")
    r = found.loc[arm]
    half = ""
    if math.isfinite(r["ci_high"]) and r["ci_high"] != r["ci_low"]:
        half = number(spread(r["mean"], r["ci_low"], r["ci_high"]) * factor, 2)
    return Cell(number(r["mean"] * factor), half)


def diff_cell(found: pd.DataFrame, arm: str, factor: float, better: int) -> Cell:
    if arm not in found.index or not math.isfinite(found.loc[arm, "diff"]):
        return Cell(NOT_AVAILABLE)
    r = found.loc[arm]
    diff = r["diff"] * factor
    verdict = None
    if r["significant"]:
        good = better * diff
        verdict = 1 if good > 0 else -1 if good < 0 else 0
    half = ""
    if math.isfinite(r["diff_high"]) and r["diff_high"] != r["diff_low"]:
        half = number(spread(r["diff"], r["diff_low"], r["diff_high"]) * factor, 2)
    return Cell(signed(diff), half, verdict)


def legend(baseline: str) -> str:
    return (f"Each cell: the mean, and below it ± the 95% CI half-width. Δ = arm minus "
            f"{baseline}, replication by replication (same customers); * = significant: the "
            "CI of Δ excludes 0, a real difference, not noise (green better, red worse). "
            "Shares are in %, their Δ in percentage points.")
