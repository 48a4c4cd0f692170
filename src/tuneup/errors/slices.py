"""Errors per slice: one row per value of a metadata or feature column (numbers in quantile bins), with
its size, error (with a confidence interval), difference from the overall error (with its interval),
and the run's metric on it.

    slice_metrics(examples, by=["camera", "age"])
    slice_metrics(frame, by=["camera"], metric="accuracy", task="multiclass", classes=[0, 1, ...])

The difference from overall is computed as (1 - share) * (slice - rest), since the overall error is
share * slice + (1 - share) * rest; its interval is the slice-versus-rest interval scaled the same way,
so a slice is called worse only when its interval lies above zero.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from tuneup import intervals
from tuneup.errors.classes import COUNTABLE, metric_from_confusion
from tuneup.exceptions import UserError, did_you_mean, listing

BINS = 5
MAX_VALUES = 20  # more distinct values than this: the largest ones, and "other"
FEW_VALUES = 10  # a number column with this few distinct values is sliced by value, not binned
MISSING, OTHER = "missing", "other"


@dataclass
class SliceRow:
    column: str
    value: str
    n: int
    share: float  # of the examples
    share_of_errors: float  # of the summed per-example errors (of the misclassified examples, for classes)
    error: float
    error_ci: tuple[float, float]
    diff: float  # error - overall error
    diff_ci: tuple[float, float]
    mean: float  # mean per-example error (what the ceiling table adds up)
    metric: float | None = None  # the run's metric on this slice

    @property
    def worse(self) -> bool:
        return self.diff_ci[0] > 0

    @property
    def better(self) -> bool:
        return self.diff_ci[1] < 0

    def to_dict(self) -> dict:
        return {**asdict(self), "worse": self.worse, "better": self.better}


@dataclass
class SliceTable:
    column: str
    kind: str  # meta | feature | image | tag
    binned: bool
    rows: list[SliceRow]

    def to_dict(self) -> dict:
        return {"column": self.column, "kind": self.kind, "binned": self.binned,
                "rows": [r.to_dict() for r in self.rows]}


def slice_metrics(data, by: list[str], metric=None, task: str | None = None, classes: list | None = None,
                  bins: int = BINS, max_values: int = MAX_VALUES, confidence: float = intervals.CONFIDENCE,
                  with_metric: bool = True) -> list[SliceTable]:
    """Per-slice errors for each column in `by`. `data` is an `Examples` or a predictions frame with the
    slice columns beside it (then `metric`, `task` and, for classification, `classes` are needed)."""
    examples = _as_examples(data, metric, task, classes)
    check_columns(examples, by)
    return [column_slices(examples, c, bins, max_values, confidence, with_metric) for c in by]


def check_columns(examples, by: list[str]) -> None:
    known = [c for c in examples.columns.columns if c not in ("id",)]
    for column in by:
        if column not in examples.columns.columns:
            raise UserError(
                f"--by '{column}' is not a column of the examples; {did_you_mean(column, known)} "
                f"(columns: {listing(known)})"
            )


def column_slices(examples, column: str, bins: int = BINS, max_values: int = MAX_VALUES,
                  confidence: float = intervals.CONFIDENCE, with_metric: bool = True) -> SliceTable:
    codes, labels, binned = slice_keys(examples.columns[column], bins, max_values)
    rows = group_rows(examples.error, examples.measure, codes, labels, column, confidence)
    if with_metric and examples.metric.name == "accuracy":
        for row in rows:  # accuracy is 1 - the error rate: no need to ask scikit-learn again per slice
            row.metric = 1.0 - row.mean
    elif with_metric and examples.metric.name in COUNTABLE and examples.task in ("binary", "multiclass"):
        c = len(examples.classes)
        counts = np.bincount((codes * c + examples.y_true) * c + examples.y_pred, minlength=len(labels) * c * c)
        matrices = counts.reshape(len(labels), c, c)  # (group, true, predicted)
        by_value = {label: metric_from_confusion(examples.metric.name, matrices[i], examples.task)
                    for i, label in enumerate(labels)}
        for row in rows:
            row.metric = by_value[row.value]
    elif with_metric:
        order = np.argsort(codes, kind="stable")
        starts = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(labels)))])
        by_value = {label: examples.metric_value(order[starts[i]:starts[i + 1]]) for i, label in enumerate(labels)}
        for row in rows:
            row.metric = by_value[row.value]
    return SliceTable(column, examples.kinds.get(column, "meta"), binned, rows)


def group_rows(e: np.ndarray, m, codes: np.ndarray, labels: list[str], column: str,
               confidence: float = intervals.CONFIDENCE) -> list[SliceRow]:
    """Size, error and difference from overall for each group that `codes` names (empty groups left out),
    from per-example errors `e` and their `Measure` `m`."""
    k = len(labels)
    n = np.bincount(codes, minlength=k).astype(float)
    s = np.bincount(codes, weights=e, minlength=k)
    q = np.bincount(codes, weights=e * e, minlength=k)
    return rows_from_sums(n, s, q, (float(len(e)), float(e.sum()), float((e * e).sum())), m, labels, column,
                          confidence)


def rows_from_sums(n: np.ndarray, s: np.ndarray, q: np.ndarray, whole: tuple[float, float, float], m,
                   labels: list[str], column: str, confidence: float = intervals.CONFIDENCE) -> list[SliceRow]:
    """Rows for groups given by their sums: n examples, s summed errors, q summed squares, against
    `whole` = (N, S, Q) of all examples. Groups may overlap (the weak-slice finder's tree nodes)."""
    N, S, Q = whole
    share = n / max(N, 1)
    lo, hi = intervals.mean_interval(s, q, n, m.binary, confidence)
    d_lo, d_hi = intervals.difference_interval(s, q, n, S - s, Q - q, N - n, m.binary, confidence)
    overall = S / max(N, 1)
    mean = s / np.maximum(n, 1)
    scale = 1.0 - share  # slice - overall = (1 - share) * (slice - rest)
    base = m.error(overall)
    rows = []
    for i in np.flatnonzero(n > 0):
        rows.append(SliceRow(
            column=column, value=labels[i], n=int(n[i]), share=float(share[i]),
            share_of_errors=float(s[i] / S) if S > 0 else 0.0,
            error=float(m.error(mean[i])),
            error_ci=(float(m.error(max(lo[i], 0.0))), float(m.error(max(hi[i], 0.0)))),
            diff=float(m.error(mean[i]) - base),
            diff_ci=(0.0, 0.0) if n[i] == N else (
                float(m.error(max(overall + scale[i] * d_lo[i], 0.0)) - base),
                float(m.error(max(overall + scale[i] * d_hi[i], 0.0)) - base)),
            mean=float(mean[i]),
        ))
    return rows


def slice_keys(values: pd.Series, bins: int = BINS, max_values: int = MAX_VALUES) -> tuple[np.ndarray, list[str], bool]:
    """A column -> (group index per example, group labels, whether numbers were binned)."""
    values = values.reset_index(drop=True)
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    when = pd.api.types.is_datetime64_any_dtype(values)
    if (numeric or when) and values.nunique() > FEW_VALUES:
        return (*_bins(values, bins, when), True)
    return (*_values(values, max_values), False)


def _values(values: pd.Series, max_values: int) -> tuple[np.ndarray, list[str]]:
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True, sort=True)
    except TypeError:  # numbers and strings mixed in one column: first-seen order
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = [_label(u) for u in uniques]
    if (codes < 0).any():
        labels.append(MISSING)
        codes = np.where(codes < 0, len(labels) - 1, codes)
    counts = np.bincount(codes, minlength=len(labels))
    if len(labels) > max_values:
        keep = np.argsort(-counts, kind="stable")[: max_values - 1]
        remap = np.full(len(labels), max_values - 1)
        remap[keep] = np.arange(len(keep))
        labels = [labels[i] for i in keep] + [OTHER]
        codes = remap[codes]
    return codes.astype(np.int64), labels


def _bins(values: pd.Series, bins: int, when: bool) -> tuple[np.ndarray, list[str]]:
    """Quantile bins [a, b) (the last one closed); missing values in a group of their own."""
    x = values.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(np.float64) if when else \
        values.to_numpy(dtype=np.float64, na_value=np.nan)
    missing = values.isna().to_numpy()
    finite = x[~missing]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, bins + 1)))
    codes = np.searchsorted(edges[1:-1], x, side="right").astype(np.int64)
    show = (lambda v: str(pd.Timestamp(int(v)).date())) if when else _number
    labels = [f"[{show(edges[i])}, {show(edges[i + 1])}{']' if i == len(edges) - 2 else ')'}"
              for i in range(len(edges) - 1)]
    if missing.any():
        labels.append(MISSING)
        codes[missing] = len(labels) - 1
    return codes, labels


def _number(v: float) -> str:
    return f"{v:.4g}"


def _label(v: object) -> str:
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _as_examples(data, metric, task, classes):
    from tuneup.errors.examples import Examples

    if isinstance(data, Examples):
        return data
    if task is None or metric is None:
        raise UserError("slice_metrics on a frame needs the run's metric and task (and classes for classification)")
    return Examples.from_frame(data, task, classes, metric)
