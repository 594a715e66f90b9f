"""Fuzzed scenario files through the `sim run` entry point: each one runs (exit 0, every output
whole) or is refused (exit 2, the file and a key path or TOML line named, no traceback,
nothing written). Never anything else.

The files are mutations of BASE and the shipped scenarios (tests/reliability/scenario_files.py).
The default run checks 200 in this process; the slow one (make test-slow) a
thousand more; eight go through a real `python -m sim`, to see what a user sees on stderr.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, note, settings

from tests.reliability.helpers import assert_refused, assert_run_outputs, run_main, sim
from tests.reliability.scenario_files import ScenarioFile, scenario_files

RUN = ("-n", "2", "--seed", "3")  # a tiny run: the valid files are short too
# a share of each outcome the fuzzer must reach, or it has stopped testing one side
AT_LEAST = 0.1


def fuzz_settings(examples: int) -> settings:
    """Explicit: a file's run may take a second, and the examples are counted."""
    return settings(max_examples=examples, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def check_file(file: ScenarioFile, in_process: bool = True) -> str:
    """Run the file through the CLI and check the outcome; returns "ran" or "refused"."""
    for step in file.story:
        note(step)
    with tempfile.TemporaryDirectory() as folder:
        path, out = Path(folder) / "scenario.toml", Path(folder) / "out"
        path.write_bytes(file.content)
        if in_process:
            code, _, err = run_main("run", path, *RUN, "--out", out)
        else:
            done = sim("run", path, *RUN, "--quiet", "--out", out)
            code, err = done.returncode, done.stderr
            assert "Traceback" not in done.stdout
        if code == 0:
            assert "Traceback" not in err, err
            assert_run_outputs(out)
            return "ran"
        assert_refused(code, err, path, out)
        return "refused"


class Batch:
    """The outcomes of a batch of distinct files: hypothesis draws some files more than once
    (the simplest ones first), and a file seen before does not count."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.seen: set[bytes] = set()

    def check(self, file: ScenarioFile) -> None:
        assume(file.content not in self.seen)
        self.seen.add(file.content)
        self.outcomes[check_file(file)] += 1

    def assert_both_sides(self) -> None:
        total, ran = sum(self.outcomes.values()), self.outcomes["ran"]
        print(f"\nfuzzed scenario files: {total} ({ran} ran, {total - ran} refused)")
        assert min(ran, total - ran) >= AT_LEAST * total


# Each batch is its own function (its source seeds the derandomized examples), so the slow
# batch adds a thousand files to the default run's, rather than repeating them.

def test_a_few_hundred_fuzzed_files_run_or_are_refused():
    batch = Batch()

    @fuzz_settings(200)
    @given(scenario_files())
    def few_hundred(file: ScenarioFile) -> None:
        batch.check(file)

    few_hundred()
    batch.assert_both_sides()


@pytest.mark.slow
def test_a_thousand_fuzzed_files_run_or_are_refused():
    batch = Batch()

    @fuzz_settings(1000)
    @given(scenario_files())
    def thousand(file: ScenarioFile) -> None:
        batch.check(file)

    thousand()
    batch.assert_both_sides()


@fuzz_settings(8)
@given(scenario_files())
def test_fuzzed_files_through_the_real_program(file):
    check_file(file, in_process=False)
