"""The run folder's common part, whatever trained the model: its inputs (config.yaml with data paths
absolute, splits.csv, encoder.json), then after training the predictions per split, the model artifact, the
baselines and their predictions, a decided threshold, the test ledger, summary.json (last: its presence
means the run is complete) and TensorBoard's hyperparameters. The names are `runs.py`'s."""
from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import pandas as pd
import torch

from tuneup import __version__, _progress
from tuneup import runs as rd
from tuneup._io import write_json, write_text, write_with
from tuneup.config import Config
from tuneup.data.encode import Encoder, Tensors
from tuneup.data.labels import label_key
from tuneup.models.baselines import run_baselines
from tuneup.models.heads import Head, Outputs
from tuneup.models.nets import count_parameters, resolve_kind
from tuneup.pipeline.hparams import write_hparams
from tuneup.train.callbacks import HistoryWriter, TensorBoardLogger
from tuneup.train.loop import FitResult, Trainer, chance_error, predict

if TYPE_CHECKING:
    from tuneup.pipeline.preparation import Prepared


def new_run_folder(prepared: Prepared, cfg: Config, name: str | None = None) -> Path:
    """A new run folder in `cfg`'s runs folder (`name`, or the config's name numbered) holding the model's
    inputs; `training.train_into` completes it."""
    path = rd.new_run_dir(cfg.runs_path(), cfg.name, name)
    write_inputs(path, prepared, cfg)
    return path


def write_inputs(path: Path, prepared: Prepared, cfg: Config) -> None:
    resolved = absolute_paths(cfg)
    write_text(path / rd.CONFIG, resolved.to_yaml())
    prepared.splits.save(path / rd.SPLITS)
    prepared.encoder.save(path / rd.ENCODER)


def absolute_paths(cfg: Config) -> Config:
    """config.yaml in the run folder reads the same data from anywhere."""
    updates = {}
    for role in ("train", "target"):
        src = getattr(cfg.data, role)
        if src is not None and not src.path.startswith("builtin:"):
            updates[f"data.{role}.path"] = str(Path(cfg.resolve_path(src.path)).resolve())
    return cfg.with_overrides(updates) if updates else cfg


def write_epochs(path: Path, metric: str, history: list[dict], trainer: Trainer | None = None) -> None:
    """history.jsonl and the TensorBoard events of a model trained without the trainer's own callbacks (a
    vectorised ensemble's member; a scikit-learn family, whose epochs are boosting iterations), by the
    writers a network's trainer calls every epoch."""
    writers = [HistoryWriter(path / rd.HISTORY), TensorBoardLogger(path / rd.TENSORBOARD, metric)]
    try:
        for w in writers:
            w.on_fit_start(trainer, 0)
        for record in history:
            for w in writers:
                w.on_epoch_end(trainer, record)
    finally:
        for w in writers:
            w.close()


def fit_baselines(prepared: Prepared, cfg: Config, final: bool) -> dict:
    """The baselines on the splits a run scores; fitted once per prepared data (sweeps train many candidates)."""
    scored = [s for s in prepared.tensors if s != "test" or final]
    names = cfg.baselines if cfg.baselines is not None else default_baselines(prepared.encoder.kind)
    key = (tuple(names), cfg.train.seed, tuple(scored))
    if key not in prepared.baselines:
        prepared.baselines[key] = run_baselines(
            names, {s: prepared.tensors[s] for s in scored}, prepared.encoder, prepared.metric, prepared.scorer(),
            seed=cfg.train.seed,
        ) if names else {}
    return prepared.baselines[key]


def finish_run(path: Path, prepared: Prepared, cfg: Config, trainer: Trainer, fit: FitResult, final: bool,
               started: float, baselines: dict, timing: dict[str, float], weighting: Any,
               extra: dict[str, Any] | None, purpose: str) -> rd.Run:
    """A trained network's part of `training.train_into`: evaluate it and write its predictions, weights and
    summary.json. `weighting` describes the importance weights it was trained with; `extra` adds keys to
    summary.json (K-fold results); `purpose` is what the test ledger says the look at test was for."""
    training = {
        "model": resolve_kind(cfg.model, prepared.encoder.input_spec()),
        "parameters": count_parameters(trainer.model),
        "device": str(trainer.device),
        "epochs_run": fit.epochs_run,
        "best_epoch": fit.best_epoch,
        "stopped_early": fit.stopped_early,
        "early_stopping": _early_stopping(trainer),
    }
    timing["per_epoch_s"] = float(np.median([h["seconds"] for h in fit.history])) if fit.history else 0.0
    return write_run(path, prepared, cfg, lambda data: predict(trainer.model, trainer.head, data),
                     lambda outputs: save_model(path / rd.MODEL, trainer.model, cfg), training, final, started,
                     baselines, timing, weighting, extra, purpose)


def write_run(path: Path, prepared: Prepared, cfg: Config, outputs_of: Callable[[Tensors], Outputs],
              save: Callable[[dict[str, Outputs]], Any], training: dict[str, Any], final: bool, started: float,
              baselines: dict, timing: dict[str, float], weighting: Any = None,
              extra: dict[str, Any] | None = None, purpose: str = "run --final") -> rd.Run:
    """The part of a run folder every model writes the same way, whatever trained it (a network, a
    scikit-learn family): predictions per split (`outputs_of`), the model artifact (`save`, given the
    predictions), the baselines' predictions, the test ledger, summary.json (`training`: its training block)
    and TensorBoard's hyperparameters."""
    write_baseline_predictions(path, prepared.encoder, prepared.tensors, baselines)
    scored = [s for s in prepared.tensors if s != "test" or final]
    scorer = prepared.scorer()
    t0 = time.perf_counter()
    results, outputs = {}, {split: outputs_of(prepared.tensors[split]) for split in scored}
    threshold = decide_threshold(path, prepared, cfg, outputs)
    for split in scored:
        data, out = prepared.tensors[split], outputs[split]
        value = scorer(out, data.y)
        results[split] = {"n": len(data), "loss": float(np.mean(out.loss)), "metric": value,
                          "error": prepared.metric.error(value)}
        write_predictions(path / rd.prediction_file(split), prepared.encoder, data, out)
    timing["evaluate_s"] = time.perf_counter() - t0
    save(outputs)

    test_uses = 0
    if final:
        test_ids = rd.ids_hash(prepared.tensors["test"].ids)
        test_uses = rd.record_test_use(path.parent, path.name, rd.config_fingerprint(cfg), test_ids, cfg.metric,
                                       results["test"]["error"], purpose)
        if test_uses > 1:
            _progress.warn(
                f"the test set has now been evaluated {test_uses} times (see {path.parent / rd.LEDGER}); "
                "choosing between runs by test error makes it an optimistic, second dev set"
            )
    timing["total_s"] = time.perf_counter() - started
    # always answering the training majority class (the mean): what "did not learn" is judged against
    training["chance_error"] = chance_error(Head(prepared.task, prepared.encoder.n_outputs), scorer, prepared.metric,
                                            prepared.tensors["train"].y)
    summary = build_summary(path.name, cfg, prepared, results, baselines, training, timing, final, test_uses)
    summary["training"]["importance_weights"] = weighting
    summary["threshold"] = threshold
    summary.update(extra or {})
    write_json(path / rd.SUMMARY, summary)  # last: its presence means the run is complete
    write_hparams(rd.Run(path))  # hyperparameters and final metrics for TensorBoard's HParams view
    return rd.Run(path)


def decide_threshold(path: Path, prepared: Prepared, cfg: Config, outputs: dict[str, Outputs]) -> dict | None:
    """A binary run whose metric a threshold improves (F1, balanced accuracy) gets the one that maximises it
    on dev, applied to every split's predictions and saved as `threshold.json`, so the summary, the
    predictions, the export and the server all decide alike. Accuracy keeps 0.5 (None here)."""
    from tuneup.errors.threshold import TUNED_BY_RUN, choose_threshold, save_threshold

    dev = outputs.get("dev")
    if prepared.task != "binary" or cfg.metric not in TUNED_BY_RUN or dev is None or dev.proba is None:
        return None
    y = prepared.tensors["dev"].y.cpu().numpy().round().astype(np.int64)
    if y.min() == y.max():  # one class on dev: nothing to choose by
        return None
    choice = choose_threshold(y, np.asarray(dev.proba, dtype=np.float64), cfg.metric, "dev")
    for out in outputs.values():
        out.pred = (np.asarray(out.proba) >= choice.threshold).astype(np.int64)
    save_threshold(path, choice, path.name, by="tuneup run")
    return {"value": choice.threshold, "objective": cfg.metric, "split": "dev", "at_default": choice.at_default}


def write_baseline_predictions(path: Path, encoder: Encoder, tensors: dict[str, Tensors], baselines: dict) -> None:
    """`<run>/baselines/<name>/<split>.parquet`: each baseline's predictions on the held-out splits it was
    scored on, in `predictions/`'s columns (a paired bootstrap compares them with the model's)."""
    for b in baselines.values():
        for split, out in b.outputs.items():
            write_predictions(path / rd.baseline_file(b.name, split), encoder, tensors[split], out)


def default_baselines(kind: str) -> list[str]:
    return ["majority", "linear"] if kind == "image" else ["majority", "linear", "hgb"]


def write_predictions(path: Path, encoder: Encoder, data: Tensors, out: Outputs) -> None:
    task = encoder.task
    frame: dict[str, Any] = {"id": data.ids}
    if task == "regression":
        frame["y_true"] = encoder.decode_target(data.y)
        frame["y_pred"] = encoder.decode_target(out.pred)
        frame["residual"] = frame["y_pred"] - frame["y_true"]
    else:
        frame["y_true"] = _labels(encoder.decode_target(data.y))
        frame["y_pred"] = _labels(encoder.decode_target(out.pred))
        if task == "binary":
            frame["score"] = out.proba
        else:
            for i, c in enumerate(encoder.classes):
                frame[f"p:{label_key(c)}"] = out.proba[:, i]
    frame["loss"] = out.loss
    write_with(path, lambda tmp: pd.DataFrame(frame).to_parquet(tmp, index=False))


def _labels(values: np.ndarray) -> Any:
    kinds = {type(v) for v in values}
    if kinds <= {int, np.int64}:
        return values.astype(np.int64)
    if kinds <= {bool, np.bool_}:
        return values.astype(bool)
    return np.array([str(v) for v in values], dtype=object)


def save_model(path: Path, model: torch.nn.Module, cfg: Config) -> None:
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"tuneup.version": __version__, "tuneup.model": json.dumps(cfg.model.model_dump(mode="json"))}
    write_with(path, lambda tmp: save_file(tensors, str(tmp), metadata=meta))


def _early_stopping(trainer: Trainer) -> dict | None:
    return None if trainer.early is None else trainer.early.describe()


def build_summary(name, cfg, prepared, results, baselines, training, timing, final, test_uses) -> dict:
    metric, enc = prepared.metric, prepared.encoder
    ladder = {"human": cfg.human_level}
    for split in ("train", "train_dev", "dev", "test"):
        ladder[split] = results[split]["error"] if split in results else None
    human = cfg.human_level_error
    return {
        "run": name,
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "tuneup_version": __version__,
        "task": enc.task,
        "metric": metric.name,
        "error_of": metric.error_of,
        "higher_is_better": metric.higher_is_better,
        "error_in_units": metric.error_in_units,
        "data": {
            "kind": enc.kind,
            "sources": prepared.dataset.sources,
            "classes": enc.classes,
            "split_sizes": prepared.splits.sizes(),
            "n_features": len(enc.feature_names) if enc.kind == "table" else None,
            "image_shape": enc.spec.get("image", {}).get("shape"),
        },
        "splits": {s: results.get(s) for s in ("train", "train_dev", "dev", "test") if s in prepared.tensors},
        "human_level_error": cfg.human_level,
        "human_levels": [h.model_dump() for h in human] if isinstance(human, list) else None,
        "ladder": ladder,
        "baselines": {
            b.name: {"model": b.model, "fit_rows": b.fit_rows, "seconds": b.seconds, "splits": b.scores}
            for b in baselines.values()
        },
        "training": training,
        "settings": [{"key": n.key, "value": n.value, "why": n.why} for n in prepared.settings],
        "timing": timing,
        "final": final,
        "test_evaluations": test_uses,
    }
