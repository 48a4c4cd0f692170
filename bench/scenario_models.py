"""The scikit-learn references the scenarios measure tuneup against, one definition each: used on tuneup's
own splits (`bench/scenarios.py`) and by the independent checks of every scenario's truth
(`bench/scenario_checks.py`).

- LogisticRegression: images on raw [0, 1] pixels, no scaling; tables with median / most-frequent
  imputation, StandardScaler and one-hot categoricals (fitted on the training rows only).
- HistGradientBoosting: tables with native categorical support; images on raw pixels.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LR_MAX_ITER = 5000  # enough for lbfgs to converge on 1,024-3,072 raw pixels


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def pixels(images: np.ndarray) -> np.ndarray:
    """(N, ...) images, uint8 in [0, 255] or float in [0, 1] -> (N, D) float in [0, 1]."""
    x = images.reshape(len(images), -1).astype(np.float64)
    return x / 255.0 if images.dtype == np.uint8 else x


def logistic(frame: pd.DataFrame | None = None, classification: bool = True):
    """LogisticRegression (LinearRegression for regression); for a table, its preprocessing in front."""
    from sklearn.linear_model import LinearRegression, LogisticRegression

    model = LogisticRegression(max_iter=LR_MAX_ITER) if classification else LinearRegression()
    if frame is None:
        return model
    from sklearn.compose import make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = categorical_columns(frame)
    nums = [c for c in frame.columns if c not in cats]
    prep = make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
        (make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cats),
    )
    return make_pipeline(prep, model)


def boosting(classification: bool = True, seed: int = 0):
    """HistGradientBoosting with its defaults; categoricals from the frame's `category` dtype (`Reference`
    sets it)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cls = HistGradientBoostingClassifier if classification else HistGradientBoostingRegressor
    return cls(categorical_features="from_dtype", random_state=seed)


def for_boosting(frame: pd.DataFrame, categories: dict[str, list] | None = None) -> pd.DataFrame:
    """Text columns as pandas categories (HistGradientBoosting's native categorical support reads the
    dtype): with `categories`, those values and no others (an unseen one becomes missing)."""
    out = frame.copy()
    for c in categorical_columns(frame):
        known = None if categories is None else categories[c]
        values = out[c] if known is None else out[c].where(out[c].isin(known))
        out[c] = pd.Categorical(values, categories=known)
    return out


class Reference:
    """'LR' or 'HGB' fitted on features `x` (a table's feature frame, or a pixel matrix) and labels `y`;
    a table's categories are fixed at fit time, so an unseen value is missing, never a new code."""

    def __init__(self, name: str, x: pd.DataFrame | np.ndarray, y, classification: bool = True, seed: int = 0):
        if name not in ("LR", "HGB"):
            raise ValueError(f"reference {name!r}: choose LR or HGB")
        self.name, self.classification = name, classification
        table = isinstance(x, pd.DataFrame)
        self.categories = {c: sorted(x[c].dropna().unique()) for c in categorical_columns(x)} if table else {}
        if name == "LR":
            self.model = logistic(x if table else None, classification)
        else:
            self.model = boosting(classification, seed)
        self.model.fit(self._prepare(x), y)

    def _prepare(self, x):
        if self.name != "HGB" or not isinstance(x, pd.DataFrame):
            return x
        return for_boosting(x, self.categories)

    @property
    def classes(self) -> np.ndarray:
        return self.model.classes_

    def predict(self, x) -> np.ndarray:
        return self.model.predict(self._prepare(x))

    def predict_proba(self, x) -> np.ndarray:
        return self.model.predict_proba(self._prepare(x))

    def error(self, x, y) -> float:
        """Share of examples predicted wrong (what the independent checks report)."""
        return float(np.mean(self.predict(x) != np.asarray(y)))


def mlp(hidden: tuple[int, ...], frame: pd.DataFrame | None = None, alpha: float = 0.0, epochs: int = 200,
        seed: int = 0):
    """scikit-learn's MLPClassifier (Adam, no early stopping) with the same preprocessing as `logistic`:
    a plain network outside tuneup, to check what a given capacity does on a scenario's data."""
    from sklearn.neural_network import MLPClassifier

    net = MLPClassifier(hidden, alpha=alpha, max_iter=epochs, early_stopping=False, random_state=seed)
    if frame is None:
        return net
    pipe = logistic(frame)
    pipe.steps[-1] = ("mlpclassifier", net)
    return pipe
