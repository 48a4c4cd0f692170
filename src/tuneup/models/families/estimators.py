"""scikit-learn's models as tuneup uses them: ONE estimator setup for the baselines every run fits and for
`model.kind: linear | hgb` runs, fitted on the matrix the encoder makes, and their outputs in the form the
networks' are written (`Outputs`: the estimator's own predictions, the networks' per-example loss).

The matrix (`matrix(tensors)`): tables: the encoded numeric block (imputed, standardized, one-hot, missing
indicators), then one column per embedded categorical holding its code (0 = unknown); images: the raw
pixels in [0, 1], flattened. What each family does with it:

    majority  DummyClassifier (most frequent) / DummyRegressor (mean)
    linear    tables: StandardScaler on the numeric block, one-hot on the codes, then LogisticRegression /
              LinearRegression; images: LogisticRegression on the raw pixels (standardizing pixels that are
              near-constant in training, the border, blows them up on a shifted target source)
    hgb       HistGradientBoosting; codes of categoricals with at most MAX_BINS values split natively
"""
from __future__ import annotations

import warnings
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from tuneup._threads import one_thread
from tuneup.data.encode import Tensors
from tuneup.models.heads import Head, Outputs

if TYPE_CHECKING:
    from tuneup.config import HGB, Linear
    from tuneup.data.encode import Encoder

FAMILIES = ("linear", "hgb")  # model.kind values that are scikit-learn models, not networks
MAX_BINS = 255  # HistGradientBoosting splits a categorical natively only up to this many values
PREDICT_CHUNK = 100_000  # rows predicted at a time: scikit-learn upcasts to float64
SMALL_CELLS = 4_000_000  # rows x columns below which scikit-learn runs on one thread
EPS = 1e-15  # probabilities are clipped to [EPS, 1 - EPS] for the log loss, as scikit-learn's log_loss does


def is_family(kind: str) -> bool:
    return kind in FAMILIES


@dataclass(frozen=True)
class Layout:
    """What the matrix's columns hold: `n_numeric` numbers, then one code column per categorical."""

    kind: str  # table | image
    n_numeric: int
    cardinalities: tuple[int, ...] = ()  # per code column: its categories + 1 (unknown)

    @classmethod
    def of(cls, encoder: Encoder) -> Layout:
        spec = encoder.input_spec()
        if spec["kind"] == "image":
            c, h, w = spec["shape"]
            return cls("image", c * h * w)
        return cls("table", spec["n_features"], tuple(spec["cardinalities"]))

    @property
    def width(self) -> int:
        return self.n_numeric + len(self.cardinalities)

    def native_categoricals(self) -> list[bool] | None:
        """HistGradientBoosting's categorical mask: code columns with few enough values (the others split as
        ordered numbers, which scikit-learn would refuse as categories)."""
        mask = [False] * self.n_numeric + [c <= MAX_BINS for c in self.cardinalities]
        return mask if any(mask) else None


def matrix(t: Tensors) -> np.ndarray:
    """A flat float32 matrix for scikit-learn: numeric block (+ category codes) or flattened pixels in [0, 1]."""
    x = t.inputs()[0].reshape(len(t), -1).cpu().numpy()
    if t.x_cat is not None:
        x = np.hstack([x, t.x_cat.cpu().numpy().astype(np.float32)])
    return x


def targets(t: Tensors, task: str) -> np.ndarray:
    y = t.y.cpu().numpy()
    return y.astype(np.int64) if task in ("binary", "multiclass", "multilabel") else y


def make(name: str, task: str, layout: Layout, params: Linear | HGB | None = None, seed: int = 0,
         class_weight: str | None = None):
    """The scikit-learn estimator for a family (or `majority`) on this task and matrix. `params`: the
    config's `model.linear` / `model.hgb` (None: their defaults, scikit-learn's, as the baselines use)."""
    from tuneup.config import HGB, Linear

    classification = task != "regression"
    if name == "majority":
        from sklearn.dummy import DummyClassifier, DummyRegressor

        return DummyClassifier(strategy="most_frequent") if classification else DummyRegressor(strategy="mean")
    if name == "linear":
        return _linear(task, layout, params or Linear(), class_weight)
    if name == "hgb":
        return _hgb(task, layout, params or HGB(), seed, class_weight)
    raise ValueError(f"unknown model family {name!r}")  # config validation names the valid ones


def _linear(task: str, layout: Layout, p: Linear, class_weight: str | None):
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import make_pipeline

    if task == "regression":
        est = LinearRegression()
    else:
        est = LogisticRegression(**p.model_dump(), class_weight=class_weight)
        est = MultiOutputClassifier(est) if task == "multilabel" else est
    if layout.kind == "image":
        return est  # raw [0, 1] pixels, as they are
    return make_pipeline(table_preprocessing(layout), est)


def table_preprocessing(layout: Layout):
    """StandardScaler on the numeric block, one-hot on the category codes (unknown codes: all zeros)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric, codes = list(range(layout.n_numeric)), list(range(layout.n_numeric, layout.width))
    parts = [("num", StandardScaler(), numeric)] if numeric else []
    if codes:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore"), codes))
    return ColumnTransformer(parts)


def _hgb(task: str, layout: Layout, p: HGB, seed: int, class_weight: str | None):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.multioutput import MultiOutputClassifier

    # the config's knobs carry scikit-learn's names
    kw = {**p.model_dump(), "categorical_features": layout.native_categoricals(), "random_state": seed}
    if task == "regression":
        return HistGradientBoostingRegressor(**kw)
    est = HistGradientBoostingClassifier(class_weight=class_weight, **kw)
    return MultiOutputClassifier(est) if task == "multilabel" else est


@contextmanager
def quiet_threads(x: np.ndarray):
    """scikit-learn's convergence notes silenced (the caller says what matters) and, on small data, one
    thread (`tuneup._threads`: a second one saves little there and costs a lot on a busy machine)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with one_thread() if x.size < SMALL_CELLS else nullcontext():
            yield


def fit(est, x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None):
    with quiet_threads(x):
        if sample_weight is None:
            return est.fit(x, y)
        return est.fit(x, y, **_weight_argument(est, sample_weight))


def _weight_argument(est, w: np.ndarray) -> dict[str, np.ndarray]:
    steps = getattr(est, "steps", None)
    return {f"{steps[-1][0]}__sample_weight": w} if steps else {"sample_weight": w}


def predict(est, x: np.ndarray, task: str, n_outputs: int) -> tuple[np.ndarray, np.ndarray | None]:
    """scikit-learn's own `predict` and `predict_proba` (binary: P(class 1); multiclass: every class, zero for
    those training never saw), in chunks: scikit-learn may upcast to float64, which on a million rows costs memory."""
    if len(x) > PREDICT_CHUNK:
        parts = [predict(est, x[i : i + PREDICT_CHUNK], task, n_outputs) for i in range(0, len(x), PREDICT_CHUNK)]
        pred = np.concatenate([p for p, _ in parts])
        proba = None if parts[0][1] is None else np.concatenate([q for _, q in parts])
        return pred, proba
    with quiet_threads(x):
        return _predict(est, x, task, n_outputs)


def _predict(est, x: np.ndarray, task: str, n_outputs: int) -> tuple[np.ndarray, np.ndarray | None]:
    if task == "regression":
        return est.predict(x), None
    if task == "multilabel":
        proba = np.stack([p[:, 1] if p.shape[1] > 1 else np.zeros(len(x)) for p in est.predict_proba(x)], axis=1)
        return est.predict(x), proba
    return est.predict(x), full_proba(est.predict_proba(x), est.classes_, task, n_outputs)


def full_proba(proba: np.ndarray, classes: np.ndarray, task: str, n_outputs: int) -> np.ndarray:
    """Probabilities over the classes the estimator saw -> binary (N,) P(class 1), multiclass (N, n_outputs)."""
    if task == "binary":
        return proba[:, list(classes).index(1)] if 1 in classes else np.zeros(len(proba))
    full = np.zeros((len(proba), n_outputs))
    full[:, classes] = proba
    return full


def outputs(pred: np.ndarray, proba: np.ndarray | None, y: torch.Tensor | None, task: str, n_outputs: int,
            target: dict[str, Any]) -> Outputs:
    """Predictions in the networks' form: `pred` as the estimator said (regression: in the target's units,
    turned into the encoded units `Outputs` holds), and the per-example loss the networks' `Head` computes
    (log loss; squared error in standardized units), from logits that its activation turns back into `proba`."""
    if task == "regression":
        pred = (np.asarray(pred, dtype=np.float64) - target["mean"]) / target["std"]
        logits = pred[:, None]
    else:
        p = np.clip(np.asarray(proba, dtype=np.float64), EPS, 1.0 if task == "multiclass" else 1.0 - EPS)
        logits = np.log(p) if task == "multiclass" else np.log(p) - np.log1p(-p)
        logits = logits[:, None] if task == "binary" else logits
    if y is None:
        loss = np.full(len(pred), np.nan)
    else:
        loss = Head(task, n_outputs).loss(torch.from_numpy(logits), y.cpu(), reduction="none").numpy()
    return Outputs(np.asarray(pred), proba, loss)


def parameters(est) -> int:
    """Coefficients (linear) or tree nodes (boosting): what `summary.json` calls the model's parameters."""
    final = est.steps[-1][1] if hasattr(est, "steps") else est
    members = getattr(final, "estimators_", None) or [final]
    total = 0
    for m in members:
        if hasattr(m, "_predictors"):
            total += sum(len(p.nodes) for it in m._predictors for p in it)
        elif hasattr(m, "coef_"):
            total += int(np.size(m.coef_) + np.size(m.intercept_))
    return total


def describe(est) -> str:
    """What it is, in scikit-learn's words: `LogisticRegression`, `MultiOutputClassifier(LogisticRegression)`."""
    final = est.steps[-1][1] if hasattr(est, "steps") else est
    inner = getattr(final, "estimator", None)
    return type(final).__name__ + (f"({type(inner).__name__})" if inner is not None else "")
