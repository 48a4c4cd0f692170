"""scikit-learn's LogisticRegression and HistGradientBoosting on a tuneup run's own splits: fitted on the
run's train split (the rows `splits.csv` marks `train`, as tuneup loaded them: `Run.data()`), scored on its
dev split with the run's metric, as tuneup scores (`get_metric`), with tuneup's bootstrap interval
(`tuneup.error_interval` on a predictions frame of the run-directory contract)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

import tuneup
from bench.scenario_models import Reference, pixels
from tuneup.errors.metrics import get_metric

NAMES = ("LR", "HGB")
# one BLAS thread for scikit-learn: on the shared 2-core machine two threads competing with other work made
# LogisticRegression on pixels about 10x slower (lbfgs on 960 x 1,024 pixels: 7.5 s with one thread)
BLAS_THREADS = 1


def split_of(run: tuneup.Run, ids: np.ndarray) -> np.ndarray:
    """The split of every id, read from the run folder's splits.csv."""
    frame = pd.read_csv(run.path / "splits.csv", dtype={"id": str, "split": str})
    split = frame.set_index("id")["split"].reindex(pd.Index(ids.astype(str)))
    if split.isna().any():
        raise ValueError(f"{int(split.isna().sum())} examples of {run.name} are not in its splits.csv")
    return split.to_numpy()


def _take(x, mask):
    return x.loc[mask].reset_index(drop=True) if isinstance(x, pd.DataFrame) else x[mask]


def predictions(ref: Reference, x, y: np.ndarray, ids: np.ndarray, task: str, classes: list) -> pd.DataFrame:
    """The reference's predictions in the shape of a run's predictions/<split>.parquet."""
    frame = pd.DataFrame({"id": ids, "y_true": y, "y_pred": ref.predict(x)})
    if task == "regression":
        return frame
    proba = ref.predict_proba(x)
    column = {c: j for j, c in enumerate(ref.classes)}
    by_class = [proba[:, column[c]] if c in column else np.zeros(len(frame)) for c in classes]
    if task == "binary":
        frame["score"] = by_class[1]  # P(the encoder's second class): the contract's positive class
    else:
        for c, p in zip(classes, by_class):
            frame[f"p:{c}"] = p
    return frame


def on_run(run: tuneup.Run, names: tuple[str, ...] = NAMES) -> dict[str, dict]:
    """{name: {value, low, high, seconds}} of each reference's dev error on the run's splits."""
    import time

    ds = run.data()
    split = split_of(run, ds.ids)
    task, metric_name = run.summary["task"], run.summary["metric"]
    if task == "multilabel":
        raise ValueError("multilabel scenarios are not supported by the references")
    classes = [] if task == "regression" else list(run.encoder.classes)
    x = pixels(ds.images) if ds.images is not None else ds.features.reset_index(drop=True)
    y = ds.y.to_numpy()
    fit, dev = split == "train", split == "dev"
    metric = get_metric(metric_name, task)
    out = {}
    for name in names:
        started = time.perf_counter()
        with threadpool_limits(BLAS_THREADS, user_api="blas"):
            ref = Reference(name, _take(x, fit), y[fit], classification=task != "regression")
        frame = predictions(ref, _take(x, dev), y[dev], ds.ids[dev], task, classes)
        interval = tuneup.error_interval(frame, metric, task, classes or None)
        out[name] = {"value": interval.value, "low": interval.low, "high": interval.high,
                     "seconds": time.perf_counter() - started}
    return out
