"""The single-number metrics, computed by scikit-learn, and what "error" means for each.

One place resolves a metric name into a `Metric`; its error is `1 - metric` for scores in [0, 1]
where higher is better, and the metric itself for losses and RMSE/MAE (then in the target's units).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tuneup._lazy import LazyImport
from tuneup.exceptions import ConfigError, did_you_mean

skm = LazyImport("sklearn.metrics")  # a config names its metric: validating it must not import scikit-learn

# Every metric takes (y_true, y_pred, proba) for one task:
#   binary:     y (N,) in {0, 1};      proba (N,) = P(class 1)
#   multiclass: y (N,) class indices;  proba (N, C)
#   multilabel: y (N, L) in {0, 1};    proba (N, L)
#   regression: y (N,) floats;         proba None
Fn = Callable[[np.ndarray, np.ndarray, "np.ndarray | None", str], float]


@dataclass(frozen=True)
class Metric:
    name: str
    fn: Fn
    higher_is_better: bool
    bounded: bool  # a score in [0, 1]: error = 1 - score
    tasks: frozenset[str]
    needs_proba: bool = False

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray, proba: np.ndarray | None, task: str) -> float:
        return float(self.fn(np.asarray(y_true), np.asarray(y_pred), proba, task))

    def error(self, value: float) -> float:
        """Lower is better: 1 - score for bounded scores, the value itself for losses."""
        if self.higher_is_better:
            return 1.0 - value if self.bounded or self.name == "r2" else -value
        return value

    @property
    def error_of(self) -> str:
        if self.higher_is_better:
            return f"1 - {self.name}"
        return self.name

    @property
    def error_in_units(self) -> bool:
        """RMSE, MAE, ...: gaps are in the target's units, not shares of examples."""
        return not self.bounded and not (self.higher_is_better and self.name == "r2")


def _avg(task: str) -> str:
    return "binary" if task == "binary" else "macro"


def _labels(y: np.ndarray, proba: np.ndarray | None) -> list[int] | None:
    return list(range(proba.shape[1])) if proba is not None and proba.ndim == 2 else None


def _roc_auc(y, pred, proba, task):
    if task == "multiclass" and proba.shape[1] == 2:  # scikit-learn takes two classes as binary
        return skm.roc_auc_score(y, proba[:, 1])
    if task == "multiclass":
        return skm.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=_labels(y, proba))
    return skm.roc_auc_score(y, proba, average="macro")


def _pr_auc(y, pred, proba, task):
    if task == "multiclass":
        onehot = np.eye(proba.shape[1])[y]
        return skm.average_precision_score(onehot, proba, average="macro")
    return skm.average_precision_score(y, proba, average="macro")


def _log_loss(y, pred, proba, task):
    if task == "binary":
        return skm.log_loss(y, proba, labels=[0, 1])
    if task == "multilabel":
        p = np.clip(proba, 1e-15, 1 - 1e-15)
        return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return skm.log_loss(y, proba, labels=_labels(y, proba))


_CLS = frozenset({"binary", "multiclass", "multilabel"})
_SINGLE = frozenset({"binary", "multiclass"})
_REG = frozenset({"regression"})

METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("accuracy", lambda y, p, s, t: skm.accuracy_score(y, p), True, True, _CLS),
        Metric("balanced_accuracy", lambda y, p, s, t: skm.balanced_accuracy_score(y, p), True, True, _SINGLE),
        Metric("f1", lambda y, p, s, t: skm.f1_score(y, p, average=_avg(t), zero_division=0), True, True, _CLS),
        Metric("f1_macro", lambda y, p, s, t: skm.f1_score(y, p, average="macro", zero_division=0), True, True, _CLS),
        Metric("f1_micro", lambda y, p, s, t: skm.f1_score(y, p, average="micro", zero_division=0), True, True, _CLS),
        Metric(
            "f1_weighted", lambda y, p, s, t: skm.f1_score(y, p, average="weighted", zero_division=0), True, True, _CLS
        ),
        Metric(
            "precision", lambda y, p, s, t: skm.precision_score(y, p, average=_avg(t), zero_division=0), True, True, _CLS
        ),
        Metric("recall", lambda y, p, s, t: skm.recall_score(y, p, average=_avg(t), zero_division=0), True, True, _CLS),
        Metric("roc_auc", _roc_auc, True, True, _CLS, needs_proba=True),
        Metric("pr_auc", _pr_auc, True, True, _CLS, needs_proba=True),
        Metric("log_loss", _log_loss, False, False, _CLS, needs_proba=True),
        Metric("rmse", lambda y, p, s, t: skm.root_mean_squared_error(y, p), False, False, _REG),
        Metric("mae", lambda y, p, s, t: skm.mean_absolute_error(y, p), False, False, _REG),
        Metric("mse", lambda y, p, s, t: skm.mean_squared_error(y, p), False, False, _REG),
        Metric("r2", lambda y, p, s, t: skm.r2_score(y, p), True, False, _REG),
    ]
}


def get_metric(name: str, task: str | None = None) -> Metric:
    """Resolve a metric name (and check it suits the task) with the valid names in the error."""
    metric = METRICS.get(name)
    if metric is None:
        raise ConfigError(f"metric '{name}' is not known; {did_you_mean(name, METRICS)} (choices: {', '.join(METRICS)})")
    if task is not None and task not in metric.tasks:
        valid = [m for m in METRICS.values() if task in m.tasks]
        raise ConfigError(
            f"metric '{name}' does not apply to a {task} task; choose one of: {', '.join(m.name for m in valid)}"
        )
    return metric


def default_metric(task: str, class_counts: np.ndarray | None = None) -> tuple[str, str]:
    """The metric a practitioner would pick, and why (the seeds: skewed classes make accuracy lie)."""
    if task == "regression":
        return "rmse", "regression: RMSE, in the target's units"
    if task == "multilabel":
        return "f1", "multilabel: macro F1 over the labels"
    counts = np.asarray(class_counts if class_counts is not None else [1, 1], dtype=float)
    ratio = counts.min() / counts.max() if counts.max() > 0 else 1.0
    if ratio < 0.25:
        why = (
            f"classes are skewed, the smallest {ratio:.2f}x the largest: accuracy would reward always predicting "
            "the majority class, so " + ("F1 of the positive class" if task == "binary" else "macro-averaged F1")
        )
        return "f1", why
    return "accuracy", f"classes are balanced enough for accuracy, the smallest {ratio:.2f}x the largest"
