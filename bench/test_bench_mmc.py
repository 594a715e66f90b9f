"""Speed benchmark: M/M/c (c=50, rho=0.9), our engine against Ciw on the same model.

Run with `make bench` (`pytest bench --benchmark-only -s`); not part of the default
test run. The model: Poisson arrivals at 450 an hour, exponential handle times with
mean 6 min, 50 agents (45 Erlangs), FIFO, nobody abandons.

- `test_bench_mmc_ciw` times Ciw on ~100k contacts (Ciw is the slower one).
- `test_bench_mmc_frontdoor` times a whole `simulate` call on ~1.05M contacts, checks
  the mean wait against Erlang C and prints the comparison table.
- `test_mmc_meets_issue_targets` asserts the targets: at least 10x Ciw, at least
  350,000 contacts/s, at most 100 bytes per recorded contact.

Figures are per one core: contacts / median wall time of a whole run. They are kept in
`benchmark.extra_info` (see `--benchmark-json`).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import ciw
import numpy as np
import pytest

from sim.engine.records import ANSWERED
from sim.engine.simulation import simulate
from sim.engine.streams import replication_seed
from sim.scenario.schema import Scenario
from sim.theory.erlang import mmc_mean_wait

AGENTS = 50
RHO = 0.9
MEAN_SERVICE = 360.0  # seconds (6 min)
OFFERED = RHO * AGENTS  # 45 Erlangs
PER_HOUR = OFFERED * 3600 / MEAN_SERVICE  # 450 contacts an hour
OUR_CONTACTS = 1_050_000  # expected; the run must record at least 1,000,000
CIW_CONTACTS = 100_000
ROUNDS = 5  # the median of five is steady when a round or two is slowed by the machine

# the issue's targets
MIN_SPEEDUP_OVER_CIW = 10.0
MIN_CONTACTS_PER_SECOND = 350_000
MAX_BYTES_PER_CONTACT = 100

# simulated mean wait vs Erlang C (26.2 s), relative; one 1M-contact run has a standard
# error of about 4% (batch means), and the seed is fixed, so the check is deterministic
WAIT_TOLERANCE = 0.10


def mmc_scenario() -> Scenario:
    return Scenario(
        name="mmc-bench",
        horizon=OUR_CONTACTS / PER_HOUR * 3600,
        warmup=0,
        demand={"per_hour": PER_HOUR},
        choice={"default": {"phone": 1.0}},
        channels={"phone": {"kind": "realtime",
                            "handle_time": {"dist": "exponential", "mean": "6min"}}},
        pools={"phone": {"skills": ["phone"], "agents": AGENTS}},
    )


def run_ciw(seed: int, contacts: int = CIW_CONTACTS) -> list:
    """The same M/M/c in Ciw, from building the network to collecting the records."""
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(PER_HOUR / 3600)],
        service_distributions=[ciw.dists.Exponential(1 / MEAN_SERVICE)],
        number_of_servers=[AGENTS],
    )
    q = ciw.Simulation(network)
    q.simulate_until_max_time(contacts / (PER_HOUR / 3600))
    return q.get_all_records()


def timed(function, walls: list[float]):
    """`function` wrapped to append its wall time to `walls` (one entry per round)."""

    def run(*args):
        start = time.perf_counter()
        result = function(*args)
        walls.append(time.perf_counter() - start)
        return result

    return run


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    """Figures shared by the tests of this module, filled in as they run."""
    return {}


def measure_ciw(figures: dict[str, Any], benchmark=None) -> None:
    walls: list[float] = []
    seeds = iter(range(1, 1000))
    run = timed(lambda: run_ciw(next(seeds)), walls)
    if benchmark is None:
        for _ in range(ROUNDS):
            records = run()
    else:
        records = benchmark.pedantic(run, rounds=ROUNDS, iterations=1, warmup_rounds=0)
    figures["ciw_contacts"] = len(records)
    figures["ciw_median_seconds"] = statistics.median(walls)
    figures["ciw_contacts_per_second"] = len(records) / statistics.median(walls)
    figures["ciw_mean_wait"] = statistics.fmean(r.waiting_time for r in records)


def measure_ours(figures: dict[str, Any], benchmark=None) -> Any:
    sc = mmc_scenario()
    seed = replication_seed(1, 0)
    walls: list[float] = []
    run = timed(simulate, walls)
    if benchmark is None:
        for _ in range(ROUNDS):
            records = run(sc, seed)
    else:
        records = benchmark.pedantic(run, args=(sc, seed), rounds=ROUNDS, iterations=1,
                                     warmup_rounds=0)
    answered = ~np.isnan(records.answered)
    figures["contacts"] = len(records)
    figures["median_seconds"] = statistics.median(walls)
    figures["contacts_per_second"] = len(records) / statistics.median(walls)
    figures["bytes_per_contact"] = records.nbytes / len(records)
    figures["mean_wait"] = float(np.mean(records.answered[answered] - records.arrival[answered]))
    figures["erlang_c_mean_wait"] = mmc_mean_wait(AGENTS, PER_HOUR / 3600, MEAN_SERVICE)
    return records


def table(figures: dict[str, Any]) -> str:
    def num(key: str, fmt: str) -> str:
        return format(figures[key], fmt) if key in figures else "not measured"

    rows = [
        ("M/M/c, c=50, rho=0.9, one core", ""),
        ("frontdoor contacts", num("contacts", ",d")),
        ("frontdoor median wall time (s)", num("median_seconds", ".2f")),
        ("frontdoor contacts / s", num("contacts_per_second", ",.0f")
         + f"   (target >= {MIN_CONTACTS_PER_SECOND:,})"),
        ("bytes / recorded contact", num("bytes_per_contact", ".1f")
         + f"   (target <= {MAX_BYTES_PER_CONTACT})"),
        ("Ciw contacts", num("ciw_contacts", ",d")),
        ("Ciw contacts / s", num("ciw_contacts_per_second", ",.0f")),
        ("frontdoor / Ciw", num("speedup_over_ciw", ".1f")
         + f"x   (target >= {MIN_SPEEDUP_OVER_CIW:.0f}x)"),
        ("mean wait (s): frontdoor / Ciw (noisy) / Erlang C",
         " / ".join(num(k, ".2f") for k in ("mean_wait", "ciw_mean_wait", "erlang_c_mean_wait"))),
    ]
    width = max(len(label) for label, _ in rows)
    lines = [f"  {label:<{width}}  {value}" for label, value in rows]
    rule = "  " + "-" * (width + 40)
    return "\n".join(["", rule, *lines, rule])


def add_ratio(figures: dict[str, Any]) -> None:
    if "contacts_per_second" in figures and "ciw_contacts_per_second" in figures:
        figures["speedup_over_ciw"] = (figures["contacts_per_second"]
                                       / figures["ciw_contacts_per_second"])


@pytest.mark.benchmark(group="mmc-c50-rho0.9")
def test_bench_mmc_ciw(benchmark, figures):
    measure_ciw(figures, benchmark)
    benchmark.extra_info.update({k: v for k, v in figures.items() if k.startswith("ciw_")})
    assert figures["ciw_contacts"] >= 0.9 * CIW_CONTACTS


@pytest.mark.benchmark(group="mmc-c50-rho0.9")
def test_bench_mmc_frontdoor(benchmark, figures):
    records = measure_ours(figures, benchmark)
    add_ratio(figures)
    benchmark.extra_info.update(figures)
    print(table(figures))

    assert len(records) >= 1_000_000
    # the model is what it says: a stable queue where almost everyone is served
    assert np.count_nonzero(records.status == ANSWERED) >= 0.999 * len(records)
    wait, theory = figures["mean_wait"], figures["erlang_c_mean_wait"]
    assert abs(wait - theory) <= WAIT_TOLERANCE * theory, (
        f"mean wait {wait:.2f} s vs Erlang C {theory:.2f} s")


@pytest.mark.benchmark(group="mmc-targets (reads the figures above; its time means nothing)")
def test_mmc_meets_issue_targets(benchmark, figures):
    """The issue's speed and memory targets, kept apart so a regression shows by name.

    Uses the figures measured by the two benchmarks above; run alone, it measures them
    itself. It calls the benchmark fixture only so that `--benchmark-only` runs it.
    """

    def gather() -> dict[str, Any]:
        if "ciw_contacts_per_second" not in figures:
            measure_ciw(figures)
        if "contacts_per_second" not in figures:
            measure_ours(figures)
        add_ratio(figures)
        return figures

    got = benchmark.pedantic(gather, rounds=1, iterations=1)
    benchmark.extra_info.update(got)
    failures = []
    if got["speedup_over_ciw"] < MIN_SPEEDUP_OVER_CIW:
        failures.append(f"{got['speedup_over_ciw']:.1f}x Ciw, target >= "
                        f"{MIN_SPEEDUP_OVER_CIW:.0f}x")
    if got["contacts_per_second"] < MIN_CONTACTS_PER_SECOND:
        failures.append(f"{got['contacts_per_second']:,.0f} contacts/s, target >= "
                        f"{MIN_CONTACTS_PER_SECOND:,}")
    if got["bytes_per_contact"] > MAX_BYTES_PER_CONTACT:
        failures.append(f"{got['bytes_per_contact']:.1f} bytes/contact, target <= "
                        f"{MAX_BYTES_PER_CONTACT}")
    assert not failures, "issue targets missed: " + "; ".join(failures)
