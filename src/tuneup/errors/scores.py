"""What the predicted probabilities are worth: ROC AUC, PR AUC, log loss, and calibration.

Calibration: reliability bins (the bins of scikit-learn's `calibration_curve`, strategy "uniform") and
the expected calibration error, ECE = sum over bins of (bin share) * |observed - predicted|.
Binary: bins of P(positive) against the positive rate. Multiclass: the top class's probability against
how often the top class is right. Multilabel: every (example, label) probability against its label.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning

from tuneup.errors.curve import BinaryCurve
from tuneup.errors.metrics import METRICS

BINS = 10


@dataclass
class Calibration:
    bins: list[dict]  # non-empty bins: lower, upper, count, predicted (mean), observed (rate)
    ece: float
    of: str  # what is calibrated: "P(positive)", "top-class probability", "label probabilities"


@dataclass
class Scores:
    roc_auc: float | None
    pr_auc: float | None
    log_loss: float | None
    calibration: Calibration | None
    notes: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def probability_scores(examples, bins: int = BINS, curve=None) -> Scores | None:
    """None for regression, or when the predictions carry no probabilities. `curve`: the binary
    `BinaryCurve` when the caller has sorted the scores already."""
    if examples.task == "regression" or examples.proba is None:
        return None
    values, notes = {}, []
    values["roc_auc"], values["pr_auc"] = _areas(examples, curve, notes)
    values["log_loss"] = _defined("log_loss", examples, notes)
    predicted, observed, of = _calibration_inputs(examples)
    return Scores(values["roc_auc"], values["pr_auc"], values["log_loss"],
                  calibration(predicted, observed, bins, of), notes)


def _areas(examples, curve, notes: list[str]) -> tuple[float | None, float | None]:
    """ROC AUC and PR AUC; one-vs-rest macro averages for several classes or labels, as the metrics
    registry asks scikit-learn for them (roc_auc_score multi_class="ovr", average_precision_score
    average="macro"), from one sort per class."""
    if examples.task == "binary":
        curves = [curve or BinaryCurve.of(examples.y_true, examples.proba)]
    else:
        truth = np.eye(len(examples.classes), dtype=np.int8)[examples.y_true] if examples.task == "multiclass" \
            else examples.y_true  # (N, C) 0/1
        curves = [BinaryCurve.of(truth[:, k], examples.proba[:, k]) for k in range(truth.shape[1])]
    lacking = [str(examples.classes[k] if examples.task != "binary" else "the positive class")
               for k, c in enumerate(curves) if not c.positives or not c.negatives]
    if lacking:
        notes.append(f"ROC AUC and PR AUC are undefined on this split: no examples, or only examples, of "
                     f"{', '.join(lacking[:5])}")
        return None, None
    return float(np.mean([c.roc_auc() for c in curves])), float(np.mean([c.average_precision() for c in curves]))


def _defined(name: str, examples, notes: list[str]) -> float | None:
    """The metric, or None with a note where a class absent from this split leaves it undefined."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UndefinedMetricWarning)
        try:
            value = METRICS[name](examples.y_true, examples.y_pred, examples.proba, examples.task)
        except ValueError as e:
            notes.append(f"{name} is undefined on this split: {str(e).splitlines()[0]}")
            return None
    if not np.isfinite(value):
        why = str(caught[0].message) if caught else "not a number"
        notes.append(f"{name} is undefined on this split: {why}")
        return None
    return float(value)


def _calibration_inputs(examples) -> tuple[np.ndarray, np.ndarray, str]:
    if examples.task == "binary":
        return examples.proba, examples.y_true, "P(positive)"
    if examples.task == "multiclass":
        top = examples.proba.argmax(axis=1)
        return examples.proba.max(axis=1), (top == examples.y_true).astype(np.float64), "top-class probability"
    return examples.proba.ravel(), examples.y_true.ravel().astype(np.float64), "label probabilities"


def calibration(predicted: np.ndarray, observed: np.ndarray, bins: int = BINS, of: str = "P(positive)") -> Calibration:
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.searchsorted(edges[1:-1], predicted)  # as scikit-learn's calibration_curve assigns bins
    count = np.bincount(which, minlength=bins)
    mean_pred = np.bincount(which, weights=predicted, minlength=bins) / np.maximum(count, 1)
    rate = np.bincount(which, weights=observed, minlength=bins) / np.maximum(count, 1)
    total = max(int(count.sum()), 1)
    ece = float(np.sum(count / total * np.abs(rate - mean_pred)))
    rows = [{"lower": float(edges[b]), "upper": float(edges[b + 1]), "count": int(count[b]),
             "predicted": float(mean_pred[b]), "observed": float(rate[b])} for b in range(bins) if count[b] > 0]
    return Calibration(rows, ece, of)
