"""How a result shows itself in a notebook: a `repr` of a few lines and one small HTML table of
its key figures, marking the service levels that miss their target; and `wide`, the table
behind every result's `summary()`. Labels and formats come from the catalogue of metrics, so
a notebook says what the terminal and report.html say."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from html import escape

import pandas as pd

from sim.metrics.catalogue import label, metric
from sim.metrics.display import duration, number, scale, shown
from sim.scenario.schema import Scenario

STATS = ("mean", "ci_low", "ci_high")
KEY_METRICS = ("offered", "service_level", "wait_mean", "abandon_rate", "first_response_mean")
POOL = "pool:"  # as the metrics name a pool's rows
MISSED = "✗"
GOAL_MISSED, GOAL_UNSURE, GOAL_MET = "missed", "unsure", "met"  # as targets.csv of `sim staff`
MISSED_NOTE = f"{MISSED}: a target missed (the 95% CI entirely on the wrong side of it)"


def wide(table: pd.DataFrame, index: Sequence[str], stats: Sequence[str] = STATS
         ) -> pd.DataFrame:
    """`table` (long: a row per `index` and metric) as a row per `index` and a column per
    (metric, stat), rows and metrics in the order they come, values as stored (seconds,
    fractions): a channel without a metric has NaN there. A row given twice (a sweep's point
    given twice: the same scenario and seeds) is kept once."""
    index, stats = list(index), list(stats)
    table = table.drop_duplicates([*index, "metric"])
    out = table.set_index([*index, "metric"])[stats].unstack("metric").swaplevel(axis=1)
    metrics = list(dict.fromkeys(table["metric"]))
    rows = list(dict.fromkeys(zip(*(table[c] for c in index), strict=True)))
    keys = (pd.MultiIndex.from_tuples(rows, names=index) if len(index) > 1
            else pd.Index([r[0] for r in rows], name=index[0]))
    columns = pd.MultiIndex.from_product([metrics, stats], names=["metric", "stat"])
    return out.reindex(index=keys, columns=columns)


def target_shares(scenario: Scenario) -> dict[str, float]:
    """Each channel's target share of service level, where it has a target."""
    return {name: c.target.share for name, c in scenario.channels.items() if c.target}


def verdict(bound: float, at_least: bool, mean: float, low: float, high: float) -> str:
    """A goal (the metric at least, or at most, `bound`) against a run's 95% CI: missed when
    the CI is entirely on the wrong side, met when entirely on the right one, else unsure;
    without a CI (one replication) the mean decides, and without a mean it is unsure."""
    if not math.isfinite(mean):
        return GOAL_UNSURE
    if not (math.isfinite(low) and math.isfinite(high)):
        low = high = mean
    if at_least:
        return GOAL_MISSED if high < bound else GOAL_MET if low >= bound else GOAL_UNSURE
    return GOAL_MISSED if low > bound else GOAL_MET if high <= bound else GOAL_UNSURE


def misses(mean: float, low: float, high: float, share: float) -> bool:
    """A service level with this mean and 95% CI misses its target `share`."""
    return verdict(share, True, mean, low, high) == GOAL_MISSED


def goal(name: str, bound: float, within: float | None = None) -> str:
    """A goal for people: "≥ 80% within 20 s", "≤ 5%" (a bound as written, no digits
    added)."""
    sense = "≥" if metric(name).better == "higher" else "≤"
    value = f"{number(100 * bound)}%" if metric(name).kind == "share" else shown(name, bound)
    return f"{sense} {value}" + (f" within {duration(within)}" if within is not None else "")


def change(name: str, diff: float) -> str:
    """A difference in the unit `shown` gives the metric (points for a share): "+3.1 s"."""
    unit, factor = scale(name, diff)
    unit = {"%": " pt", "": ""}.get(unit, f" {unit}")
    return f"{'+' if diff > 0 else '-'}{number(abs(diff) * factor)}{unit}"


def cell(name: str, row: pd.Series, share: float | None = None) -> str:
    """A metric's mean for people; ✗ on a service level missing `share`; a comparison's
    significant difference to the first arm in brackets."""
    text = shown(name, row["mean"])
    if share is not None and misses(row["mean"], row["ci_low"], row["ci_high"], share):
        text += f" {MISSED}"
    if row.get("significant", False):
        text += f" ({change(name, row['diff'])})"
    return text


def figures(rows: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The key figures of each channel (and `all`) as text, a column per KEY_METRICS metric a
    row has, then each channel's target. `rows`: channel, metric, mean, ci_high (and a
    comparison's diff and significant)."""
    found = rows.set_index(["channel", "metric"])
    channels = [c for c in dict.fromkeys(rows["channel"]) if not c.startswith(POOL)]
    shares = target_shares(scenario)
    out: dict[str, dict[str, str]] = {}
    for name in KEY_METRICS:
        cells = {c: cell(name, found.loc[(c, name)],
                         shares.get(c) if name == "service_level" else None)
                 for c in channels if (c, name) in found.index}
        if cells:
            out[label(name)] = cells
    targets = {name: goal("service_level", c.target.share, c.target.within)
               for name, c in scenario.channels.items() if c.target}
    if targets:
        out["target"] = targets
    return pd.DataFrame(out, index=channels)


def headline_metric(channel: str, shares: Mapping[str, float]) -> str:
    """What a channel is summed up by: its service level if it has a target, else its wait."""
    return "service_level" if channel in shares else "wait_mean"


def headline(rows: pd.DataFrame, scenario: Scenario) -> str:
    """One line: each channel's headline metric, grouped by metric, and the targets missed."""
    found = rows.set_index(["channel", "metric"])
    shares = target_shares(scenario)
    figures = [(name, f"{channel} {shown(name, found.loc[(channel, name), 'mean'])}")
               for channel in scenario.channels
               if (channel, name := headline_metric(channel, shares)) in found.index]
    missed = [f"{channel} (target {shown('service_level', shares[channel])})"
              for channel in missed_channels(rows, shares)]
    return grouped(figures) + (f"; missed: {', '.join(missed)}" if missed else "")


def missed_channels(rows: pd.DataFrame, shares: Mapping[str, float]) -> list[str]:
    """The channels whose service level in `rows` misses their target share."""
    levels = rows[rows["metric"] == "service_level"]
    return [r.channel for r in levels.itertuples()
            if r.channel in shares and misses(r.mean, r.ci_low, r.ci_high, shares[r.channel])]


def grouped(figures: Sequence[tuple[str, str]]) -> str:
    """(metric, text) pairs as "service level: phone 93%, chat 90%; mean wait: email 2 h"."""
    groups: dict[str, list[str]] = {}
    for name, text in figures:
        groups.setdefault(name, []).append(text)
    return "; ".join(f"{label(name)}: {', '.join(texts)}" for name, texts in groups.items())


def points(table: pd.DataFrame, keys: Sequence[str]) -> Iterator[tuple[tuple, pd.DataFrame]]:
    """A sweep's points in order: the swept values and the point's rows (a point given twice
    has the same rows twice: once here)."""
    for values, rows in table.groupby(list(keys), sort=False, dropna=False):
        yield values, rows.drop_duplicates(["channel", "metric"])


def point_cells(rows: pd.DataFrame, shares: Mapping[str, float]) -> dict[str, str]:
    """A sweep point's headline metric per channel, "channel: metric" -> its mean (✗ if its
    service level misses `shares`)."""
    found = rows.set_index(["channel", "metric"])
    out = {}
    for channel in dict.fromkeys(rows["channel"]):
        name = headline_metric(channel, shares)
        if not channel.startswith(POOL) and (channel, name) in found.index:
            out[f"{channel}: {label(name)}"] = cell(name, found.loc[(channel, name)],
                                                    shares.get(channel))
    return out


def point_table(table: pd.DataFrame, keys: Sequence[str],
                targets: Mapping[tuple, Mapping[str, float]], limit: int) -> pd.DataFrame:
    """A row per point (the first `limit`), a column per channel's headline metric."""
    rows = dict(itertools.islice(((values, point_cells(rows, targets.get(values, {})))
                                  for values, rows in points(table, keys)), limit))
    index = pd.MultiIndex.from_tuples(list(rows), names=list(keys))
    return pd.DataFrame(list(rows.values()), index=index)


def sweep_headline(table: pd.DataFrame, keys: Sequence[str],
                   targets: Mapping[tuple, Mapping[str, float]]) -> str:
    """One line: each channel's headline metric from its lowest to its highest mean over the
    points, and how many points miss a target."""
    shares = {c: s for point in targets.values() for c, s in point.items()}
    figures = []
    for channel in dict.fromkeys(table["channel"]):
        name = headline_metric(channel, shares)
        means = table["mean"][(table["channel"] == channel) & (table["metric"] == name)]
        if not channel.startswith(POOL) and len(means):
            figures.append((name, f"{channel} {shown(name, means.min())} to "
                                  f"{shown(name, means.max())}"))
    missed = sum(bool(missed_channels(rows, targets.get(values, {})))
                 for values, rows in points(table, keys))
    return grouped(figures) + (f"; {missed} of {len(targets)} points miss a target"
                                if missed else "")


def occupancy(rows: pd.DataFrame) -> str | None:
    """"occupancy: phone 85.0%, chat 70.1%", per pool; None without pool rows."""
    pools = rows[rows["channel"].str.startswith(POOL) & (rows["metric"] == "occupancy")
                 & (rows["channel"] != f"{POOL}all")]
    if pools.empty:
        return None
    return "occupancy: " + ", ".join(f"{r.channel.removeprefix(POOL)} "
                                     f"{shown('occupancy', r.mean)}" for r in pools.itertuples())


def goal_table(goals: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Staffing goals for people, a row per goal: the goal, the value with ✗ where it is
    missed, its 95% CI. `goals`: key, metric, bound, value, ci_low, ci_high, met (as a
    staffing's confirming run gives them)."""
    rows = {}
    for g in goals.itertuples():
        target = scenario.channels[g.key].target if g.key in scenario.channels else None
        within = target.within if target is not None and g.metric == "service_level" else None
        rows[f"{g.key.removeprefix(POOL)} {label(g.metric)}"] = {
            "goal": goal(g.metric, g.bound, within),
            "value": shown(g.metric, g.value) + ("" if g.met else f" {MISSED}"),
            "95% CI": f"{shown(g.metric, g.ci_low)} to {shown(g.metric, g.ci_high)}"}
    return pd.DataFrame.from_dict(rows, orient="index")


def html(lines: Sequence[str | None], table: pd.DataFrame, notes: Sequence[str] = ()) -> str:
    """One small block: the first line in bold, the others, the table, then the notes (the
    note on ✗ added where a cell has it)."""
    lines = [line for line in lines if line]
    if table.map(lambda v: isinstance(v, str) and MISSED in v).any().any():
        notes = [MISSED_NOTE, *notes]
    head = "".join(f"<div>{'<strong>' * (k == 0)}{escape(line)}{'</strong>' * (k == 0)}</div>"
                   for k, line in enumerate(lines))
    tail = "".join(f"<div><small>{escape(note)}</small></div>" for note in notes)
    return f"<div>{head}{table.to_html(na_rep='')}{tail}</div>"
