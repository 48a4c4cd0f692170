"""A label's key: the one text form of a class, whatever JSON, CSV, Parquet or numpy made of it (3, 3.0,
np.int64(3) and "3" are the same class "3"). Class codes, `p:<class>` columns, the log's labels and
predictions all match on it."""
from __future__ import annotations

import numpy as np
import pandas as pd


def label_key(value: object) -> str | None:
    """`value` as its class's text; None for a missing label."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return str(value)


def label_keys(values) -> np.ndarray:
    """`label_key` of each value, as an object array (None where missing). Each distinct value is converted
    once: a Python call per row over 100,000 Arrow strings took most of a second (bench/report.py)."""
    if not hasattr(values, "dtype"):  # a list (of classes): short
        return np.array([label_key(v) for v in values], dtype=object)
    codes, uniques = pd.factorize(values)  # missing values: -1
    return np.array([label_key(u) for u in uniques] + [None], dtype=object)[codes]
