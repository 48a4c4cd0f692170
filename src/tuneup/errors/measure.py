"""What "error" means for one example, so that slices, tags and the ceiling table can add it up.

The run's metric may not split into per-example parts (F1 does not), but the error analysis needs a
quantity whose share per slice adds up to the whole (the seeds: "of the misclassified examples, 5% are
dogs"). For classification that is the error rate (1 - accuracy, scikit-learn's subset accuracy for
multilabel); for regression the squared error (RMSE, MSE, 1 - R²) or the absolute error (MAE). A group's
error is `error(mean of its per-example errors)`: the square root for RMSE, the mean itself otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Measure:
    name: str  # how people call the error: "error rate", "RMSE", ...
    binary: bool  # per-example errors are 0/1 (misclassified or not)
    root: bool  # error = sqrt(mean): RMSE
    human_comparable: bool  # the run's human-level error is given in these units

    def error(self, mean):
        """A group's error from the mean of its per-example errors."""
        return np.sqrt(np.maximum(mean, 0.0)) if self.root else mean

    def mean_of(self, error):
        """The inverse of `error`: the mean per-example error that gives this error."""
        return np.square(error) if self.root else error

    def fall(self, overall_mean: float, share, slice_mean, human: float | None):
        """How far the overall error falls if a slice (a `share` of the examples, mean per-example error
        `slice_mean`) reached human level; with no comparable human level, "no errors" is the bound."""
        floor = self.mean_of(human) if human is not None and self.human_comparable else 0.0
        gain = np.asarray(share) * np.maximum(np.asarray(slice_mean) - floor, 0.0)
        return self.error(overall_mean) - self.error(np.maximum(overall_mean - gain, 0.0))


def measure_for(task: str, metric_name: str) -> Measure:
    if task != "regression":
        return Measure("error rate", binary=True, root=False, human_comparable=metric_name == "accuracy")
    if metric_name == "mae":
        return Measure("MAE", binary=False, root=False, human_comparable=True)
    if metric_name == "mse":
        return Measure("MSE", binary=False, root=False, human_comparable=True)
    if metric_name == "r2":
        return Measure("1 - R²", binary=False, root=False, human_comparable=True)
    return Measure("RMSE", binary=False, root=True, human_comparable=metric_name == "rmse")


def per_example(task: str, metric_name: str, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """(N,) float64 errors whose mean, through `Measure.error`, is the split's error."""
    if task == "multilabel":
        return (y_true != y_pred).any(axis=1).astype(np.float64)
    if task != "regression":
        return (y_true != y_pred).astype(np.float64)
    residual = y_pred.astype(np.float64) - y_true.astype(np.float64)
    if metric_name == "mae":
        return np.abs(residual)
    squared = residual**2
    if metric_name == "r2":
        spread = float(np.var(y_true.astype(np.float64)))  # 1 - R² = MSE / Var(y), ddof 0 as in r2_score
        return squared / spread if spread > 0 else squared
    return squared
