"""The verdicts of `sim check` as JUnit XML, which CI systems show as test results: one test
suite per baseline, one test case per metric, a `failure` element for each regression."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from sim.check.verdict import MetricCheck
from sim.files.atomic import write_atomic


def junit_xml(checks: Sequence[MetricCheck], seconds: float = 0.0) -> ET.ElementTree:
    failures = sum(c.failed for c in checks)
    root = ET.Element("testsuites", name="sim check", tests=str(len(checks)),
                      failures=str(failures), time=f"{seconds:.3f}")
    suites: dict[str, ET.Element] = {}
    for c in checks:
        suite = suites.get(c.baseline)
        if suite is None:
            suite = suites[c.baseline] = ET.SubElement(root, "testsuite", name=c.baseline)
        case = ET.SubElement(suite, "testcase", classname=c.baseline,
                             name=f"{c.channel}:{c.metric}")
        if c.failed:
            ET.SubElement(case, "failure", type=c.verdict,
                          message=f"{c.channel}:{c.metric} {c.verdict}: {c.test.diff:+.4g} "
                          f"(tolerance {c.tolerance:.4g})").text = describe(c)
    for name, suite in suites.items():
        mine = [c for c in checks if c.baseline == name]
        suite.set("tests", str(len(mine)))
        suite.set("failures", str(sum(c.failed for c in mine)))
    ET.indent(root)
    return ET.ElementTree(root)


def describe(c: MetricCheck) -> str:
    """One sentence on a metric's result, for people reading the CI log."""
    t = c.test
    if c.verdict == "missing":
        return (f"{c.baseline} {c.channel} {c.metric}: the baseline has it, the new run has "
                f"it in {t.pairs} replication(s); if this is intended, make the baseline again")
    return (f"{c.baseline} {c.channel} {c.metric} ({c.direction} is better): baseline "
            f"{t.base_mean:.6g}, new {t.new_mean:.6g}, difference {t.diff:+.4g} "
            f"(95% CI {t.low:+.4g} to {t.high:+.4g}, {t.pairs} paired replications), "
            f"tolerance {c.tolerance:.4g}, Holm-adjusted p {c.p_holm:.3g}")


def write_junit(checks: Sequence[MetricCheck], path: Path, seconds: float = 0.0) -> Path:
    return write_atomic(path, lambda tmp: junit_xml(checks, seconds).write(
        tmp, encoding="utf-8", xml_declaration=True))
