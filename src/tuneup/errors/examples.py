"""One split's predictions in the form the error analysis wants, joined with what slices can use.

`Examples.from_run(run, "dev")` reads `predictions/dev.parquet` and the run's data (metadata, table
features, simple image statistics) joined on `id`; `Examples.from_frame(...)` takes a predictions frame
from anywhere (a compressed model's, a served model's) with the extra columns beside it.
"""
from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tuneup.data.labels import label_keys
from tuneup.errors.measure import Measure, measure_for, per_example
from tuneup.errors.metrics import Metric, get_metric
from tuneup.exceptions import DataError, listing

PREDICTION_COLUMNS = ("id", "y_true", "y_pred", "score", "residual", "loss")
NOT_SLICES = ("path",)  # metadata kept for people (file names), never a slice


@dataclass
class Examples:
    ids: np.ndarray  # (N,) str
    task: str
    classes: list  # class (or label) names in index order; [] for regression
    y_true: np.ndarray  # binary/multiclass (N,) int64 codes; multilabel (N, L) int8; regression (N,) float64
    y_pred: np.ndarray  # as y_true
    proba: np.ndarray | None  # binary (N,) P(classes[1]); multiclass/multilabel (N, C); regression None
    loss: np.ndarray  # (N,) per-example loss, as the run's head computed it
    metric: Metric
    columns: pd.DataFrame = field(default_factory=pd.DataFrame)  # metadata, features, image statistics
    kinds: dict[str, str] = field(default_factory=dict)  # column -> "meta" | "feature" | "image"
    images: np.ndarray | None = None  # (N, C, H, W) uint8, image runs only
    measure: Measure = field(init=False)
    error: np.ndarray = field(init=False)  # (N,) per-example error (see measure.py)

    def __post_init__(self) -> None:
        self.measure = measure_for(self.task, self.metric.name)
        self.error = per_example(self.task, self.metric.name, self.y_true, self.y_pred)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def classification(self) -> bool:
        return self.task != "regression"

    @property
    def mean_error(self) -> float:
        return float(self.error.mean()) if len(self) else float("nan")

    @property
    def overall_error(self) -> float:
        return float(self.measure.error(self.mean_error))

    def metric_value(self, rows: np.ndarray | None = None) -> float | None:
        """The run's metric on `rows` (all when None); None where it is undefined (one class in a slice)."""
        pick = slice(None) if rows is None else rows
        proba = None if self.proba is None else self.proba[pick]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn warns, then answers NaN: None says it better
            try:
                value = self.metric(self.y_true[pick], self.y_pred[pick], proba, self.task)
            except ValueError:
                return None
        return value if np.isfinite(value) else None

    def names(self, codes: np.ndarray) -> np.ndarray:
        """Class indices -> class names as people know them."""
        return np.asarray(self.classes, dtype=object)[np.asarray(codes, dtype=np.int64)]

    def shown(self, which: str) -> np.ndarray:
        """y_true or y_pred as people read them: class names, 'a|b' label sets, or numbers."""
        values = getattr(self, which)
        if self.task == "regression":
            return values
        if self.task == "multilabel":
            labels = np.asarray(self.classes, dtype=object)
            return np.array(["|".join(map(str, labels[row > 0])) for row in values], dtype=object)
        return self.names(values)

    def with_predictions(self, y_pred: np.ndarray, proba: np.ndarray | None,
                         loss: np.ndarray | None = None) -> "Examples":
        """The same examples scored by another model (a compressed one, a candidate)."""
        return dataclasses.replace(self, y_pred=y_pred, proba=proba, loss=self.loss if loss is None else loss)

    def take(self, rows: np.ndarray) -> "Examples":
        pick = lambda a: None if a is None else a[rows]  # noqa: E731
        return dataclasses.replace(
            self, ids=self.ids[rows], y_true=self.y_true[rows], y_pred=self.y_pred[rows], proba=pick(self.proba),
            loss=self.loss[rows], columns=self.columns.iloc[rows].reset_index(drop=True), images=pick(self.images),
        )

    def slice_columns(self) -> list[str]:
        """Columns worth slicing by when none are named: metadata that varies in this split, or else
        (image folders carry none) the images' brightness and contrast."""
        varies = [c for c, k in self.kinds.items() if c not in NOT_SLICES and self.columns[c].nunique(dropna=False) > 1]
        meta = [c for c in varies if self.kinds[c] == "meta"]
        return meta or [c for c in varies if self.kinds[c] == "image"]

    # ---- building --------------------------------------------------------------------------------
    @classmethod
    def from_frame(cls, frame: pd.DataFrame, task: str, classes: list | None, metric: "Metric | str",
                   kinds: dict[str, str] | None = None, columns: pd.DataFrame | None = None) -> "Examples":
        """A predictions frame (the contract in CONTRIBUTING.md) plus the columns to slice by: `columns`, row
        for row (they may have any names, `y_true` and `loss` too), or else the frame's other columns."""
        metric = get_metric(metric, task) if isinstance(metric, str) else metric
        missing = [c for c in ("id", "y_true", "y_pred") if c not in frame.columns]
        if missing:
            raise DataError(f"a predictions frame needs columns id, y_true, y_pred; it lacks {listing(missing)}")
        classes = list(classes or [])
        if task != "regression" and not classes:
            classes = [c[2:] for c in frame.columns if str(c).startswith("p:")]
        if task != "regression" and not classes:
            raise DataError(f"a {task} predictions frame needs its classes in index order (the encoder's classes)")
        y_true, y_pred = _targets(frame["y_true"], task, classes), _targets(frame["y_pred"], task, classes)
        proba = _probabilities(frame, task, classes)
        loss = frame["loss"].to_numpy(np.float64) if "loss" in frame else np.full(len(frame), np.nan)
        if columns is None:
            columns = frame[[c for c in frame.columns if c not in PREDICTION_COLUMNS and not str(c).startswith("p:")]]
        columns = columns.reset_index(drop=True)
        kinds = {c: (kinds or {}).get(c, "meta") for c in columns.columns}
        return cls(frame["id"].astype(str).to_numpy(), task, classes, y_true, y_pred, proba, loss, metric,
                   columns, kinds)

    @classmethod
    def from_run(cls, run, split: str = "dev") -> "Examples":
        """A finished run's predictions on `split`, joined with its metadata, features and image statistics."""
        preds = run.predictions(split)
        ds = run.data()
        rows = pd.Index(ds.ids.astype(str)).get_indexer(preds["id"].astype(str))
        if (rows < 0).any():
            lost = preds["id"][rows < 0].astype(str).tolist()
            raise DataError(
                f"run '{run.name}': {len(lost)} {split} examples are no longer in its data ({listing(lost, 3)}); "
                "the data changed since the run; analyse a run trained on the current data"
            )
        extra, kinds = _data_columns(ds, rows, run.encoder)
        examples = cls.from_frame(preds, run.encoder.task, run.encoder.classes, run.metric, kinds, columns=extra)
        if ds.images is not None:
            examples.images = ds.images[rows]
        return examples


def _data_columns(ds, rows: np.ndarray, encoder) -> tuple[pd.DataFrame, dict[str, str]]:
    """Metadata, features (dates parsed, so they bin as time) and, for images, brightness and contrast."""
    parts, kinds = [], {}
    meta = ds.meta.iloc[rows].reset_index(drop=True)
    parts.append(meta)
    kinds.update({c: "meta" for c in meta.columns})
    if ds.features is not None:
        features = ds.features.iloc[rows].reset_index(drop=True)
        for column in encoder.spec.get("columns", []):
            if column["type"] == "datetime" and column["name"] in features:
                features[column["name"]] = pd.to_datetime(features[column["name"]], errors="coerce", format="mixed")
        # a feature may share a name with the metadata tuneup adds (`source`): both stay, the feature renamed
        features = features.rename(columns={c: f"feature:{c}" for c in features.columns if c in kinds})
        parts.append(features)
        kinds.update({c: "feature" for c in features.columns})
    if ds.images is not None:
        stats = pd.DataFrame(image_statistics(ds.images, rows))
        parts.append(stats)
        kinds.update({c: "image" for c in stats.columns})
    return pd.concat(parts, axis=1), kinds


def image_statistics(images: np.ndarray, rows: np.ndarray, chunk: int = 1024) -> dict[str, np.ndarray]:
    """Brightness (mean pixel) and contrast (pixel standard deviation) in [0, 1] per image: slices a
    person can name ("dark photos"), computed a chunk at a time so large image sets need no float copy."""
    brightness, contrast = np.empty(len(rows), np.float32), np.empty(len(rows), np.float32)
    for start in range(0, len(rows), chunk):
        block = images[rows[start:start + chunk]].reshape(len(rows[start:start + chunk]), -1) / 255.0  # (B, C*H*W)
        brightness[start:start + chunk], contrast[start:start + chunk] = block.mean(axis=1), block.std(axis=1)
    return {"image_brightness": brightness, "image_contrast": contrast}


def _targets(values: pd.Series, task: str, classes: list) -> np.ndarray:
    if task == "regression":
        return pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    if task == "multilabel":
        return _label_sets(values, classes)
    return class_codes(values, classes)


def class_codes(values: pd.Series, classes: list) -> np.ndarray:
    """Labels -> indices into `classes`; labels read back from Parquet or CSV may be strings of numbers.
    The few distinct labels are matched, then spread (matching a million strings one by one is slow)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    index = pd.Index(classes).get_indexer(uniques)
    if (index < 0).any():
        index = pd.Index(label_keys(classes)).get_indexer(label_keys(uniques))
    if (index < 0).any() or (codes < 0).any():
        bad = [str(u) for u, i in zip(uniques, index) if i < 0][:5] or ["(missing)"]
        raise DataError(f"labels {listing(bad)} are not among the run's classes: {listing(classes)}")
    return index[codes].astype(np.int64)


def _label_sets(values: pd.Series, labels: list) -> np.ndarray:
    """'a|b' strings (as the predictions file holds multilabel targets) -> (N, L) 0/1."""
    parts = values.fillna("").astype(str).reset_index(drop=True).str.split("|").explode()
    codes = pd.Index(label_keys(labels)).get_indexer(parts)
    out = np.zeros((len(values), len(labels)), dtype=np.int8)
    known = codes >= 0
    out[parts.index.to_numpy()[known], codes[known]] = 1
    return out


def _probabilities(frame: pd.DataFrame, task: str, classes: list) -> np.ndarray | None:
    if task == "regression":
        return None
    # kept in their stored precision: scikit-learn checks that probabilities sum to one within
    # that precision's tolerance, and float32 softmax outputs widened to float64 would fail it
    if task == "binary":
        return _floats(frame["score"].to_numpy()) if "score" in frame else None
    cols = [f"p:{k}" for k in label_keys(classes)]
    if not all(c in frame for c in cols):
        return None
    return _floats(frame[cols].to_numpy())


def _floats(a: np.ndarray) -> np.ndarray:
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)
