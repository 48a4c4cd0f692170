"""Fit a family (`model.kind: linear | hgb`) on prepared data, with the history a network's run writes.

The history has the networks' records (`epoch`, `fit_loss`, `lr`, and loss / metric / error on the fixed
training sample, train-dev and dev), so the training-curve checks, TensorBoard and the report read it as
they read a network's:
    hgb     one record per boosting iteration (every k-th when there are more than MAX_RECORDS), from
            scikit-learn's staged predictions; `epoch` is the iteration, `lr` the learning rate
    linear  one record: the solver's result (`lr` is None: lbfgs has no learning rate)
"""
from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tuneup.data.encode import Tensors
from tuneup.exceptions import TrainingError
from tuneup.models.families import estimators as E
from tuneup.models.heads import Outputs

MAX_RECORDS = 200  # history lines for a boosted model at most


@dataclass
class Fitted:
    family: str  # linear | hgb
    estimator: Any
    history: list[dict]
    seconds: float  # fitting only
    iterations: int  # boosting iterations kept (hgb) or solver iterations (linear)
    max_iter: int
    note: str | None = None  # something the person should know (a solver that did not converge)

    @property
    def stopped_early(self) -> bool:
        return self.family == "hgb" and self.iterations < self.max_iter


def fit_family(prepared, cfg, train: Tensors, evals: dict[str, Tensors]) -> Fitted:
    """Fit `cfg.model.kind` on `train` (its importance weights as sample weights) and measure every
    iteration on the training sample and `evals`."""
    from tuneup.train.loop import train_sample

    enc, family = prepared.encoder, cfg.model.kind
    params = getattr(cfg.model, family)
    est = E.make(family, enc.task, E.Layout.of(enc), params, seed=cfg.train.seed,
                 class_weight="balanced" if cfg.train.class_weights == "balanced" else None)
    y = E.targets(train, enc.task)
    if enc.task == "regression":
        y = enc.decode_target(y)  # fitted in the target's own units, as a practitioner would
    started = time.perf_counter()
    try:
        E.fit(est, E.matrix(train), y, None if train.w is None else train.w.cpu().numpy())
    except ValueError as e:  # e.g. a single class in the train split
        raise TrainingError(f"model.kind {family}: scikit-learn cannot fit {E.describe(est)} on the train split: "
                            f"{e}") from None
    seconds = time.perf_counter() - started
    measured = {"train": train_sample(train, cfg.train.eval_sample, cfg.train.seed), **evals}
    iterations, note = _iterations(est, family, params)
    epochs = iterations if family == "hgb" else 1  # what the history counts: boosting iterations, or the one fit
    lr = params.learning_rate if family == "hgb" else None
    with E.quiet_threads(E.matrix(measured["train"])):  # staged predictions: one thread on small data
        history = [{"epoch": i, "fit_loss": rec["train"]["loss"], "lr": lr, **rec, "seconds": seconds / epochs}
                   for i, rec in _records(est, prepared, measured, epochs)]
    return Fitted(family, est, history, seconds, iterations, params.max_iter, note)


def _iterations(est, family: str, params) -> tuple[int, str | None]:
    final = est.steps[-1][1] if hasattr(est, "steps") else est
    members = getattr(final, "estimators_", None) or [final]
    if family == "hgb":
        return max(int(m.n_iter_) for m in members), None
    steps = [int(np.max(m.n_iter_)) for m in members if hasattr(m, "n_iter_")]
    if not steps:  # LinearRegression: a closed form
        return 1, None
    if max(steps) >= params.max_iter:
        return max(steps), (f"model.linear: lbfgs stopped at max_iter={params.max_iter} before converging; "
                            f"raise model.linear.max_iter (e.g. --set model.linear.max_iter={params.max_iter * 5})")
    return max(steps), None


def _records(est, prepared, measured: dict[str, Tensors], epochs: int) -> Iterator[tuple[int, dict]]:
    """(epoch, {split: loss, metric, error}) for the epochs the history keeps."""
    enc = prepared.encoder
    staged = {s: _staged(est, E.matrix(t), enc.task, enc.n_outputs) for s, t in measured.items()}
    if any(v is None for v in staged.values()):  # linear, or one boosted model per label (multilabel): the end
        yield epochs, {s: _measure(prepared, *E.predict(est, E.matrix(t), enc.task, enc.n_outputs), t)
                       for s, t in measured.items()}
        return
    step = math.ceil(epochs / MAX_RECORDS)
    for i, stages in enumerate(zip(*staged.values()), start=1):
        if i % step == 0 or i == epochs:
            yield i, {s: _measure(prepared, pred, proba, measured[s]) for s, (pred, proba) in zip(staged, stages)}


def _staged(est, x: np.ndarray, task: str, n_outputs: int):
    """scikit-learn's predictions after each boosting iteration, as `estimators.predict` gives the final ones;
    None for models that have no stages."""
    if not hasattr(est, "staged_predict"):
        return None
    if task == "regression":
        return ((pred, None) for pred in est.staged_predict(x))
    classes = est.classes_
    # predict() is classes_[argmax(predict_proba)]: the same rule on every stage
    return ((classes[np.argmax(p, axis=1)], E.full_proba(p, classes, task, n_outputs))
            for p in est.staged_predict_proba(x))


def _measure(prepared, pred: np.ndarray, proba: np.ndarray | None, data: Tensors) -> dict[str, float]:
    enc = prepared.encoder
    out: Outputs = E.outputs(pred, proba, data.y, enc.task, enc.n_outputs, enc.spec["target"])
    value = prepared.scorer()(out, data.y)
    return {"loss": float(np.mean(out.loss)), "metric": value, "error": prepared.metric.error(value)}
