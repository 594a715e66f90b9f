"""The reports: PNG plots and a self-contained report.html, written by `write_run` and by
`write_compare`."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

import sim
from sim.report.compare import write_compare
from sim.report.compare_html import _diff
from sim.report.compare_rows import Cell, main_rows, table_lines
from sim.report.outputs import write_run
from tests.support import BASE, edit, write

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
PLOTS = {"waits.png", "service_level.png", "staffing.png"}
DATA_URI = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> tuple[list[Path], Path]:
    """A run of the small two-channel scenario (no public channel), written out."""
    folder = tmp_path_factory.mktemp("mini")
    result = sim.run(write(folder, BASE), replications=2, seed=5)
    out = folder / "out"
    return write_run(result, out, workers=1), out


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> tuple[list[Path], Path]:
    """One replication of the Twitter scenario (a public channel), written out."""
    result = sim.run(ROOT / "scenarios" / "twitter-2015.toml", replications=1, seed=5)
    out = tmp_path_factory.mktemp("public")
    return write_run(result, out, workers=1), out


def embedded_images(html: str) -> list[bytes]:
    return [base64.b64decode(data, validate=True) for data in DATA_URI.findall(html)]


def test_report_html_is_written_last_and_self_contained(mini):
    paths, out = mini
    assert paths[-1] == out / "report.html"
    assert {p.name for p in paths} == {p.name for p in out.iterdir()}  # no temporary files
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "mini" in html and "fifo" in html and "seed 5" in html
    assert not re.search(r"https?://", html)
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert 'src="' not in DATA_URI.sub("", html)  # every image is a data URI


def test_every_embedded_image_is_a_png_also_written_as_a_file(mini):
    paths, out = mini
    html = (out / "report.html").read_text(encoding="utf-8")
    images = embedded_images(html)
    assert len(images) == len(PLOTS)
    assert all(image.startswith(PNG) for image in images)
    files = {p.name: p.read_bytes() for p in paths if p.suffix == ".png"}
    assert set(files) == PLOTS
    assert sorted(images) == sorted(files.values())


def test_no_public_panel_without_a_public_channel(mini):
    paths, out = mini
    assert "public.png" not in {p.name for p in paths}
    assert not (out / "public.png").exists()
    assert "public.png" not in (out / "report.html").read_text(encoding="utf-8")


def test_metrics_and_scenario_are_in_the_report(mini):
    _, out = mini
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in ("phone", "email", "team", "realtime", "deferred", "80% within 20 s",
                 "<td>service level</td>", "95% CI", "agents on shift"):
        assert text in html, text


def test_the_report_marks_a_missed_target_and_shows_metrics_in_their_units(mini):
    """The mini scenario's phone queue is short of agents: its 80% in 20 s is missed, and the
    page says so beside the value and points to `sim staff`. Shares show as %, times with
    their unit, as the catalogue says; no `all` row of a wait."""
    _, out = mini
    html = (out / "report.html").read_text(encoding="utf-8")
    targets = html.split("<h2>Targets</h2>", 1)[1].split("<h2>", 1)[0]
    assert "≥ 80% within 20 s" in targets and ">missed</td>" in targets
    assert "sim staff FILE" in targets
    table = html.split("<h2>Metrics</h2>", 1)[1].split("<h2>", 1)[0]
    cells = re.findall(r"<td>(mean wait|service level)</td><td class=\"num\">([^<]+)</td>",
                       table)
    assert cells and all(v.endswith(("%", " s", " min", " h")) for _, v in cells)
    rows = table.split("<td>all</td>", 1)[1].split("pool)</td>", 1)[0]
    assert "mean wait" not in rows and "<td>service level</td>" in rows


def test_a_public_channel_gets_its_panel(public):
    paths, out = public
    names = {p.name for p in paths}
    assert names >= PLOTS | {"public.png", "report.html"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "twitter-2015" in html and "public.png" in html
    images = embedded_images(html)
    assert len(images) == len(PLOTS) + 1
    assert all(image.startswith(PNG) for image in images)
    assert not re.search(r"https?://", html)


# ---------------------------------------------------------------- sim compare's report.html

@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> tuple[list[Path], Path, object]:
    """Two arms of the small scenario, 3 and 4 agents, written out."""
    folder = tmp_path_factory.mktemp("compared")
    files = [write(folder, BASE, "three.toml"),
             write(folder, edit("agents = 3", "agents = 4").replace('"mini"', '"mini-4"'),
                   "four.toml")]
    comparison = sim.compare(files, replications=2, seed=5)
    out = folder / "out"
    return write_compare(comparison, out, workers=1), out, comparison


def test_compare_report_is_written_last_and_self_contained(compared):
    paths, out, _ = compared
    assert paths[-1] == out / "report.html"
    assert {p.name for p in paths} == {p.name for p in out.iterdir()}  # no temporary files
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", html)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert 'src="' not in DATA_URI.sub("", html)


def test_compare_report_embeds_each_plot_written(compared):
    paths, out, _ = compared
    html = (out / "report.html").read_text(encoding="utf-8")
    files = [p.read_bytes() for p in paths if p.suffix == ".png"]
    assert [p.name for p in paths if p.suffix == ".png"] == ["compare.png", "compare_waits.png"]
    assert embedded_images(html) == files  # in the same order


def test_compare_report_has_the_console_table(compared):
    _, out, comparison = compared
    html = (out / "report.html").read_text(encoding="utf-8")
    for text in ("mini vs mini-4", "three.toml", "four.toml", "Δ = arm minus mini",
                 "service level (%)", "agents on shift", "&Delta;"):
        assert text in html, text
    lines = table_lines(comparison, main_rows(comparison), comparison.labels[1:])
    assert lines
    for line in lines:  # every cell of the console's table, in the page's table
        assert f"<td>{line.label}</td>" in html
        for cell in line.cells:
            assert cell.value in html and cell.half in html
    # the arms differ in more than the policy: one scenario summary per arm
    assert html.count("<details") == 2


def test_a_significant_difference_is_marked_better_or_worse():
    assert _diff(Cell("+1.5", "0.4", 1)) == \
        '<td class="num better">+1.5 *<br><span class="half">±0.4</span></td>'
    assert 'class="num worse">-2 *' in _diff(Cell("-2", "", -1))
    assert _diff(Cell("+0.1", "0.4", None)) == \
        '<td class="num">+0.1<br><span class="half">±0.4</span></td>'
