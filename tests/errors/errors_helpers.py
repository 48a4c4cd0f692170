"""Small predictions frames for the error-analysis tests (the shape `predictions/<split>.parquet` has)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from tuneup.errors.examples import Examples


def classification_frame(y_true, y_pred, proba, classes, **columns) -> pd.DataFrame:
    names = np.asarray(classes, dtype=object)
    frame = {"id": [f"e{i}" for i in range(len(y_true))], "y_true": names[y_true], "y_pred": names[y_pred]}
    if proba is not None and np.ndim(proba) == 1:
        frame["score"] = proba
    elif proba is not None:
        frame.update({f"p:{c}": proba[:, i] for i, c in enumerate(classes)})
    frame["loss"] = np.zeros(len(y_true))
    frame.update(columns)
    return pd.DataFrame(frame)


def binary_examples(y_true, score, threshold=0.5, metric="accuracy", **columns) -> Examples:
    y_true = np.asarray(y_true, dtype=np.int64)
    score = np.asarray(score, dtype=np.float64)
    y_pred = (score >= threshold).astype(np.int64)
    loss = -(y_true * np.log(np.clip(score, 1e-12, 1)) + (1 - y_true) * np.log(np.clip(1 - score, 1e-12, 1)))
    frame = classification_frame(y_true, y_pred, score, ["neg", "pos"], **columns)
    frame["loss"] = loss
    return Examples.from_frame(frame, "binary", ["neg", "pos"], metric)


def errors_frame(wrong: np.ndarray, **columns) -> Examples:
    """Binary examples whose misclassified ones are exactly `wrong` (True = an error)."""
    wrong = np.asarray(wrong, dtype=bool)
    y_true = np.zeros(len(wrong), dtype=np.int64)
    score = np.where(wrong, 0.9, 0.1)
    return binary_examples(y_true, score, **columns)
