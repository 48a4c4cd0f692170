"""`CheckData`: the examples, their splits and column types, and what several checks share (label codes,
a numeric matrix for quick models, row hashes), each computed once, when first asked for."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from tuneup.config import Config
from tuneup.data import columns as cols
from tuneup.data.dataset import TARGET_SOURCE, TRAIN_SOURCE, Dataset
from tuneup.data.labels import label_keys
from tuneup.data.shift import IMAGE_STATS, days_since_epoch, image_stats
from tuneup.data.split import Splits

HOLDOUT = ("dev", "test")  # what measures the model: a copy of a training example here is a leak
FITTED = ("train", "train_dev")  # the training source's side of the splits
MAX_CODES = 250  # categorical columns with more values go to quick models as their frequency


@dataclass
class Matrix:
    """Numbers a quick model (gradient boosting) can take: one column per feature, NaN for missing."""

    x: np.ndarray  # (N, D) float32
    names: list[str]
    categorical: np.ndarray  # (D,) bool: the column holds category codes


@dataclass
class CheckData:
    cfg: Config  # resolved: task and metric filled in
    dataset: Dataset
    splits: Splits
    types: dict[str, str] = field(default_factory=dict)  # tables: feature -> numeric|categorical|boolean|datetime
    notes: list[str] = field(default_factory=list)  # what was inferred, and why

    @property
    def task(self) -> str:
        return self.cfg.task

    @property
    def kind(self) -> str:
        return self.dataset.kind

    @property
    def seed(self) -> int:
        return self.cfg.data.split.seed

    @property
    def classification(self) -> bool:
        return self.task in ("binary", "multiclass")

    @property
    def two_sources(self) -> bool:
        return self.dataset.has_target_source

    def rows(self, *names: str) -> np.ndarray:
        return np.flatnonzero(np.isin(self.splits.split, names))

    def source_rows(self, source: str) -> np.ndarray:
        return np.flatnonzero(self.dataset.source == source)

    def sample(self, rows: np.ndarray, n: int, salt: int = 0) -> np.ndarray:
        """At most `n` of `rows`, drawn with the split seed (sorted, so frames keep their order)."""
        if len(rows) <= n:
            return rows
        rng = np.random.default_rng([abs(self.seed), salt])
        return np.sort(rng.choice(rows, n, replace=False))

    # ---- labels ------------------------------------------------------------------------------------
    @cached_property
    def label_codes(self) -> tuple[np.ndarray, list[str]]:
        """(codes (N,) int64, label names as text in sorted order). Multilabel: each combination of labels
        that are on is one 'class' ('cat|dog')."""
        y = self.dataset.y
        if isinstance(y, pd.DataFrame):
            names = np.asarray([str(c) for c in y.columns], dtype=object)
            y = pd.Series(["|".join(names[row]) for row in y.to_numpy() > 0])
        try:
            codes, classes = pd.factorize(y, sort=True)
        except TypeError:  # labels of mixed kinds (1 and "a") do not sort; their texts do
            codes, classes = pd.factorize(y.astype(str), sort=True)
        return codes.astype(np.int64), list(label_keys(classes))

    @cached_property
    def label_text(self) -> np.ndarray:
        """(N,) each example's label as text."""
        codes, classes = self.label_codes
        return np.asarray(classes, dtype=object)[codes]

    # ---- features ----------------------------------------------------------------------------------
    @property
    def features(self) -> pd.DataFrame:
        return self.dataset.features

    @cached_property
    def _factorized(self) -> dict[str, tuple[np.ndarray, pd.Index, np.ndarray]]:
        return {}

    def factorized(self, name: str) -> tuple[np.ndarray, pd.Index, np.ndarray]:
        """A categorical column as (codes (N,) int64 with -1 for missing, distinct values, rows per value),
        computed once: several checks count categories, and hashing a million strings is the slow part."""
        if name not in self._factorized:
            codes, uniques = pd.factorize(self.features[name])
            codes = codes.astype(np.int64)
            self._factorized[name] = (codes, pd.Index(uniques), np.bincount(codes[codes >= 0], minlength=len(uniques)))
        return self._factorized[name]

    @cached_property
    def suspicious(self) -> dict[str, str]:
        """Feature -> 'constant' | 'identifier' for columns no model can learn from."""
        found = {}
        for name, kind in self.types.items():
            counts = self.factorized(name)[2] if kind == "categorical" else None
            why = column_problem(self.features[name], kind, counts)
            if why:
                found[name] = why
        return found

    def column_values(self, name: str) -> np.ndarray:
        """A numeric, boolean or datetime column as float64 (dates in days), NaN for missing."""
        s, kind = self.features[name], self.types[name]
        if kind == "datetime":
            return days_since_epoch(s)
        if kind == "boolean":
            return cols.to_boolean(s).astype(np.float64)
        if pd.api.types.is_numeric_dtype(s):
            return s.to_numpy(dtype=np.float64, na_value=np.nan)  # float64, not the model's float32: exact
        return pd.to_numeric(s.astype(str).str.strip(), errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)

    def matrix(self, rows: np.ndarray) -> Matrix:
        """Tables: the examples at `rows` with every usable feature as numbers (constant and
        identifier-like columns left out)."""
        usable = self.usable
        x = np.empty((len(rows), len(usable)), dtype=np.float32)
        categorical = np.zeros(len(usable), dtype=bool)
        for j, name in enumerate(usable):
            if self.types[name] == "categorical":
                codes, _, counts = self.factorized(name)
                x[:, j], categorical[j] = category_numbers(codes[rows], counts, len(self.dataset))
            else:
                x[:, j] = self.column_values(name)[rows]
        return Matrix(x, usable, categorical)

    @property
    def usable(self) -> list[str]:
        """Features a model can learn from: not constant, not identifier-like."""
        return [c for c in self.types if c not in self.suspicious]

    @cached_property
    def _image_stats(self) -> np.ndarray:
        return np.full((len(self.dataset), len(IMAGE_STATS)), np.nan, dtype=np.float64)

    def image_statistics(self, rows: np.ndarray) -> pd.DataFrame:
        """Brightness, contrast, sharpness and noise of the images at `rows`, each image computed once."""
        todo = rows[np.isnan(self._image_stats[rows, 0])]
        if len(todo):
            self._image_stats[todo] = image_stats(self.dataset.images[todo]).to_numpy()
        return pd.DataFrame(self._image_stats[rows], columns=list(IMAGE_STATS))

    @property
    def compared(self) -> list[str]:
        """The features two examples are compared on: all but identifier-like ones (a row number or a
        transaction id would make every copy look different)."""
        kept = [c for c in self.types if self.suspicious.get(c) != "identifier"]
        return kept or list(self.types)

    @property
    def exact_hashes(self) -> np.ndarray:
        """(N,) uint64 per example: of its compared features (tables) or its decoded pixels (images)."""
        return self._hashes[0]

    @property
    def near_hashes(self) -> np.ndarray:
        """Tables: (N,) uint64 per example after rounding numbers and folding text (see `hashing`)."""
        return self._hashes[1]

    @cached_property
    def _hashes(self) -> tuple[np.ndarray, np.ndarray | None]:
        from tuneup.checks import hashing

        if self.kind == "image":
            return hashing.pixel_hashes(self.dataset.images), None
        def columns():
            for c in self.compared:
                values = self.exact_values(c)
                uniques = self.factorized(c)[1] if self.types[c] == "categorical" else None
                yield values, hashing.near_values(values, self.types[c], uniques)

        return hashing.combine_both(len(self.dataset), columns())

    def exact_values(self, name: str) -> np.ndarray:
        """A column as numbers that are equal exactly when the values are: category codes or float64."""
        return self.factorized(name)[0] if self.types[name] == "categorical" else self.column_values(name)


def column_problem(s: pd.Series, kind: str, counts: np.ndarray | None = None) -> str | None:
    """'constant' when one value (or nothing) fills the column; 'identifier' when every row has its own
    text value, or the integers are exactly a run like row numbers. `counts`: rows per distinct value."""
    missing = int(s.isna().sum())
    n = len(s) - missing
    if counts is None and (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        x = s.dropna().to_numpy()
        if n == 0 or (x.min() == x.max() and not missing):
            return "constant"
        # integers that are exactly a run (row numbers, sequence ids): the cheap test first
        if kind == "numeric" and n >= 20 and pd.api.types.is_integer_dtype(s) and not missing:
            if int(x.max()) - int(x.min()) + 1 == n and s.nunique() == n:
                return "identifier"
        return None
    distinct = len(counts) if counts is not None else s.nunique()
    if distinct + (missing > 0) <= 1:
        return "constant"
    if kind == "categorical" and n >= 20 and distinct >= 0.95 * n:
        return "identifier"
    return None


def category_numbers(codes: np.ndarray, counts: np.ndarray, n: int) -> tuple[np.ndarray, bool]:
    """Category codes ranked by frequency (NaN for missing) when there are few enough values for a tree's
    categorical splits; otherwise each value's share of rows, so rare and common values still differ."""
    present = codes >= 0
    if len(counts) <= MAX_CODES:
        rank = np.empty(len(counts), dtype=np.float32)
        rank[np.argsort(-counts, kind="stable")] = np.arange(len(counts), dtype=np.float32)
        return np.where(present, rank[np.maximum(codes, 0)], np.nan).astype(np.float32), True
    share = (counts / max(n, 1)).astype(np.float32)
    return np.where(present, share[np.maximum(codes, 0)], np.nan).astype(np.float32), False


def load(cfg: Config) -> CheckData:
    """Read the sources, fill in task and metric, split: the same steps `tuneup run` takes
    (`pipeline.stage`), without encoding."""
    from tuneup.pipeline.staging import stage

    staged = stage(cfg)
    types = feature_types(staged.dataset, staged.cfg)
    return CheckData(staged.cfg, staged.dataset, staged.splits, types, [str(n) for n in staged.notes])


def feature_types(ds: Dataset, cfg: Config) -> dict[str, str]:
    if ds.kind != "table":
        return {}
    where = ", ".join(s["path"] for s in ds.sources.values())
    return cols.infer_types(ds.features, cfg.data.types, where)


__all__ = ["CheckData", "FITTED", "HOLDOUT", "Matrix", "TARGET_SOURCE", "TRAIN_SOURCE", "load"]
