"""Predictions and ground truth in the form the run's metric takes (tuneup.errors.metrics), from the log
or from the run's dev predictions, so live and dev figures are computed by the same scikit-learn code."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from tuneup.data.labels import label_key, label_keys
from tuneup.errors.metrics import Metric, get_metric


@dataclass
class Outcomes:
    """What a metric takes: encoded truth, encoded predictions, probabilities (or None)."""

    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None

    def __len__(self) -> int:
        return len(self.y_true)

    def take(self, idx: np.ndarray) -> Outcomes:
        return Outcomes(self.y_true[idx], self.y_pred[idx], None if self.proba is None else self.proba[idx])


class Scorer:
    """The run's metric over Outcomes, and how to build Outcomes from the log or from dev predictions."""

    def __init__(self, run):
        self.encoder = run.encoder
        self.task = self.encoder.task
        self.metric: Metric = get_metric(run.summary["metric"], self.task)
        self.classes = [label_key(c) for c in self.encoder.classes]
        self.keys = self.classes
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.label_sep = run.config.data.label_sep
        self.threshold = run.head().threshold  # what the server applies (threshold.json when chosen)

    def dev_predictions(self, run) -> pd.DataFrame:
        """The run's dev predictions as the server would make them now: a binary threshold chosen after
        training (threshold.json) turns the same scores into other labels."""
        dev = run.predictions("dev")
        if self.task == "binary":
            classes = np.asarray(self.encoder.classes, dtype=object)
            dev = dev.assign(y_pred=classes[(dev["score"].to_numpy() >= self.threshold).astype(np.int64)])
        return dev

    @property
    def is_proportion(self) -> bool:
        """Accuracy is a share of right answers: exact intervals and the two-proportion test apply."""
        return self.metric.name == "accuracy"

    def value(self, o: Outcomes) -> float:
        return self.metric(o.y_true, o.y_pred, o.proba, self.task)

    def error(self, value: float) -> float:
        return self.metric.error(value)

    def correct(self, o: Outcomes) -> np.ndarray:
        right = o.y_true == o.y_pred
        return right.all(axis=1) if right.ndim == 2 else right

    # ---- from the log ----------------------------------------------------------------------------
    def from_log(self, predictions: pd.DataFrame, probabilities: pd.DataFrame) -> tuple[Outcomes, np.ndarray]:
        """Outcomes for the rows with a usable label, and which rows those are (labels the run does not
        know, such as a new class, cannot be scored)."""
        if self.task == "regression":
            y = pd.to_numeric(predictions["label"], errors="coerce").to_numpy(np.float64)
            pred = pd.to_numeric(predictions["prediction"], errors="coerce").to_numpy(np.float64)
            ok = ~np.isnan(y) & ~np.isnan(pred)
            return Outcomes(y[ok], pred[ok], None), ok
        if self.task == "multilabel":
            y, pred = self._label_sets(predictions["label"]), self._label_sets(predictions["prediction"])
            ok = predictions["label"].notna().to_numpy()
            return Outcomes(y[ok], pred[ok], self._proba(probabilities, ok)), ok
        y = self._codes(predictions["label"])
        pred = self._codes(predictions["prediction"])
        ok = (y >= 0) & (pred >= 0)
        return Outcomes(y[ok], pred[ok], self._proba(probabilities, ok, predictions.get("score"))), ok

    def from_dev(self, frame: pd.DataFrame) -> Outcomes:
        """The run's predictions file (predictions/dev.parquet)."""
        if self.task == "regression":
            return Outcomes(frame["y_true"].to_numpy(np.float64), frame["y_pred"].to_numpy(np.float64), None)
        if self.task == "multilabel":
            proba = frame[[f"p:{c}" for c in self.classes]].to_numpy(np.float64)
            return Outcomes(self._label_sets(frame["y_true"]), self._label_sets(frame["y_pred"]), proba)
        proba = (frame["score"].to_numpy(np.float64) if self.task == "binary"
                 else frame[[f"p:{c}" for c in self.classes]].to_numpy(np.float64))
        return Outcomes(self._codes(frame["y_true"]), self._codes(frame["y_pred"]), proba)

    def _codes(self, labels: pd.Series) -> np.ndarray:
        return pd.Categorical(label_keys(labels), categories=self.keys).codes.astype(np.int64)  # -1: unknown

    def _label_sets(self, values: pd.Series) -> np.ndarray:
        out = np.zeros((len(values), len(self.classes)), dtype=np.int64)
        for i, v in enumerate(values):
            names = v if isinstance(v, (list, tuple, np.ndarray)) else ([] if label_key(v) is None else
                                                                        str(v).split(self.label_sep))
            for name in names:
                j = self.index.get(label_key(name))
                if j is not None:
                    out[i, j] = 1
        return out

    def _proba(self, probabilities: pd.DataFrame, ok: np.ndarray, score: pd.Series | None = None):
        if self.task == "binary" and score is not None and score.notna().all():
            return pd.to_numeric(score, errors="coerce").to_numpy(np.float64)[ok]
        names = {label_key(c): c for c in probabilities.columns}
        if not all(k in names for k in self.keys):
            return None  # the log lacks some probabilities: metrics that need them are skipped
        proba = probabilities[[names[k] for k in self.keys]].to_numpy(np.float64)[ok]
        return proba[:, 1] if self.task == "binary" else proba
