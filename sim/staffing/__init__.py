"""Staffing and rosters (`sim staff`): the goals and judged cells (cells.py), the computed load
(load.py), the warm start (warm.py), the replication count (sample.py), judging a plan by
simulation (evaluate.py), the search (search.py), the confirming run (confirm.py), shift
rosters as an integer program (roster.py) repaired by simulation (rostering.py), and the
whole (staff.py). See docs/staffing.md."""
