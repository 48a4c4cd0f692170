"""Model families that are not networks: scikit-learn's linear models and HistGradientBoosting as
first-class tuneup models (`model.kind: linear | hgb`), and the baselines every run fits.

    estimators.py  the one estimator setup (baselines and family runs), the matrix, outputs in the networks' form
    fit.py         fit a family on prepared data: the estimator and its history (HGB: per boosting iteration)
    graph.py       the fitted estimator as ONNX with the networks' inputs and output (ship/graph.py's contract)
    trees.py       HistGradientBoosting -> ONNX's TreeEnsemble (double thresholds, categorical sets)
    artifact.py    model.onnx + model.json in the run folder, checked against the estimator's own outputs

A family is fitted into a run folder like a network is trained into one: `pipeline/family.py`.
"""
from __future__ import annotations

from tuneup._lazy import lazy_exports

_EXPORTS = {"FAMILIES": "estimators", "is_family": "estimators"}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
