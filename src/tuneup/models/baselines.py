"""Baselines on every run, on the same splits and metric: a statistical one (majority class / mean),
a linear model (logistic / linear regression) and gradient boosting (HistGradientBoosting), each with
scikit-learn's default settings. They are the same estimators `model.kind: linear | hgb` trains
(`models.families.estimators`), so a baseline and a family run of the same name agree.

A network that does not beat them is not worth tuning yet. Each keeps its predictions on the held-out
splits (`Baseline.outputs`), which every run writes to `<run>/baselines/<name>/<split>.parquet`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from tuneup.data.encode import Encoder, Tensors
from tuneup.errors.metrics import Metric
from tuneup.models.families import estimators as est_
from tuneup.models.families.estimators import Layout, targets
from tuneup.models.families.estimators import matrix as features
from tuneup.models.heads import Outputs

MAX_FIT_ROWS = 50_000  # baselines fit on a sample of this many training rows at most (said in the summary)
NAMES = ("majority", "linear", "hgb")
KEPT = ("train_dev", "dev", "test")  # the splits whose predictions a run writes for each baseline


@dataclass
class Baseline:
    name: str
    model: str  # what it is, in scikit-learn's words
    scores: dict[str, dict[str, float]]  # split -> {"metric": ..., "error": ...}
    fit_rows: int
    seconds: float
    outputs: dict[str, Outputs] = field(default_factory=dict, repr=False)  # held-out split -> predictions


def run_baselines(names: list[str], splits: dict[str, Tensors], encoder: Encoder, metric: Metric,
                  scorer: Callable[[Outputs, torch.Tensor], float], seed: int = 0) -> dict[str, Baseline]:
    """Fit each baseline on `splits['train']` and score it on every split given with `scorer` (the runs'
    own: `pipeline.preparation.make_scorer`)."""
    task, n_outputs, target = encoder.task, encoder.n_outputs, encoder.spec["target"]
    train = splits["train"]
    x_train, y_fit = features(train), targets(train, task)
    if task == "regression":
        y_fit = encoder.decode_target(y_fit)  # fitted in the target's own units, as a practitioner would
    rows = np.arange(len(x_train))
    if len(rows) > MAX_FIT_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_FIT_ROWS, replace=False))
    xs = {name: features(t) for name, t in splits.items()}
    layout = Layout.of(encoder)
    out = {}
    for name in names:
        start = time.perf_counter()
        est = est_.fit(est_.make(name, task, layout, seed=seed), x_train[rows], y_fit[rows])
        scores, kept = {}, {}
        for split, t in splits.items():
            o = est_.outputs(*est_.predict(est, xs[split], task, n_outputs), t.y, task, n_outputs, target)
            value = scorer(o, t.y)
            scores[split] = {"metric": value, "error": metric.error(value)}
            if split in KEPT:
                kept[split] = o
        out[name] = Baseline(name, est_.describe(est), scores, len(rows), time.perf_counter() - start, kept)
    return out
