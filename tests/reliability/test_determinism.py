"""The same seed gives byte-identical metrics.csv, intervals.csv and the streamed parquet files
with 1, 2 or 4 local workers and on a dask LocalCluster (`--scheduler local`).

The scenario is the richest shipped one (twitter-2015: journeys across channels, redirects,
multi-message cases, public visibility, shifts), so every random stream is in play.
"""

from __future__ import annotations

import pytest

from tests.reliability.helpers import SCENARIOS, sim

SCENARIO = SCENARIOS / "twitter-2015.toml"
TABLES = ("metrics.csv", "intervals.csv", "contacts.parquet", "needs.parquet")


def run(out, *options: object) -> dict[str, bytes]:
    done = sim("run", SCENARIO, "-n", "4", "--seed", "17", "-q", "--out", out, *options)
    assert done.returncode == 0, done.stderr
    return {name: (out / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    tables = run(tmp_path_factory.mktemp("w1"), "-w", "1")
    assert all(tables.values())
    return tables


@pytest.mark.parametrize("workers", [2, 4])
def test_any_number_of_workers_gives_the_same_bytes(tmp_path, reference, workers):
    assert run(tmp_path, "-w", workers) == reference


def test_a_dask_local_cluster_gives_the_same_bytes(tmp_path, reference):
    if "--scheduler" not in sim("run", "--help").stdout:
        pytest.skip("`sim run --scheduler` is not there yet (being added with dask support)")
    assert run(tmp_path, "--scheduler", "local", "-w", "2") == reference
