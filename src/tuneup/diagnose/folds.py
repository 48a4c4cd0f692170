"""K-fold (x repeats) training: `tuneup run --folds K [--repeats R]` (or data.split.folds in the config).

On small data one dev set is a noisy measurement, and one trained model is one draw of many. K models,
each measured on its own held-out fold, give every split's error as mean +- std; `tuneup diagnose`
turns them into intervals.

Which examples: data/split.py assigns folds over the examples that may serve as dev (train + dev for
one source; the target source's non-test examples for two). Model i (repeat r, fold k) takes fold k of
that pool as dev and trains on the rest of the pool; train-dev keeps its role; test is never touched.
With two sources this means each fold's model also trains on the other folds' target examples, as
`data.split.target_in_train` would. Each model is an ordinary run folder, `<run>/folds/fold-<i>/`, with
its own encoder fitted on its own training rows, so every later step can read it.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from tuneup import _progress
from tuneup import runs as rd
from tuneup.data.split import Splits
from tuneup.runs import SUMMARY, Run

FOLD_SPLITS = ("train", "train_dev", "dev")


def fold_splits(splits: Splits, repeat: int, fold: int) -> Splits:
    """The holdout assignment with the pool re-cut: fold `fold` of repeat `repeat` is dev, the rest trains."""
    assigned = splits.folds[:, repeat]
    split = splits.split.astype(object)  # a copy
    split[assigned >= 0] = "train"
    split[assigned == fold] = "dev"
    return Splits(splits.ids, split)


def run_folds(parent: Path, prepared, cfg, progress: bool = True) -> dict:
    """Train every fold's model (those already finished, from a resumed run, are kept); returns the
    parent summary's `folds` entry."""
    from tuneup.pipeline.folder import write_inputs
    from tuneup.pipeline.training import train_into

    k, repeats = cfg.data.split.folds, cfg.data.split.repeats
    fold_cfg = cfg.with_overrides({"baselines": []})  # the parent run has the baselines
    runs = []
    for i in range(k * repeats):
        repeat, fold = divmod(i, k)
        path = Path(parent) / rd.fold_dir(i)
        if (path / SUMMARY).exists():
            runs.append(Run(path))
            continue
        _progress.info(f"fold {i + 1}/{k * repeats}: repeat {repeat + 1}, fold {fold + 1} of {k} as dev")
        fold_prepared = prepared.resplit(fold_splits(prepared.splits, repeat, fold))
        shutil.rmtree(path, ignore_errors=True)  # an unfinished fold starts again
        path.mkdir(parents=True)
        write_inputs(path, fold_prepared, fold_cfg)
        runs.append(train_into(path, fold_prepared, fold_cfg, progress=progress,
                               extra={"fold": {"index": i, "repeat": repeat, "fold": fold}}))
    return summarize(runs, k, repeats, Path(parent))


def summarize(runs: list[Run], k: int, repeats: int, parent: Path) -> dict:
    """Mean +- std (sample std, ddof=1) of every split's error and metric over the fold models."""
    summaries = [r.summary for r in runs]
    splits = {}
    for split in FOLD_SPLITS:
        rows = [s["splits"].get(split) for s in summaries]
        if any(r is None for r in rows):
            continue
        errors = np.array([r["error"] for r in rows])
        metrics = np.array([r["metric"] for r in rows])
        splits[split] = {
            "mean_error": float(errors.mean()), "std_error": _std(errors),
            "mean_metric": float(metrics.mean()), "std_metric": _std(metrics),
            "errors": errors.tolist(), "n": int(round(np.mean([r["n"] for r in rows]))),
        }
    ratio = float(np.mean([s["splits"]["dev"]["n"] / s["splits"]["train"]["n"] for s in summaries]))
    return {
        "k": k, "repeats": repeats, "models": len(runs),
        "how": (f"{k}-fold{f' x {repeats} repeats' if repeats > 1 else ''}: each model trains on the pool "
                "without its fold and is measured on its fold as dev; train-dev keeps its role; test is not used"),
        "runs": [str(r.path.relative_to(parent)) for r in runs],
        "dev_train_ratio": ratio,
        "splits": splits,
        "ladder": {s: v["mean_error"] for s, v in splits.items()},
    }


def _std(values: np.ndarray) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
