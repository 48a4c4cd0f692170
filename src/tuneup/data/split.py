"""Honest splits: train / train-dev / dev / test, stratified, seeded, saved as `splits.csv`.

One source: train / dev / test, sizes by data size as the seeds advise (60/20/20 for thousands of
examples, dev and test capped near 10,000 each for very large data).

A training source and a target source (the distribution that matters): train and train-dev from
the training source; dev and test from the target source only, so both measure the same thing;
optionally a share of the target source moved into training (`target_in_train`, as Ng advises).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import KFold, RepeatedKFold, RepeatedStratifiedKFold, StratifiedKFold, train_test_split

from tuneup._io import write_with
from tuneup.config import Split
from tuneup.data.columns import regression_target
from tuneup.data.dataset import TARGET_SOURCE, TRAIN_SOURCE, Dataset
from tuneup.exceptions import DataError

SPLITS = ("train", "train_dev", "dev", "test")
MIN_EXAMPLES = 10
HOLDOUT_CAP = 10_000


@dataclass
class Splits:
    """Which split each example belongs to, in the dataset's row order."""

    ids: np.ndarray
    split: np.ndarray  # (N,) one of SPLITS, an object array (8 bytes a row, not 36 as fixed-width text)
    folds: np.ndarray | None = None  # (N, repeats) fold index, -1 outside the K-fold pool

    def mask(self, name: str) -> np.ndarray:
        return self.split == name

    def sizes(self) -> dict[str, int]:
        return {s: int((self.split == s).sum()) for s in SPLITS if (self.split == s).any()}

    def present(self) -> list[str]:
        return [s for s in SPLITS if (self.split == s).any()]

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame({"id": self.ids, "split": self.split})
        if self.folds is not None:
            for r in range(self.folds.shape[1]):
                df[f"fold_{r}"] = self.folds[:, r]
        return df

    def save(self, path: str | Path) -> None:
        write_with(path, lambda tmp: self.frame().to_csv(tmp, index=False))

    @classmethod
    def read(cls, path: str | Path) -> "Splits":
        df = pd.read_csv(path, dtype={"id": str, "split": str})
        fold_cols = [c for c in df.columns if c.startswith("fold_")]
        folds = df[fold_cols].to_numpy() if fold_cols else None
        return cls(df["id"].to_numpy(dtype=str), df["split"].to_numpy(dtype=object), folds)

    def aligned_to(self, ids: np.ndarray) -> "Splits":
        """The same assignment in the order of `ids` (a re-loaded dataset)."""
        pos = pd.Series(np.arange(len(self.ids)), index=self.ids)
        missing = np.setdiff1d(ids, self.ids)
        if len(missing):
            raise DataError(f"{len(missing)} examples (e.g. {missing[0]}) are not in the saved splits: the data changed")
        order = pos.loc[ids].to_numpy()
        return Splits(self.ids[order], self.split[order], None if self.folds is None else self.folds[order])


def holdout_share(n: int) -> float:
    """Dev (and test) share by data size: 20% for thousands, 10% for tens of thousands, ~10k beyond."""
    if n <= 10_000:
        return 0.2
    if n <= 100_000:
        return 0.1
    return HOLDOUT_CAP / n


def strata(ds: Dataset, task: str) -> np.ndarray | None:
    """Integer codes to stratify on: classes; quantile bins for regression; none for multilabel."""
    if task == "multilabel":
        return None
    if task == "regression":
        y = ds.y.to_numpy(dtype=float)
        return pd.qcut(y, q=min(5, max(1, len(y) // 10)), labels=False, duplicates="drop").astype(np.int64)
    return pd.factorize(ds.y)[0].astype(np.int64)  # codes, not a million label strings


def assign(ds: Dataset, cfg: Split, task: str) -> Splits:
    n = len(ds)
    if task == "regression":
        regression_target(ds.y, ds.target_name)  # before anything computes with it: text is the config's mistake
    if n < MIN_EXAMPLES:
        raise DataError(f"{n} examples are too few to split into train, dev and test; at least {MIN_EXAMPLES} are needed")
    labels = strata(ds, task) if cfg.stratify else None
    split = np.empty(n, dtype=object)
    split[:] = "train"  # one shared str object; np.full would make a million of them
    rng_seed = cfg.seed
    everything = np.arange(n)
    if ds.has_target_source:
        train_pool = everything[ds.source == TRAIN_SOURCE]
        target_pool = everything[ds.source == TARGET_SOURCE]
        if len(target_pool) < 2:
            raise DataError(f"data.target holds {len(target_pool)} examples; dev and test need at least 2")
        dev_part, test_part, moved = _target_parts(target_pool, labels, cfg)
        split[dev_part], split[test_part], split[moved] = "dev", "test", "train"
        train_dev_share = cfg.train_dev if cfg.train_dev is not None else _train_dev_share(len(train_pool))
        _, train_dev = _cut(train_pool, train_dev_share, labels, rng_seed + 3, "train_dev")
        split[train_dev] = "train_dev"
    else:
        test_share = cfg.test or holdout_share(n)
        dev_share = cfg.dev or holdout_share(n)
        if test_share + dev_share + (cfg.train_dev or 0) >= 0.95:
            raise DataError(
                f"data.split: dev {dev_share} + test {test_share} + train_dev {cfg.train_dev or 0} leave almost "
                "nothing to train on; lower them"
            )
        rest, test = _cut(everything, test_share, labels, rng_seed + 2, "test", total=n)
        rest, dev = _cut(rest, dev_share, labels, rng_seed + 4, "dev", total=n)
        split[test], split[dev] = "test", "dev"
        if cfg.train_dev:
            _, train_dev = _cut(rest, cfg.train_dev, labels, rng_seed + 3, "train_dev", total=n)
            split[train_dev] = "train_dev"
    result = Splits(ds.ids, split)
    _check_classes(ds, result, task)
    if cfg.folds:
        result.folds = fold_assignments(ds, result, cfg.folds, cfg.repeats, labels, cfg.seed)
    return result


def _target_parts(pool: np.ndarray, labels: np.ndarray | None, cfg: Split) -> tuple[np.ndarray, ...]:
    """(dev, test, moved into train) from the target source, nested: the target examples are put in one
    seeded, stratified order; dev is its head, test what follows, and `target_in_train` moves the tail.
    Moving more into training shrinks dev and test, so a larger share's dev set lies inside a smaller
    one's: runs that differ only in `target_in_train` are compared on every example of the smaller dev."""
    n = len(pool)
    order = pool[_stratified_order(labels[pool] if labels is not None else None, n, cfg.seed + 1)]
    moved = int(round(cfg.target_in_train * n))
    rest = n - moved
    dev, test = cfg.dev or 0.5, cfg.test or 0.5
    n_dev = int(round(rest * dev / (dev + test)))
    if n_dev < 1 or rest - n_dev < 1:
        raise DataError(f"data.split: {n} target examples leave {rest} for dev and test after target_in_train "
                        f"{cfg.target_in_train:g}; dev and test need at least one each: lower target_in_train")
    return np.sort(order[:n_dev]), np.sort(order[n_dev:rest]), np.sort(order[rest:])


def _stratified_order(labels: np.ndarray | None, n: int, seed: int) -> np.ndarray:
    """A seeded permutation of range(n) whose every prefix holds each class in about its share: each
    example's key is its shuffled rank within its class over the class's size, plus a little jitter."""
    rng = np.random.default_rng(seed)
    if labels is None:
        return rng.permutation(n)
    key = np.empty(n)
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        key[members] = (rng.permutation(len(members)) + rng.random(len(members))) / len(members)
    return np.argsort(key, kind="stable")


def _train_dev_share(n_train_source: int) -> float:
    share = 0.1 if n_train_source >= 2000 else 0.15
    return min(share, HOLDOUT_CAP / max(n_train_source, 1))


def _cut(
    idx: np.ndarray, share: float, labels: np.ndarray | None, seed: int, what: str, total: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Split `idx` into (rest, taken) with `taken` about `share` of `total` (default: of idx)."""
    size = int(round(share * (total or len(idx))))
    if size < 1 or size >= len(idx):
        raise DataError(
            f"data.split.{what}: {len(idx)} examples are too few for a {what} share of {share:.3g} "
            f"({share * (total or len(idx)):.2f} examples); add data or raise data.split.{what}"
        )
    strat = _stratifiable(labels[idx], size) if labels is not None else None
    rest, taken = train_test_split(idx, test_size=size, random_state=seed, stratify=strat)
    return np.sort(rest), np.sort(taken)


def _stratifiable(labels: np.ndarray, size: int) -> np.ndarray | None:
    """Stratify on classes; rare classes (1 example) share one bucket (-1); None when even that fails."""
    values, counts = np.unique(labels, return_counts=True)
    strat = labels.copy()
    rare = values[counts < 2]
    if len(rare):
        strat = np.where(np.isin(strat, rare), -1, strat)
        values, counts = np.unique(strat, return_counts=True)
    if counts.min() < 2 or size < len(values) or len(labels) - size < len(values):
        return None
    return strat


def _check_classes(ds: Dataset, splits: Splits, task: str) -> None:
    if task in ("binary", "multiclass"):
        train_labels = ds.y[splits.mask("train")].nunique()
        if train_labels < 2:
            raise DataError("the train split holds a single class; add examples of the other classes")


def fold_assignments(
    ds: Dataset, splits: Splits, k: int, repeats: int, labels: np.ndarray | None, seed: int
) -> np.ndarray:
    """K-fold (x repeats) over the examples that may serve as dev: train + dev for one source; the
    target source's non-test examples when there are two sources. -1 outside the pool."""
    if ds.has_target_source:
        pool = np.flatnonzero((ds.source == TARGET_SOURCE) & (splits.split != "test"))
    else:
        pool = np.flatnonzero(np.isin(splits.split, ["train", "dev"]))
    if len(pool) < k:
        raise DataError(f"data.split.folds = {k} but only {len(pool)} examples can serve as dev; lower the folds")
    strat = _stratifiable(labels[pool], len(pool) // k) if labels is not None else None
    if strat is not None and np.unique(strat, return_counts=True)[1].min() < k:
        strat = None
    folds = np.full((len(ds), repeats), -1, dtype=np.int64)
    if strat is not None:
        splitter = (RepeatedStratifiedKFold(n_splits=k, n_repeats=repeats, random_state=seed) if repeats > 1
                    else StratifiedKFold(n_splits=k, shuffle=True, random_state=seed))
    else:
        splitter = (RepeatedKFold(n_splits=k, n_repeats=repeats, random_state=seed) if repeats > 1
                    else KFold(n_splits=k, shuffle=True, random_state=seed))
    for i, (_, held) in enumerate(splitter.split(pool, strat if strat is not None else None)):
        folds[pool[held], i // k] = i % k
    return folds
