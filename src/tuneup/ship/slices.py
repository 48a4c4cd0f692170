"""Per-slice metric over metadata columns, for compress-then-verify.

Slices are grouped exactly as `tuneup errors --by` groups them (`tuneup.errors.slices.slice_keys`: values,
the rarer ones pooled into "other"; numbers and dates in quantile bins), so a slice named in the export's
table is the slice the error report shows. Text columns with a value per example (ids, file paths) are
not slices.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tuneup.errors.slices import MAX_VALUES, slice_keys


def slice_columns(meta: pd.DataFrame, max_values: int = MAX_VALUES) -> list[str]:
    """Metadata columns worth slicing by: numbers and dates (binned), or between 2 and `max_values`
    distinct values."""
    def sliceable(s: pd.Series) -> bool:
        binned = pd.api.types.is_datetime64_any_dtype(s) or (
            pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s))
        return s.nunique(dropna=False) >= 2 and (binned or s.nunique(dropna=False) <= max_values)

    return [c for c in meta.columns if sliceable(meta[c])]


def slice_metrics(meta: pd.DataFrame, score: Callable[[np.ndarray], float | None],
                  columns: list[str] | None = None) -> list[dict]:
    """[{column, value, n, metric}] for every slice; `score(rows)` computes the metric on those rows."""
    out = []
    for col in slice_columns(meta) if columns is None else columns:
        codes, labels, _ = slice_keys(meta[col])
        for code, label in enumerate(labels):
            rows = np.flatnonzero(codes == code)
            if len(rows):
                out.append({"column": col, "value": label, "n": int(len(rows)), "metric": score(rows)})
    return out
