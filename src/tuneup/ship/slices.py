"""Per-slice metric over metadata columns, for compress-then-verify.

A small local stand-in: the shared slice analysis lives in `tuneup.errors` (issue 6); once both are
merged this module should delegate to it. Slices are the values of each metadata column with at most
`MAX_VALUES` distinct values on the split (ids and file paths are not slices).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

MAX_VALUES = 20


def slice_columns(meta: pd.DataFrame, max_values: int = MAX_VALUES) -> list[str]:
    """Metadata columns worth slicing by: between 2 and `max_values` distinct values."""
    return [c for c in meta.columns if 2 <= meta[c].nunique(dropna=False) <= max_values]


def slice_metrics(meta: pd.DataFrame, score: Callable[[np.ndarray], float | None],
                  columns: list[str] | None = None) -> list[dict]:
    """[{column, value, n, metric}] for every slice; `score(rows)` computes the metric on those rows."""
    out = []
    for col in slice_columns(meta) if columns is None else columns:
        keys = meta[col].astype(object).where(meta[col].notna(), "<missing>")
        for value, rows in keys.groupby(keys, sort=True).indices.items():
            out.append({"column": col, "value": value, "n": int(len(rows)), "metric": score(np.asarray(rows))})
    return out
