"""Staffing by simulation (`sim staff`): the problem (cells.py), the warm start (warm.py), the
search (search.py), judging a plan by simulation (evaluate.py) and the whole (staff.py)."""
