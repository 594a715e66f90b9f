"""A baseline: what `sim check` compares a new run with, stored as a small JSON file.

One file per scenario file and policy (`baselines/<scenario file stem>--<policy>.json`)
holds, per checked channel and metric, each replication's value (rounded to 10 significant
digits, null where the metric is undefined in that replication), with the scenario file
(relative to the baseline's folder), the policy, the hash of the validated scenario with that
policy, the seed (replication r used `numpy.random.SeedSequence(seed, spawn_key=(r,))`), the
number of replications and the simulator version. `tolerances` (optional) overrides the
default tolerances for this baseline (see `sim.check.directions`). Keys are written in a
stable (sorted) order, so a refreshed baseline's diff shows only what changed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, ValidationError

from sim import __version__
from sim.check.directions import RULES, parse_tolerance
from sim.files.atomic import write_text_atomic
from sim.metrics.catalogue import Tolerance
from sim.runner.run import scenario_hash
from sim.scenario.base import Strict
from sim.scenario.files import FileRefused, MiB, read_text
from sim.scenario.load import (
    SHOWN,
    ScenarioError,
    error_lines,
    load_scenario,
    printable,
    shortened,
)
from sim.scenario.parsing import LimitError, json_data
from sim.scenario.schema import MAX_NAME, Scenario

FORMAT = 1
MAX_BYTES = 8 * MiB  # the largest shipped baseline is 23 KB
DIGITS = 10  # significant digits kept: identical runs still compare exactly equal
SEEDS = "replication r used numpy.random.SeedSequence(seed, spawn_key=(r,)), r = 0..{last}"

Values = dict[tuple[str, str], np.ndarray]  # (channel, metric) -> value per replication


class BaselineError(Exception):
    """A baseline that cannot be used; `str()` says which file, which key and why."""


@dataclass(frozen=True)
class Baseline:
    scenario: Path  # the scenario file
    scenario_name: str
    policy: str
    scenario_hash: str  # of the validated scenario with `policy`
    seed: int
    replications: int
    values: Values
    tolerances: dict[str, Tolerance] = field(default_factory=dict)
    version: str = __version__

    @property
    def label(self) -> str:
        return f"{self.scenario_name}/{self.policy}"


def rounded(values: np.ndarray | list[float]) -> np.ndarray:
    """Values as the file keeps them (NaN stays NaN)."""
    return np.array([float(f"{x:.{DIGITS}g}") for x in np.asarray(values, dtype=float)])


def make_baseline(scenario: Scenario, source: Path, values: Values, seed: int,
                  replications: int, tolerances: Mapping[str, Tolerance] | None = None,
                  ) -> Baseline:
    """The baseline of a run of `scenario` (read from `source`): the metrics defined in at
    least two replications (a metric undefined in the baseline cannot be checked)."""
    kept = {key: rounded(v) for key, v in values.items() if np.isfinite(v).sum() >= 2}
    return Baseline(source, scenario.name, scenario.policy.name, scenario_hash(scenario), seed,
                    replications, kept, dict(tolerances or {}))


def file_name(source: Path, policy: str) -> str:
    return f"{source.stem}--{policy}.json"


# ---------------------------------------------------------------- writing

def baseline_json(baseline: Baseline, folder: Path) -> str:
    """The file's text; the scenario path is written relative to `folder`."""
    metrics: dict[str, dict[str, Any]] = {}
    for (channel, metric), raw in sorted(baseline.values.items()):
        values = rounded(raw)
        finite = values[np.isfinite(values)]
        metrics.setdefault(channel, {})[metric] = {
            "mean": rounded([finite.mean()])[0].item(),
            "values": [x if math.isfinite(x) else None for x in values.tolist()],
        }
    data = {
        "format": FORMAT,
        "scenario": Path(os.path.relpath(baseline.scenario.resolve(),
                                         folder.resolve())).as_posix(),
        "scenario_name": baseline.scenario_name,
        "scenario_hash": baseline.scenario_hash,
        "policy": baseline.policy,
        "version": baseline.version,
        "seed": baseline.seed,
        "replications": baseline.replications,
        "seeds": SEEDS.format(last=baseline.replications - 1),
        "tolerances": {key: t.as_json() for key, t in sorted(baseline.tolerances.items())},
        "metrics": metrics,
    }
    return _dump(data) + "\n"


def write_baseline(baseline: Baseline, path: Path) -> Path:
    return write_text_atomic(path, baseline_json(baseline, path.parent))


def _dump(value: Any, depth: int = 0) -> str:
    """JSON with sorted keys, one line per leaf object (a metric's values on one line)."""
    if isinstance(value, dict) and any(isinstance(v, dict) for v in value.values()):
        pad = "  " * (depth + 1)
        items = ",\n".join(f"{pad}{json.dumps(k)}: {_dump(v, depth + 1)}"
                           for k, v in sorted(value.items()))
        return "{\n" + items + "\n" + "  " * depth + "}"
    return json.dumps(value, sort_keys=True, allow_nan=False)


# ---------------------------------------------------------------- reading

class _Metric(Strict):
    mean: float | None
    values: list[float | None]


class _File(Strict):
    format: Literal[1]
    scenario: str
    scenario_name: str = Field(max_length=MAX_NAME)
    scenario_hash: str = Field(pattern="^[0-9a-f]{64}$")
    policy: str
    version: str
    seed: int = Field(ge=0)
    replications: int = Field(ge=2)
    seeds: str
    tolerances: dict[str, float | str] = Field(default_factory=dict)
    metrics: dict[str, dict[str, _Metric]]


def read_baseline(path: Path) -> Baseline:
    """The baseline in `path`; BaselineError (file: key.path: reason) otherwise."""
    name = printable(str(path))
    try:
        data = json_data(read_text(path, MAX_BYTES))
    except (FileRefused, LimitError) as err:
        raise BaselineError(f"{name}: {printable(str(err))}") from None
    except json.JSONDecodeError as err:
        raise BaselineError(f"{name}: not valid JSON: {err}") from None
    try:
        file = _File.model_validate(data)
    except ValidationError as err:
        raise BaselineError("\n".join(f"{name}: {printable(line)}"
                                      for line in error_lines(err))) from None
    problems, tolerances = [], {}
    for key, value in file.tolerances.items():
        try:
            tolerances[key] = parse_tolerance(key, value)
        except ValueError as err:
            problems.append(f"tolerances.{shortened(key, SHOWN)}: {err}")
    values: Values = {}
    for channel, metrics in file.metrics.items():
        for metric, entry in metrics.items():
            where = f"metrics.{shortened(channel, SHOWN)}.{shortened(metric, SHOWN)}"
            if metric not in RULES:
                problems.append(f"{where}: not a checked metric (checked: {', '.join(RULES)})")
            elif len(entry.values) != file.replications:
                problems.append(f"{where}.values: {len(entry.values)} values, expected one per "
                                f"replication ({file.replications})")
            else:
                values[channel, metric] = np.array(
                    [math.nan if x is None else x for x in entry.values], dtype=float)
    if problems:
        raise BaselineError("\n".join(f"{name}: {printable(p)}" for p in problems))
    scenario = Path(os.path.normpath(path.parent / file.scenario))
    return Baseline(scenario, file.scenario_name, file.policy, file.scenario_hash, file.seed,
                    file.replications, values, tolerances, file.version)


def baseline_scenario(baseline: Baseline, origin: Path | str = "baseline") -> Scenario:
    """The scenario the baseline was made from, with its policy, as it is now; BaselineError
    if it cannot be loaded, if it changed since (its hash differs) or if it lacks a channel
    the baseline checks (a baseline edited by hand)."""
    from sim.runner.compare import policy_arms

    source = printable(str(baseline.scenario))
    try:
        scenario = policy_arms(load_scenario(baseline.scenario), [baseline.policy],
                               source=source)[0]
    except ScenarioError as err:
        raise BaselineError(f"{origin}: its scenario cannot be used: {err}") from None
    if scenario_hash(scenario) != baseline.scenario_hash:
        raise BaselineError(
            f"{origin}: {source} (policy {baseline.policy}) changed since the "
            "baseline was made (its scenario hash differs), so its numbers no longer apply; "
            f"if the change is intended, make the baseline again: sim baseline {origin} "
            "(then commit baselines/)")
    channels = {*scenario.channels, "all"}
    unknown = sorted({channel for channel, _ in baseline.values} - channels)
    if unknown:
        names = ", ".join(repr(shortened(c, SHOWN)) for c in unknown)
        raise BaselineError(f"{origin}: " + printable(
            f"metrics: no channel {names} in {source} (its channels: "
            f"{', '.join(sorted(channels))})"))
    return scenario
