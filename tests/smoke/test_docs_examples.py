"""Every shell and Python example of the README and of docs/*.md runs as a reader runs it, so
the documentation cannot rot.

The examples run in the order of PAGES and of each page (a later one reads what an earlier
one wrote, as for a reader who takes the tour first), in one temporary folder holding a copy
of the repository's scenarios, examples and baselines (`sim baseline` writes `baselines/`); a
shell line run already, as it is, is not run again. They run in a quick mode:
- `.venv/bin/sim ...` and `sim ...` run as `python -m sim ...`, `.venv/bin/python` as this
  interpreter, `make TARGET` as `make -n TARGET` (a dry run: `make test` would run these
  tests again, `make bench` takes a minute);
- a count of replications becomes 2 (`-n`, `--replications`, `replications=`), workers at
  most 2, `--max-replications` and `max_replications=` 3, and a command given no count gets
  QUICK's options (`sim staff`: few replications and plans);
- FRONTDOOR_EXAMPLE_QUICK=1 for the examples' scripts (see examples/twitter_share.py).
Lines and blocks that name one of SLOW (minutes: rosters, the staffing of a fitted log, `sim
check`) run only in the slow run, with everything else of their page again. A Python block
followed by a line "prints" and a `text` block must print that text. Blocks not to run say so
by their fence (NOT_RUN); a fence without a language fails. Run with `-s` to see the list of
commands run.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "console"}
RUN = SHELL | {"python"}
NOT_RUN = {"toml", "json", "yaml", "text"}
COPIED = ("scenarios", "examples", "baselines", "Makefile", "pyproject.toml")
FENCE = re.compile(r"^```(.*)$")
SLOW = ("rostered-2015", "staff results/contacts.toml", "sim check", "baseline baselines/",
        "sim.staff(", "sim.fit_log(")
COUNT = {"-n": 2, "--replications": 2, "--max-replications": 3, "--max-iterations": 2}
WORKERS = ("-w", "--workers")
QUICK = {"run": ["-n", "2"], "compare": ["-n", "2"], "sweep": ["-n", "2"],
         "baseline": ["-n", "2"], "fit": ["-n", "2"],
         "staff": ["-n", "2", "--max-replications", "3", "--max-iterations", "2"]}
PYTHON_COUNT = re.compile(r"\b(replications|max_replications|workers)=(\d+)")
PYTHON_QUICK = {"replications": 2, "max_replications": 3, "workers": 2}
# what the examples say they write, beyond running (the tour's run and plot, the fit)
WRITES = ["results/erlang-c/metrics.csv", "results/erlang-c/report.html", "service_level.png",
          "results/contacts.toml", "results/contacts-backtest/backtest.csv",
          "results/contacts-backtest/intraday.csv", "results/contacts-backtest/report.html"]


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence, from 1
    language: str
    code: str
    prints: str | None = None  # the text block it is said to print

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """Every fenced block of `page`, with the output a Python block is said to print."""
    found: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    opened: Block | None = None
    printer: Block | None = None  # the Python block that the open block is the output of
    prose: list[str] = []  # the lines since the last block closed
    for number, line in enumerate(lines, 1):
        fence = FENCE.match(line)
        if opened is None and fence:
            opened = Block(page, number, fence.group(1).strip(), "")
            if (found and found[-1].language == "python" and opened.language == "text"
                    and " ".join(prose).strip() == "prints"):
                printer = found[-1]
        elif opened is not None and line.strip() == "```":
            if printer is not None:
                printer.prints = opened.code
            found.append(opened)
            opened, printer, prose = None, None, []
        elif opened is not None:
            opened.code += line + "\n"
        else:
            prose.append(line)
    assert opened is None, f"{page}:{opened.line}: a block is not closed"
    return found


def shell_lines(block: Block) -> list[str]:
    """The commands of a shell block: continuations joined; in a console block, the `$` lines."""
    text = block.code.replace("\\\n", " ")
    if block.language == "console":
        return [line[2:] for line in text.splitlines() if line.startswith("$ ")]
    return [line for line in text.splitlines() if shlex.split(line, comments=True)]


def quick_sim(args: list[str]) -> list[str]:
    """`sim` arguments in the quick mode."""
    args = list(args)
    for i, word in enumerate(args[:-1]):
        if word in COUNT:
            args[i + 1] = str(COUNT[word])
        elif word in WORKERS:
            args[i + 1] = str(min(2, int(args[i + 1])))
    given = set(args)
    extra = QUICK.get(args[0], [])
    for i in range(0, len(extra), 2):
        if extra[i] not in given:
            args += extra[i:i + 2]
    return args


def command(line: str, where: str, folder: Path = ROOT) -> list[str]:
    """The argv that runs a documented shell line in `folder`, in the quick mode."""
    words = [match for word in shlex.split(line, comments=True)
             for match in sorted(glob.glob(word, root_dir=folder)) or [word]]
    if words[0] in (".venv/bin/sim", "sim"):
        return [sys.executable, "-m", "sim", *quick_sim(words[1:])]
    if words[0] in (".venv/bin/python", "python") and words[1:3] == ["-m", "sim"]:
        return [sys.executable, "-m", "sim", *quick_sim(words[3:])]
    if words[0] in (".venv/bin/python", "python"):
        return [sys.executable, *words[1:]]
    if words[0] == "make":
        return ["make", "-n", *words[1:]]
    raise AssertionError(f"{where}: a runnable block runs sim, python or make, not {line!r}; "
                         f"fence it as one of {sorted(NOT_RUN)} if it is not to run")


def quick_python(code: str) -> str:
    return PYTHON_COUNT.sub(lambda m: f"{m[1]}={min(int(m[2]), PYTHON_QUICK[m[1]])}", code)


@dataclass
class Example:
    block: Block
    text: str  # a shell line, or the block's Python code

    @property
    def slow(self) -> bool:
        return any(word in self.text for word in SLOW)


def examples(page: Path) -> list[Example]:
    found = []
    for block in blocks(page):
        if block.language == "python":
            found.append(Example(block, block.code))
        elif block.language in SHELL:
            found += [Example(block, line) for line in shell_lines(block)]
    return found


def run_all(folder: Path, slow: bool) -> None:
    """Run the examples of every page in `folder`, in order; a shell line that an earlier
    page ran already, as it is, is not run again."""
    for name in COPIED:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    env = {**os.environ, "MPLBACKEND": "Agg", "FRONTDOOR_EXAMPLE_QUICK": "1"}
    ran: set[tuple[str, ...]] = set()
    for example in [e for page in PAGES for e in examples(page)]:
        where, first = example.block.where, example.text.strip().splitlines()[0][:70]
        if example.slow and not slow:
            print(f"{where}: slow, not run: {first}")
            continue
        if example.block.language == "python":
            argv = [sys.executable, "-c", quick_python(example.text)]
        else:
            argv = command(example.text, where, folder)
            if tuple(argv) in ran:
                print(f"{where}: ran above: {first}")
                continue
            ran.add(tuple(argv))
        start = time.monotonic()
        done = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True,
                              timeout=1200)
        print(f"{where}: ran in {time.monotonic() - start:.1f} s: {first}")
        assert done.returncode == 0, (where, first, done.stderr[-3000:])
        if example.block.prints is not None:
            assert done.stdout.strip() == example.block.prints.strip(), (where, done.stdout)
    for path in WRITES:
        assert (folder / path).is_file(), path


def test_every_block_is_run_or_marked_not_to():
    listed = []
    for page in PAGES:
        for block in blocks(page):
            assert block.language in RUN | NOT_RUN, (
                f"{block.where}: fence {block.language!r}: give the block a language, "
                f"one of {sorted(RUN)} to run it or {sorted(NOT_RUN)}")
            listed.append(f"{block.where} {block.language}")
    print("\n".join(listed))
    readme = examples(ROOT / "README.md")
    assert sum(e.block.language == "python" for e in readme) >= 2
    assert any("sim run scenarios/erlang-c.toml" in e.text for e in readme)
    assert all(not e.slow for e in readme), "the README's tour runs in the default suite"


def test_a_python_block_said_to_print_is_found():
    (fit,) = [b for b in blocks(ROOT / "docs" / "fit.md") if b.language == "python"]
    assert fit.prints and fit.prints.startswith("phone patience:")


def test_the_quick_mode_replaces_counts_and_workers():
    assert command(".venv/bin/sim sweep f.toml --set a=1:3 -n 10 -w 4", "") == [
        sys.executable, "-m", "sim", "sweep", "f.toml", "--set", "a=1:3", "-n", "2", "-w", "2"]
    assert command("sim staff f.toml  # a comment", "")[3:] == [
        "staff", "f.toml", "-n", "2", "--max-replications", "3", "--max-iterations", "2"]
    assert quick_python("run(f, replications=20, max_replications=500, workers=2)") == \
        "run(f, replications=2, max_replications=3, workers=2)"
    with pytest.raises(AssertionError, match="runs sim, python or make"):
        command("git commit -m x", "README.md:1")


def test_every_example_runs(tmp_path):
    run_all(tmp_path, slow=False)


@pytest.mark.slow
def test_every_example_runs_slow_ones_included(tmp_path):
    run_all(tmp_path, slow=True)


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_relative_link_names_a_file_and_heading():
    for page in PAGES:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, heading = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            where = f"{page.relative_to(ROOT)}: {target}"
            assert linked.exists() or not linked.is_relative_to(ROOT), where
            if heading and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.M)
                assert heading in {anchor(h) for h in headings}, where
