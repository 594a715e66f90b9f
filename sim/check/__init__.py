"""Regression checks for routing policies: baselines stored as JSON, and a paired,
one-sided test per metric against them (what `sim baseline` and `sim check` run).

- `directions`: which way each checked metric is better, and its practical tolerance.
- `baseline`: the baseline file (format, reading with key paths, atomic writing).
- `measure`: the per-replication values of the checked metrics, for many baselines at once.
- `paired`: the paired one-sided t-test and Holm's correction (pure functions).
- `verdict`: a new run against a baseline, metric by metric, and the verdicts.
- `junit`: the verdicts as JUnit XML for CI systems.
"""

ALPHA = 0.05  # family-wise chance of any false alarm in one `sim check` (Holm)
