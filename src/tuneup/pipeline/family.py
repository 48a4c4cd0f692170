"""A family (`model.kind: linear | hgb`) fitted into a run folder (`training.train_into` calls `fit_into` for
these kinds): the same folder a network's run makes, written by the same `folder.write_run`, with
model.onnx + model.json in place of model.safetensors.

    config.yaml, splits.csv, encoder.json               (folder.new_run_folder, before training)
    history.jsonl, tensorboard/                          (fit.py's records, through the networks' writers)
    predictions/<split>.parquet                          scikit-learn's own predict / predict_proba
    baselines/<name>/<split>.parquet
    model.onnx, model.json                               (artifact.py)
    summary.json                                         training.model = linear | hgb
"""
from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from tuneup import _progress
from tuneup import runs as rd
from tuneup.data.encode import Tensors
from tuneup.models.families import artifact
from tuneup.models.families import estimators as E
from tuneup.models.families.fit import Fitted, fit_family
from tuneup.pipeline.folder import write_epochs, write_run


def fit_into(path: Path, prepared, cfg, train: Tensors, final: bool, progress: bool, started: float,
             baselines: dict, timing: dict[str, float], weighting: Any, extra: dict[str, Any] | None,
             purpose: str) -> rd.Run:
    """A scikit-learn family's part of `training.train_into`: fit `cfg.model.kind` on `train` (the train split,
    with its importance weights) and write the run folder `path`. Callbacks for networks' epochs (a sweep's
    pruner) are not called: a family is fitted in one go."""
    t0 = time.perf_counter()
    with _progress.task(f"fitting {cfg.model.kind} {path.name}", total=None) if progress else nullcontext():
        fitted = fit_family(prepared, cfg, train, prepared.evals())
    if fitted.note:
        _progress.warn(fitted.note)
    write_epochs(path, cfg.metric, fitted.history)
    timing["train_s"] = time.perf_counter() - t0  # with the history's measurements, as a network's epochs have
    timing["per_epoch_s"] = fitted.history[-1]["seconds"]
    enc = prepared.encoder

    def outputs_of(data: Tensors):
        return E.outputs(*E.predict(fitted.estimator, E.matrix(data), enc.task, enc.n_outputs), data.y, enc.task,
                         enc.n_outputs, enc.spec["target"])

    return write_run(path, prepared, cfg, outputs_of, lambda outputs: artifact.save(path, fitted, prepared, cfg, outputs),
                     training_block(fitted), final, started, baselines, timing, weighting, extra, purpose)


def training_block(fitted: Fitted) -> dict[str, Any]:
    """summary.json's `training`, in the networks' keys: an epoch is a boosting iteration (hgb) or the one fit."""
    return {
        "model": fitted.family,
        "estimator": E.describe(fitted.estimator),
        "parameters": E.parameters(fitted.estimator),  # coefficients, or tree nodes
        "device": "cpu",
        "epochs_run": fitted.history[-1]["epoch"],  # boosting keeps every iteration it ran (early stopping ends it)
        "best_epoch": fitted.history[-1]["epoch"],
        "stopped_early": fitted.stopped_early,
        "early_stopping": None,  # scikit-learn's own (model.hgb.early_stopping), on a share of train, not dev
        "iterations": fitted.iterations,
        "converged": (fitted.note is None) if fitted.family == "linear" else None,
    }
