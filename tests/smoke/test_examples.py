"""The examples run as a reader runs them (a script from the repository root), in their quick
mode, so they cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"


def test_twitter_share_runs_and_saves_its_plots(tmp_path):
    out = tmp_path / "twitter-share"
    env = {**os.environ, "FRONTDOOR_EXAMPLE_QUICK": "1", "FRONTDOOR_EXAMPLE_OUT": str(out),
           "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "examples/twitter_share.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:2] == ["to", "2015"]
    assert [line.split()[0] for line in lines[1:3]] == ["0%", "100%"]  # the two quick levels
    assert lines[-1] == f"plots in {out}/"
    for name in ("unanswered_impressions.png", "public-2015-level.png"):
        assert (out / name).read_bytes().startswith(PNG), name
    from matplotlib.image import imread

    height, width, _ = imread(out / "unanswered_impressions.png").shape
    assert width > 500 and height > 300
