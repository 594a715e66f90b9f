"""Metrics layer: pure functions from one replication's records (and its scenario) to tables.

Per contact (`contacts_table`), per need (`needs_table`), per replication
(`replication_metrics`), per interval (`interval_metrics`), and across
replications (`summarize`).
Names, labels and units are those of the catalogue (catalogue.py, docs/metrics.md).
"""

from sim.metrics.busy import busy_blocks, overlap_seconds
from sim.metrics.contacts import contacts_table
from sim.metrics.intervals import interval_metrics
from sim.metrics.needs import needs_table
from sim.metrics.replication import replication_metrics
from sim.metrics.summary import summarize
from sim.metrics.sums import interval_edges

__all__ = [
    "busy_blocks",
    "contacts_table",
    "interval_edges",
    "interval_metrics",
    "needs_table",
    "overlap_seconds",
    "replication_metrics",
    "summarize",
]
