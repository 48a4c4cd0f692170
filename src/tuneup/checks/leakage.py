"""Target leakage: a single feature that alone predicts the target almost perfectly on held-out data is
usually the label in disguise (recorded after the fact, derived from it, or joined in by mistake).

Each feature gets its own small model fitted on train and scored on dev: a tree with at most 64 leaves
for numbers, booleans and dates; for categories, the most common label (or mean) per category, which is the
tree with one leaf per value. Score: balanced accuracy (chance = 1/classes) or R² (regression: the better of
the tree and a straight line, which follows a copied number into the tails where a tree cannot).

A missing-value pattern can itself leak; it is a value of its own here (NaN for trees, a category)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tuneup.checks.context import CheckData
from tuneup.checks.result import Finding

LEAK_SCORE = 0.98  # a single feature this good on dev: flagged
LEAVES = 64  # a step function this fine follows a copied number closely (R² > 0.99), a threshold exactly
MAX_FIT, MAX_SCORE = 20_000, 20_000  # rows sampled from train (fit) and dev (score): enough to see a leak


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    if data.kind != "table":
        return {"skipped": "images: no single feature to test"}, []
    if data.task == "multilabel":
        return {"skipped": "multilabel: not tested"}, []
    fit, score = data.sample(data.rows("train"), MAX_FIT, salt=2), data.sample(data.rows("dev"), MAX_SCORE, salt=3)
    if len(fit) < 10 or len(score) < 10:
        return {"skipped": "too few train or dev examples to score single features"}, []
    y = target(data)
    scorer = "balanced_accuracy" if data.classification else "r2"
    results = []
    for name in data.types:
        if data.suspicious.get(name) == "constant":
            continue
        value = single_feature_score(data, name, fit, score, y)
        results.append({"column": name, "score": value})
    results.sort(key=lambda r: -np.nan_to_num(r["score"], nan=-np.inf))
    leaks = [r for r in results if r["score"] >= LEAK_SCORE]
    section = {"scorer": scorer, "fit_rows": len(fit), "score_rows": len(score), "threshold": LEAK_SCORE,
               "features": results}
    found = [Finding(
        "error", "leakage",
        f"'{r['column']}' alone predicts the target almost perfectly ({scorer} {r['score']:.3f} on dev)",
        f"if it is recorded after the outcome or derived from it, drop it (data.drop: [{r['column']}])",
        [r["column"]], {"data.drop": [*data.cfg.data.drop, r["column"]]}, {"score": r["score"], "scorer": scorer},
    ) for r in leaks]
    return section, found


def target(data: CheckData) -> np.ndarray:
    if data.classification:
        return data.label_codes[0]
    return pd.to_numeric(data.dataset.y, errors="coerce").to_numpy(dtype=np.float64)


def single_feature_score(data: CheckData, name: str, fit: np.ndarray, score: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import balanced_accuracy_score, r2_score

    if data.types[name] == "categorical":
        pred = category_lookup(data.factorized(name)[0], fit, score, y, data.classification)
    else:
        x = data.column_values(name)
        pred = tree_predict(x, fit, score, y, data.classification, data.seed)
        if not data.classification:  # a tree cannot follow a copied number into the tails; a line can
            return max(float(r2_score(y[score], pred)), line_r2(x, fit, score, y))
    if data.classification:
        return float(balanced_accuracy_score(y[score], pred))
    return float(r2_score(y[score], pred))


def line_r2(x: np.ndarray, fit: np.ndarray, score: np.ndarray, y: np.ndarray) -> float:
    """Holdout R² of a straight line fitted on train (rows with the feature present)."""
    from sklearn.metrics import r2_score

    ok_fit, ok_score = fit[np.isfinite(x[fit])], score[np.isfinite(x[score])]
    if len(ok_fit) < 3 or len(ok_score) < 3 or np.ptp(x[ok_fit]) == 0:
        return -np.inf
    slope, intercept = np.polyfit(x[ok_fit], y[ok_fit], 1)
    return float(r2_score(y[ok_score], slope * x[ok_score] + intercept))


def small_tree(classify: bool, seed: int):
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    kind = DecisionTreeClassifier if classify else DecisionTreeRegressor
    return kind(max_leaf_nodes=LEAVES, min_samples_leaf=5, random_state=seed)


def tree_predict(x: np.ndarray, fit: np.ndarray, score: np.ndarray, y: np.ndarray, classify: bool,
                 seed: int) -> np.ndarray:
    tree = small_tree(classify, seed)
    x = np.where(np.isinf(x), np.nan, x)  # trees take NaN (missing), not infinities
    tree.fit(x[fit, None], y[fit])
    return tree.predict(x[score, None])


def category_lookup(codes: np.ndarray, fit: np.ndarray, score: np.ndarray, y: np.ndarray, classify: bool) -> np.ndarray:
    """Per category (missing is one): the most common label, or the mean; categories unseen in fit get
    the overall one. `codes`: the column's category codes, -1 for missing."""
    k = int(codes.max()) + 2
    fit_codes, score_codes = codes[fit] + 1, codes[score] + 1  # 0: missing
    seen = np.bincount(fit_codes, minlength=k) > 0
    if classify:
        n_classes = int(y.max()) + 1
        table = np.bincount(fit_codes * n_classes + y[fit], minlength=k * n_classes).reshape(k, n_classes)
        per, fallback = table.argmax(axis=1), np.bincount(y[fit]).argmax()
    else:
        sums = np.bincount(fit_codes, weights=y[fit], minlength=k)
        per, fallback = sums / np.maximum(np.bincount(fit_codes, minlength=k), 1), float(np.mean(y[fit]))
    return np.where(seen[score_codes], per[score_codes], fallback).astype(y.dtype)
