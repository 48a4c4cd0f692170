"""Baselines on every run, on the same splits and metric: a statistical one (majority class / mean),
a linear model (logistic / linear regression) and gradient boosting (HistGradientBoosting).

A network that does not beat them is not worth tuning yet.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from tuneup.data.encode import Tensors
from tuneup.errors.metrics import Metric

MAX_FIT_ROWS = 50_000  # baselines fit on a sample of this many training rows at most (said in the summary)
NAMES = ("majority", "linear", "hgb")


@dataclass
class Baseline:
    name: str
    model: str  # what it is, in scikit-learn's words
    scores: dict[str, dict[str, float]]  # split -> {"metric": ..., "error": ...}
    fit_rows: int
    seconds: float


def features(t: Tensors, n_categories: list[int] | None = None) -> np.ndarray:
    """A flat float matrix for scikit-learn: numeric block (+ category codes) or flattened pixels in [0, 1]."""
    x = t.inputs()[0].reshape(len(t), -1).cpu().numpy()
    if t.x_cat is not None:
        x = np.hstack([x, t.x_cat.cpu().numpy().astype(np.float32)])
    return x


def targets(t: Tensors, task: str) -> np.ndarray:
    y = t.y.cpu().numpy()
    return y.astype(np.int64) if task in ("binary", "multiclass", "multilabel") else y


def make(name: str, task: str, n_numeric: int, n_cat: int, seed: int):
    """The scikit-learn estimator for a baseline name and task."""
    classification = task != "regression"
    cat_mask = [False] * n_numeric + [True] * n_cat
    if name == "majority":
        return DummyClassifier(strategy="most_frequent") if classification else DummyRegressor(strategy="mean")
    if name == "linear":
        if n_cat:
            from sklearn.compose import ColumnTransformer

            prep = ColumnTransformer(
                [("num", "passthrough", list(range(n_numeric))),
                 ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(n_numeric, n_numeric + n_cat)))]
            )
        else:
            prep = StandardScaler()
        if not classification:
            return make_pipeline(prep, LinearRegression())
        est = LogisticRegression(max_iter=1000)
        return make_pipeline(prep, MultiOutputClassifier(est) if task == "multilabel" else est)
    cats = cat_mask if n_cat else None
    if not classification:
        return HistGradientBoostingRegressor(categorical_features=cats, random_state=seed)
    est = HistGradientBoostingClassifier(categorical_features=cats, random_state=seed)
    return MultiOutputClassifier(est) if task == "multilabel" else est


PREDICT_CHUNK = 100_000


def predict(est, x: np.ndarray, task: str, n_outputs: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Predictions in chunks: scikit-learn may upcast to float64, which on a million rows costs memory."""
    if len(x) > PREDICT_CHUNK:
        parts = [predict(est, x[i : i + PREDICT_CHUNK], task, n_outputs) for i in range(0, len(x), PREDICT_CHUNK)]
        pred = np.concatenate([p for p, _ in parts])
        proba = None if parts[0][1] is None else np.concatenate([q for _, q in parts])
        return pred, proba
    return _predict(est, x, task, n_outputs)


def _predict(est, x: np.ndarray, task: str, n_outputs: int) -> tuple[np.ndarray, np.ndarray | None]:
    if task == "regression":
        return est.predict(x), None
    if task == "multilabel":
        proba = np.stack([p[:, 1] if p.shape[1] > 1 else np.zeros(len(x)) for p in est.predict_proba(x)], axis=1)
        return est.predict(x), proba
    proba = est.predict_proba(x)
    if task == "binary":
        return est.predict(x), proba[:, list(est.classes_).index(1)] if 1 in est.classes_ else np.zeros(len(x))
    full = np.zeros((len(x), n_outputs))
    full[:, est.classes_] = proba
    return est.predict(x), full


def run_baselines(
    names: list[str], splits: dict[str, Tensors], task: str, metric: Metric, n_outputs: int,
    decode_regression=None, seed: int = 0,
) -> dict[str, Baseline]:
    """Fit each baseline on `splits['train']` and score it on every split given."""
    train = splits["train"]
    x_train, y_train = features(train), targets(train, task)
    n_cat = 0 if train.x_cat is None else train.x_cat.shape[1]
    n_numeric = x_train.shape[1] - n_cat
    rows = np.arange(len(x_train))
    if len(rows) > MAX_FIT_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_FIT_ROWS, replace=False))
    if decode_regression is not None and task == "regression":
        y_fit = decode_regression(y_train)
    else:
        y_fit = y_train
    xs = {name: features(t) for name, t in splits.items()}
    out = {}
    for name in names:
        start = time.perf_counter()
        est = make(name, task, n_numeric, n_cat, seed)
        est.fit(x_train[rows], y_fit[rows])
        scores = {}
        for split, t in splits.items():
            pred, proba = predict(est, xs[split], task, n_outputs)
            y = targets(t, task)
            if task == "regression" and decode_regression is not None:
                y = decode_regression(y)
            value = metric(y, pred, proba, task)
            scores[split] = {"metric": value, "error": metric.error(value)}
        out[name] = Baseline(name, _describe(est), scores, len(rows), time.perf_counter() - start)
    return out


def _describe(est) -> str:
    steps = getattr(est, "steps", None)
    final = steps[-1][1] if steps else est
    inner = getattr(final, "estimator", None)
    return type(final).__name__ + (f"({type(inner).__name__})" if inner is not None else "")

