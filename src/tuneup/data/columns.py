"""What each column is (numeric, categorical, boolean, datetime), and what task the target poses."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from tuneup.exceptions import DataError, listing, shown

BOOL_WORDS = {"true": 1, "false": 0, "yes": 1, "no": 0, "y": 1, "n": 0, "t": 1, "f": 0}
MAX_CLASSES_FROM_INTEGERS = 20  # integer targets with more distinct values are treated as regression


def infer_types(features: pd.DataFrame, declared: dict[str, str], where: str) -> dict[str, str]:
    """Column -> numeric | categorical | boolean | datetime. Refuses empty columns and text in numbers."""
    unknown = [c for c in declared if c not in features.columns]
    if unknown:
        raise DataError(
            f"data.types names columns that are not features of {where}: {listing(unknown)} "
            f"(features: {listing(features.columns)})"
        )
    types = {}
    for col in features.columns:
        s = features[col]
        if s.isna().all():
            raise DataError(
                f"column '{col}' of {where} is entirely empty; remove it with data.drop: [{col}]"
            )
        kind = declared.get(col) or infer_type(s)
        if kind == "numeric":
            _check_numeric(s, col, where, declared=col in declared)
        elif kind == "datetime":
            _check_datetime(s, col, where)
        types[col] = kind
    return types


def infer_type(s: pd.Series) -> str:
    """numeric | categorical | boolean | datetime, from the values."""
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime"
    values = s.dropna()
    text = values.astype(str).str.strip()
    counts = text.value_counts()  # each distinct text once, most frequent first: parsing 1M rows is slow
    lower = counts.index.str.lower()
    if lower.nunique() == 2 and set(lower.unique()) <= set(BOOL_WORDS):
        return "boolean"
    if _mostly_numbers(counts, share=0.8, max_other=20):
        return "numeric"  # mostly numbers and a few odd strings: text that does not belong (checked next)
    if _parses_as_dates(text):
        return "datetime"
    return "categorical"


def _mostly_numbers(counts: pd.Series, share: float, max_other: int) -> bool:
    """Whether at least `share` of the rows parse as numbers and at most `max_other` distinct texts do not
    (`counts`: rows per distinct text). Parses growing blocks of distinct texts, most frequent first, and
    stops once the answer is no: too many distinct non-numbers, or too few rows left to reach `share`."""
    total = max(int(counts.sum()), 1)
    numeric = other_rows = other_values = start = 0
    block = 4096
    while start < len(counts):
        part = counts.iloc[start : start + block]
        ok = pd.to_numeric(part.index.to_series(), errors="coerce").notna().to_numpy()
        weights = part.to_numpy()
        numeric += int(weights[ok].sum())
        other_rows += int(weights[~ok].sum())
        other_values += int((~ok).sum())
        if other_values > max_other or (total - other_rows) / total < share:
            return False
        start, block = start + block, block * 2
    return numeric / total >= share


def _parses_as_dates(text: pd.Series) -> bool:
    sample = text.iloc[:500]
    if not sample.str.contains(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}", regex=True).mean() >= 0.95:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(sample, errors="coerce", format="mixed").notna().mean() >= 0.95


def _check_numeric(s: pd.Series, col: str, where: str, declared: bool) -> None:
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return
    values = s.dropna()
    parsed = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    bad = values[parsed.isna()]
    if len(bad):
        shown = ", ".join(repr(v) for v in pd.unique(bad.astype(str))[:5])
        raise DataError(
            f"column '{col}' of {where} holds numbers but also text in {len(bad)} rows ({shown}); "
            f"clean those values, list them under na_values of the source if they mean 'missing', or "
            f"{'remove data.types.' + col if declared else 'declare data.types.' + col + ': categorical'}"
        )


def _check_datetime(s: pd.Series, col: str, where: str) -> None:
    if pd.api.types.is_datetime64_any_dtype(s):
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(s.dropna().astype(str), errors="coerce", format="mixed")
    bad = s.dropna()[parsed.isna().to_numpy()]
    if len(bad):
        shown = ", ".join(repr(v) for v in pd.unique(bad.astype(str))[:5])
        raise DataError(
            f"column '{col}' of {where} is declared datetime but {len(bad)} values are not dates ({shown}); "
            f"fix them or declare data.types.{col}: categorical"
        )


def to_numeric(s: pd.Series) -> np.ndarray:
    """float32 values with NaN for missing (booleans as 0/1)."""
    if pd.api.types.is_bool_dtype(s):
        return s.astype("float32").to_numpy()
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=np.float32, na_value=np.nan)
    return pd.to_numeric(s.astype(str).str.strip(), errors="coerce").to_numpy(dtype=np.float32, na_value=np.nan)


def to_boolean(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        return s.astype("float32").to_numpy(na_value=np.nan)
    mapped = s.astype(str).str.strip().str.lower().map(BOOL_WORDS)
    return mapped.where(s.notna()).to_numpy(dtype=np.float32, na_value=np.nan)


def to_datetime(s: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    text = s.astype(str).where(s.notna())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(text, errors="coerce", format="mixed")
        except ValueError:  # different UTC offsets (or some with, some without): read them all on UTC's clock
            return pd.to_datetime(text, errors="coerce", format="mixed", utc=True)


def infer_task(y: pd.Series | pd.DataFrame) -> tuple[str, str]:
    """(task, why) from the labels."""
    if isinstance(y, pd.DataFrame):
        return "multilabel", f"{y.shape[1]} labels per example, any number of them on"
    n = y.nunique()
    if pd.api.types.is_bool_dtype(y) or not pd.api.types.is_numeric_dtype(y):
        return ("binary" if n == 2 else "multiclass"), f"the target holds {n} distinct labels"
    values = y.to_numpy(dtype=float)
    integral = np.all(np.isclose(values, np.round(values)))
    if integral and n <= MAX_CLASSES_FROM_INTEGERS:
        kind = "binary" if n == 2 else "multiclass"
        return kind, f"the target holds {n} distinct whole numbers, taken as classes; set task: regression if they are amounts"
    return "regression", f"the target holds {n} distinct numbers" + ("" if integral else " with fractions")


def regression_target(y: pd.Series, name: str) -> pd.Series:
    """The target as numbers for `task: regression`; text in it is a DataError naming the column, the
    task and what to set instead."""
    if isinstance(y, pd.DataFrame):
        raise DataError(f"task: regression predicts one number, and the target holds {y.shape[1]} labels per example "
                        f"({listing(y.columns, 4)}); set task: multilabel, or name one column of numbers as the target")
    numbers = pd.to_numeric(y, errors="coerce")
    text = y[numbers.isna() & y.notna()]
    if len(text):
        examples = ", ".join(shown(v, 30) for v in pd.unique(text)[:3])
        n = y.nunique()
        instead = f"task: {'binary' if n == 2 else 'multiclass'} ({n} labels)" if n <= 1000 else "another task"
        raise DataError(f"data.train.target '{name}' holds text ({examples}), and task: regression needs numbers; "
                        f"set {instead}, or name a column of numbers as the target")
    return numbers
