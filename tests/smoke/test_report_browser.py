"""report.html opens in a real browser: headless Chromium renders the page of `sim run`, of
`sim compare` and of `sim sweep`, and every embedded image loads at the size of its PNG.

A copy of the page gets a small script that, once the page has loaded, writes what it found
into the DOM; `chromium --dump-dom` prints the DOM. The report itself has no script. Without
Chromium the test is skipped, unless FRONTDOOR_REQUIRE_BROWSER=1 (.ci/run), where it fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import sim
from sim.report.compare import write_compare
from sim.report.outputs import write_run
from sim.report.sweep import write_sweep

ROOT = Path(__file__).resolve().parents[2]
MISSING = ("headless Chromium not found: install the Debian packages chromium and "
           "chromium-driver to run this test")
CHECK = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const loaded = images.filter((image) => image.complete && image.naturalWidth > 0);
  const found = document.createElement("pre");
  found.id = "frontdoor-check";
  found.textContent = `images: ${loaded.length}/${images.length} loaded; ` +
    `figures: ${document.querySelectorAll("figure").length}; ` +
    `widths: ${images.map((image) => image.naturalWidth).join(",")}`;
  document.body.appendChild(found);
});
</script>
"""
FOUND = re.compile(r"images: (\d+)/(\d+) loaded; figures: (\d+); widths: ([\d,]*)")


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("FRONTDOOR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{MISSING} (FRONTDOOR_REQUIRE_BROWSER=1 requires it)")
    pytest.skip(MISSING)


def render(chromium: str, report: Path, folder: Path) -> tuple[int, int, int, list[int]]:
    """(images loaded, images, figures, each image's natural width) of `report` as headless
    Chromium renders a copy of it."""
    folder.mkdir()
    copy = folder / "report.html"
    html = report.read_text(encoding="utf-8")
    assert html.count("</body>") == 1
    copy.write_text(html.replace("</body>", CHECK + "</body>"), encoding="utf-8")
    result = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={folder / 'profile'}", "--virtual-time-budget=10000",
         "--dump-dom", copy.as_uri()],
        capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    found = FOUND.search(result.stdout)
    assert found, f"the check did not run; stderr: {result.stderr[-2000:]}"
    loaded, images, figures, widths = found.groups()
    return int(loaded), int(images), int(figures), [int(w) for w in widths.split(",") if w]


def png_width(path: Path) -> int:
    """The width in the PNG's header (IHDR: bytes 16-20)."""
    return int.from_bytes(path.read_bytes()[16:20], "big")


def assert_every_image_loads(chromium: str, paths: list[Path], folder: Path) -> None:
    pngs = [p for p in paths if p.suffix == ".png"]
    loaded, images, figures, widths = render(chromium, paths[-1], folder)
    assert images == figures == len(pngs) > 0
    assert loaded == images
    assert widths == [png_width(p) for p in pngs]  # the page shows the plots in file order


def test_run_report_images_load_in_chromium(chromium, tmp_path):
    result = sim.run(ROOT / "scenarios" / "twitter-2015.toml", replications=1, seed=3)
    paths = write_run(result, tmp_path / "out", workers=1)
    assert {p.name for p in paths} >= {"public.png", "report.html"}  # every kind of plot
    assert_every_image_loads(chromium, paths, tmp_path / "browser")


def test_compare_report_images_load_in_chromium(chromium, tmp_path):
    scenarios = [ROOT / "scenarios" / f"twitter-{year}.toml" for year in (2015, 2010)]
    comparison = sim.compare(scenarios, replications=2, seed=3)
    paths = write_compare(comparison, tmp_path / "out", workers=1)
    assert {p.name for p in paths} >= {"compare_public.png", "report.html"}
    assert_every_image_loads(chromium, paths, tmp_path / "browser")


def test_sweep_report_images_load_in_chromium(chromium, tmp_path):
    result = sim.sweep(ROOT / "scenarios" / "erlang-c.toml", {"pools.phone.agents": [48, 52]},
                       replications=1, seed=3)
    (tmp_path / "out").mkdir()
    paths, missing = write_sweep(result, tmp_path / "out")
    assert missing is None and paths[-1].name == "report.html"
    assert_every_image_loads(chromium, paths, tmp_path / "browser")
