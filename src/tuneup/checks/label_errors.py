"""Suspected label errors, listed for a person to review.

Every example gets predicted probabilities from a quick model that never saw it (K-fold out-of-fold:
gradient boosting on the features; for images, logistic regression on principal components of the
pixels). Confident learning (Northcutt et al., 2021) then names the examples whose given label the
model confidently contradicts: cleanlab's implementation when it is installed (`tuneup[labels]`), the
confident joint's off-diagonal otherwise. Suspects are ranked by the probability the model gives the
given label (lowest first). They are only as good as the quick model, whose own score is reported."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tuneup.checks.context import CheckData
from tuneup.checks.result import Finding
from tuneup.exceptions import shown

FOLDS = 3
MAX_CHECKED = {"table": 50_000, "image": 20_000}  # examples checked (a random sample beyond this)
MAX_FIT = {"table": 10_000, "image": 10_000}  # examples each fold's model is fitted on
STRONG = 0.85  # out-of-fold balanced accuracy from which the suspects deserve a warning
SHOWN = 20
CHUNK = 65_536


def check(data: CheckData) -> tuple[dict[str, Any], list[Finding]]:
    if not data.classification:
        return {"skipped": f"{data.task}: suspected label errors are found for single-label classes only"}, []
    if data.kind == "table" and not data.usable:
        return {"skipped": "no usable features for an out-of-fold model"}, []
    codes, classes = data.label_codes
    counts = np.bincount(codes, minlength=len(classes))
    rows = np.flatnonzero(counts[codes] >= FOLDS)  # a class needs an example in each fold
    rows = data.sample(rows, MAX_CHECKED[data.kind], salt=41)
    present, y = np.unique(codes[rows], return_inverse=True)
    if len(present) < 2:
        return {"skipped": "fewer than two classes with enough examples for an out-of-fold model"}, []
    x = Inputs(data, rows)
    probs, model = out_of_fold(data, x, y)
    ranked, method = find_issues(y, probs)
    section, found = summarize(data, rows, y, probs, ranked, [classes[i] for i in present], model, method)
    section["checked"] = {"rows": int(len(rows)), "of": int(len(data.dataset)), "sampled": len(rows) < len(codes)}
    return section, found


class Inputs:
    """Model inputs for the checked examples: the feature matrix (tables), flattened pixels (images)."""

    def __init__(self, data: CheckData, rows: np.ndarray):
        self.data, self.rows = data, rows
        self.matrix = data.matrix(rows) if data.kind == "table" else None

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        if self.matrix is not None:
            return self.matrix.x[idx]
        images = self.data.dataset.images[self.rows[idx]]
        return images.reshape(len(idx), -1).astype(np.float32) / 255.0  # (n, C*H*W)


def out_of_fold(data: CheckData, x: Inputs, y: np.ndarray) -> tuple[np.ndarray, str]:
    """(len(y), K) probabilities, each from a model fitted on the other folds."""
    from sklearn.model_selection import StratifiedKFold

    probs = np.zeros((len(y), int(y.max()) + 1))
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=data.seed).split(np.zeros(len(y)), y)
    for i, (fit, held) in enumerate(folds):
        fit = data.sample(fit, MAX_FIT[data.kind], salt=40 + i)
        model = quick_model(data, x, len(fit))
        model.fit(x[fit], y[fit])
        for start in range(0, len(held), CHUNK):
            part = held[start : start + CHUNK]
            probs[np.ix_(part, model.classes_)] = model.predict_proba(x[part])
    name = ("gradient boosting on the features" if data.kind == "table"
            else "logistic regression on principal components of the pixels")
    return probs, f"{name}, {FOLDS}-fold out-of-fold"


def quick_model(data: CheckData, x: Inputs, n_fit: int):
    if data.kind == "table":
        from sklearn.ensemble import HistGradientBoostingClassifier

        cat = x.matrix.categorical
        # a quick model: 60 rounds of 15-leaf trees at a brisk rate (a million-row check must stay cheap)
        return HistGradientBoostingClassifier(max_iter=60, learning_rate=0.2, max_leaf_nodes=15, early_stopping=False,
                                              random_state=data.seed, categorical_features=cat if cat.any() else None)
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    n_pixels = int(np.prod(data.dataset.images.shape[1:]))
    components = max(1, min(50, n_fit - 1, n_pixels))
    return make_pipeline(PCA(n_components=components, random_state=data.seed), LogisticRegression(max_iter=300))


def find_issues(y: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, str]:
    """Indices of suspected label errors, most suspicious first, and the method used."""
    try:
        import cleanlab
        from cleanlab.filter import find_label_issues
    except ImportError:
        return confident_joint_issues(y, probs), (
            "confident learning (built-in confident joint; pip install 'tuneup[labels]' to use cleanlab)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = find_label_issues(y, probs, filter_by="prune_by_noise_rate",
                                   return_indices_ranked_by="self_confidence", n_jobs=1)
    return np.asarray(ranked, dtype=np.int64), f"cleanlab {cleanlab.__version__} (prune_by_noise_rate)"


def confident_joint_issues(y: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Examples off the confident joint's diagonal: some other class's probability reaches that class's
    threshold (the mean probability its own examples get) and beats the given one among those that do."""
    k = probs.shape[1]
    thresholds = np.array([probs[y == j, j].mean() if (y == j).any() else 1.0 for j in range(k)])
    above = probs >= thresholds
    confident = np.where(above, probs, -1.0).argmax(axis=1)
    issue = np.flatnonzero(above.any(axis=1) & (confident != y))
    return issue[np.argsort(probs[issue, y[issue]], kind="stable")]


def summarize(data: CheckData, rows, y, probs, ranked, classes, model, method) -> tuple[dict[str, Any], list[Finding]]:
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    pred = probs.argmax(axis=1)
    quality = {"accuracy": float(accuracy_score(y, pred)), "balanced_accuracy": float(balanced_accuracy_score(y, pred))}
    ids, split = data.dataset.ids, data.splits.split
    suspects = [{"id": str(ids[rows[i]]), "split": str(split[rows[i]]), "given": classes[y[i]],
                 "suggested": classes[pred[i]], "confidence": float(probs[i, pred[i]]),
                 "given_probability": float(probs[i, y[i]])} for i in ranked[:SHOWN]]
    share = len(ranked) / max(len(rows), 1)
    section = {"model": model, "method": method, "rows": int(len(rows)), "quality": quality,
               "suspected": int(len(ranked)), "share": share, "suspects": suspects}
    if not len(ranked):
        return section, []
    strong = quality["balanced_accuracy"] >= STRONG
    top = suspects[0]
    title = (f"{len(ranked)} suspected label error{'s' if len(ranked) > 1 else ''} ({100 * share:.1f}%); "
             f"most suspicious: '{top['id']}' labelled "
             f"{shown(top['given'])}, the model says {shown(top['suggested'])} ({100 * top['confidence']:.0f}%)")
    advice = "review the suspects listed in the report and fix the labels that are wrong"
    if not strong:
        advice += (f"; the out-of-fold model is weak (balanced accuracy {quality['balanced_accuracy']:.2f}), so many "
                   "suspects are merely hard examples")
    return section, [Finding("warning" if strong else "info", "label_errors", title, advice,
                             data={"suspected": int(len(ranked)), **quality})]
