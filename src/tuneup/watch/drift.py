"""Has the input changed? Has what the model says changed? Logged traffic against the run's own data.

Data drift: every input feature (for images: brightness, contrast, sharpness, noise) of the logged
traffic against the training split, overall and per time window, with `tuneup.data.shift`'s tests and
effect sizes; and a classifier that tells training data from the most recent traffic. Prediction drift:
the predicted labels and the scores against the run's dev predictions, overall and per window.

Many tests run at once (features x windows), so a feature counts as drifted only at the Bonferroni
level P_VALUE / tests, and only when its effect is large too: a stationary stream raises no alarm.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tuneup.data import columns as cols
from tuneup.data.shift import (
    P_VALUE,
    DomainClassifier,
    FeatureShift,
    categorical_shift,
    days_since_epoch,
    domain_classifier,
    feature_shifts,
    numeric_shift,
)
from tuneup.watch.windows import Windows

RECENT_ROWS = 2_000  # the classifier compares this many of the latest rows with as many reference rows
CLASSIFIER_ROUNDS = 40


@dataclass
class WindowShift:
    """One time window: how many rows, whether it was compared, what drifted."""

    start: pd.Timestamp
    end: pd.Timestamp
    n: int
    compared: bool
    drifted: list[str] = field(default_factory=list)
    largest: str | None = None  # the column with the largest effect
    effect: float | None = None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class DataDrift:
    reference: str  # e.g. "train split (640 rows)"
    n_reference: int
    n_current: int
    p_value: float  # the significance level a feature had to reach (Bonferroni over all tests)
    features: list[FeatureShift]  # all logged rows against the reference, largest effect first
    windows: list[WindowShift]
    classifier: DomainClassifier | None
    unlogged: list[str] = field(default_factory=list)  # features the model takes that the log lacks
    images: dict | None = None  # per statistic: reference and current medians; where the stats came from
    embedding: DomainClassifier | None = None  # images: the classifier on the model's own features

    @property
    def drifted(self) -> list[str]:
        return [s.column for s in self.features if s.flagged]

    @property
    def drifted_windows(self) -> list[WindowShift]:
        return [w for w in self.windows if w.drifted]

    def to_dict(self) -> dict:
        return {
            "reference": self.reference, "n_reference": self.n_reference, "n_current": self.n_current,
            "p_value": self.p_value, "drifted": self.drifted, "features": [s.to_dict() for s in self.features],
            "windows": [w.to_dict() for w in self.windows],
            "classifier": self.classifier.to_dict() if self.classifier else None,
            "unlogged": self.unlogged, "images": self.images,
            "embedding": self.embedding.to_dict() if self.embedding else None,
        }


def data_drift(reference: pd.DataFrame, current: pd.DataFrame, types: dict[str, str], windows: Windows,
               min_rows: int, label: str, seed: int = 0) -> DataDrift:
    """`current` rows are sorted by time and cut by `windows`; `types` maps each column to its kind."""
    names = [c for c in reference.columns if c in current.columns]
    ref, cur = reference[names], current[names]
    judged = [i for i in range(len(windows)) if windows.size(i) >= min_rows]
    level = P_VALUE / max(len(names) * (1 + len(judged)), 1)
    with ThreadPoolExecutor(workers()) as pool:  # sorting and searching release the GIL: windows run side by side
        classifier = pool.submit(_classifier, ref, cur, types, seed) if len(cur) >= 50 and names else None
        overall = pool.submit(feature_shifts, ref, cur, types, level) if len(cur) else None
        shifts = [pool.submit(_window_shift, ref, cur, types, windows, i, i in judged, level)
                  for i in range(len(windows))]
        found = DataDrift(label, len(ref), len(cur), level, overall.result() if overall else [],
                          [s.result() for s in shifts], classifier.result() if classifier else None)
    found.unlogged = [c for c in reference.columns if c not in current.columns]
    return found


def workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _window_shift(ref, cur, types, windows: Windows, i: int, judged: bool, level: float) -> WindowShift:
    span = windows.span(i)
    if not judged:
        return WindowShift(span["start"], span["end"], windows.size(i), False)
    found = feature_shifts(ref, cur.iloc[windows.rows(i)], types, level)
    top = max(found, key=lambda s: np.nan_to_num(s.effect, nan=-1.0))
    return WindowShift(span["start"], span["end"], windows.size(i), True, [s.column for s in found if s.flagged],
                       top.column, float(top.effect) if np.isfinite(top.effect) else None)


def _classifier(ref: pd.DataFrame, cur: pd.DataFrame, types: dict[str, str], seed: int) -> DomainClassifier:
    """Training data vs the latest traffic, on one thread: for fits this small, threads cost more in
    waiting for each other than they save, and on a busy machine far more."""
    from threadpoolctl import threadpool_limits

    recent = cur.iloc[-RECENT_ROWS:]
    rng = np.random.default_rng(seed)
    if len(ref) > RECENT_ROWS:
        ref = ref.iloc[np.sort(rng.choice(len(ref), RECENT_ROWS, replace=False))]
    a, b = (distinct(m) for m in numeric_matrix(ref, recent, types))
    with threadpool_limits(1):
        return domain_classifier(a, b, list(ref.columns), max_rows=2 * RECENT_ROWS, seed=seed,
                                 max_iter=CLASSIFIER_ROUNDS)


def distinct(x: np.ndarray) -> np.ndarray:
    """Rows without their repeats: a request sent twice would land in both a training fold and a test fold,
    and the classifier would tell the samples apart by remembering it."""
    if len(x) == 0:
        return x
    _, first = np.unique(np.nan_to_num(x, nan=np.inf), axis=0, return_index=True)
    return x[np.sort(first)]


def numeric_matrix(ref: pd.DataFrame, cur: pd.DataFrame, types: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Both frames as float matrices a classifier can take: numbers as numbers (NaN for missing),
    categories as codes over the categories of both."""
    out_a, out_b = np.empty((len(ref), ref.shape[1]), np.float32), np.empty((len(cur), cur.shape[1]), np.float32)
    for j, col in enumerate(ref.columns):
        kind = types.get(col) or cols.infer_type(ref[col])
        if kind in ("numeric", "boolean"):
            conv = cols.to_boolean if kind == "boolean" else cols.to_numeric
            out_a[:, j], out_b[:, j] = conv(ref[col]), conv(cur[col])
        elif kind == "datetime":
            out_a[:, j], out_b[:, j] = days_since_epoch(ref[col]), days_since_epoch(cur[col])
        else:
            a, b = ref[col].astype(str), cur[col].astype(str)
            categories = pd.Index(pd.unique(pd.concat([a, b])))
            out_a[:, j], out_b[:, j] = categories.get_indexer(a), categories.get_indexer(b)
    return out_a, out_b


# ---- predictions ----------------------------------------------------------------------------------
@dataclass
class PredictionDrift:
    reference: str  # "dev predictions (160)"
    labels: FeatureShift | None  # the predicted labels (classification)
    scores: FeatureShift | None  # binary: P(positive); multiclass: the top probability; regression: the value
    score_name: str
    shares: dict  # label -> {"reference": share, "current": share}
    windows: list[WindowShift]
    p_value: float

    @property
    def drifted(self) -> list[str]:
        return [s.column for s in (self.labels, self.scores) if s is not None and s.flagged]

    def to_dict(self) -> dict:
        return {"reference": self.reference, "labels": self.labels.to_dict() if self.labels else None,
                "scores": self.scores.to_dict() if self.scores else None, "score_name": self.score_name,
                "shares": self.shares, "drifted": self.drifted, "windows": [w.to_dict() for w in self.windows],
                "p_value": self.p_value}


def prediction_drift(dev: pd.DataFrame, live: pd.DataFrame, windows: Windows, min_rows: int,
                     score_name: str, label: str) -> PredictionDrift:
    """`dev` and `live`: columns `prediction` (label keys; None for regression) and `score`."""
    judged = [i for i in range(len(windows)) if windows.size(i) >= min_rows]
    tests = (2 if dev["prediction"].notna().any() else 1) * (1 + len(judged))
    level = P_VALUE / tests
    labels, scores = _prediction_shifts(dev, live, score_name, level)
    windows_out = []
    for i in range(len(windows)):
        span = windows.span(i)
        if i not in judged:
            windows_out.append(WindowShift(span["start"], span["end"], windows.size(i), False))
            continue
        part = live.iloc[windows.rows(i)]
        found = [s for s in _prediction_shifts(dev, part, score_name, level) if s is not None]
        top = max(found, key=lambda s: np.nan_to_num(s.effect, nan=-1.0))
        windows_out.append(WindowShift(span["start"], span["end"], len(part), True,
                                       [s.column for s in found if s.flagged], top.column, float(top.effect)))
    shares = {}
    if labels is not None:
        ref_share = dev["prediction"].value_counts(normalize=True)
        cur_share = live["prediction"].value_counts(normalize=True)
        for key in ref_share.index.union(cur_share.index):
            shares[str(key)] = {"reference": float(ref_share.get(key, 0.0)),
                                "current": float(cur_share.get(key, 0.0))}
    return PredictionDrift(label, labels, scores, score_name, shares, windows_out, level)


def _prediction_shifts(dev, live, score_name: str, level: float) -> tuple[FeatureShift | None, FeatureShift | None]:
    labels = None
    if dev["prediction"].notna().any():
        labels = categorical_shift("prediction", dev["prediction"], live["prediction"], level)
    scores = None
    if dev["score"].notna().any() and live["score"].notna().any():
        scores = numeric_shift(score_name, dev["score"].to_numpy(np.float64), live["score"].to_numpy(np.float64),
                               level)
    return labels, scores
