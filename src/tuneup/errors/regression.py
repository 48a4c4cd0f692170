"""Regression errors: MAE, RMSE, R² (scikit-learn's), and the residuals by bins of the target and of the
prediction: where a model is biased (mean residual away from 0) or loose (large MAE)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from tuneup.errors.metrics import METRICS

BINS = 5


@dataclass
class RegressionErrors:
    mae: float
    rmse: float
    r2: float | None
    by_target: list[dict]  # bins of y_true: lower, upper, count, mean_residual, mae, rmse
    by_prediction: list[dict]  # the same over bins of y_pred

    def to_dict(self) -> dict:
        return asdict(self)


def regression_errors(examples, bins: int = BINS) -> RegressionErrors | None:
    if examples.task != "regression":
        return None
    y, p = examples.y_true, examples.y_pred
    r2 = METRICS["r2"](y, p, None, "regression") if len(y) > 1 else None
    return RegressionErrors(
        METRICS["mae"](y, p, None, "regression"), METRICS["rmse"](y, p, None, "regression"), r2,
        residual_bins(y, p - y, bins), residual_bins(p, p - y, bins),
    )


def residual_bins(values: np.ndarray, residual: np.ndarray, bins: int = BINS) -> list[dict]:
    """Quantile bins of `values` (equal counts, ties kept together) and the residuals in each."""
    edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        edges = np.array([values.min(), values.max()])
    which = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    rows = []
    for b in range(len(edges) - 1):
        r = residual[which == b]
        if len(r):
            rows.append({"lower": float(edges[b]), "upper": float(edges[b + 1]), "count": int(len(r)),
                         "mean_residual": float(r.mean()), "mae": float(np.abs(r).mean()),
                         "rmse": float(np.sqrt(np.mean(r**2)))})
    return rows
