"""The Python API with workers needs no `if __name__ == "__main__":` guard: a plain script
(the main module found by its path) and a module run with `python -m` (found by its name, as
Jupyter's kernel is) start local processes and a dask cluster, and get the bytes of one
worker. Before, each worker ran the script again and the pool broke."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """\
import sim

one = sim.run("scenarios/erlang-c.toml", replications=2, workers=1, records="none")
two = sim.run("scenarios/erlang-c.toml", replications=2, workers=2, records="none")
assert two.metrics.to_csv() == one.metrics.to_csv()
print("run", two.replications)
"""
SWEEP = """\
swept = sim.sweep("scenarios/erlang-c.toml", {"pools.phone.agents": [50, 52]},
                  replications=2, workers=2)
print("sweep", len(swept.table))
"""


@pytest.mark.parametrize("how, code", [("path", SCRIPT + SWEEP), ("name", SCRIPT)])
def test_a_script_without_a_guard_runs_with_workers(tmp_path, how, code):
    (tmp_path / "plain.py").write_text(code, encoding="utf-8")
    command = [str(tmp_path / "plain.py")] if how == "path" else ["-m", "plain"]
    result = subprocess.run([sys.executable, *command], cwd=ROOT, capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    printed = result.stdout.split()
    assert printed[:2] == ["run", "2"]
    assert printed[2:3] == (["sweep"] if how == "path" else [])
