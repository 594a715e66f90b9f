"""Codes of the records turned into named categoricals for the output tables."""

from __future__ import annotations

import numpy as np
import pandas as pd


def named(codes: np.ndarray, names: dict[int, str]) -> pd.Categorical:
    """A categorical of `names[code]`, with every name as a category, in code order."""
    keys = sorted(names)
    position = np.full(max(keys) + 1, -1, dtype=np.int32)
    position[keys] = np.arange(len(keys))
    return pd.Categorical.from_codes(position[np.asarray(codes, dtype=np.intp)],
                                     categories=[names[k] for k in keys])
